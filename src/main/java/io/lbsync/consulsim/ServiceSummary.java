package io.lbsync.consulsim;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One service as /v1/internal/ui/services sums it up over its instances, like Consul 1.9's summarizeServices: a node
 * per instance (a node running two instances is there twice), the union of the tags, the distinct "external-source"
 * meta values in the order met, and every check of the instances counted once by status, so that a node-level check
 * (serfHealth, node maintenance) counts once per node however many instances run there.
 */
final class ServiceSummary {
    static final String EXTERNAL_SOURCE = "external-source";

    private final String name;
    private String datacenter = "";
    private final List<String> nodes = new ArrayList<>();
    private final Set<String> tags = new TreeSet<>();
    private final Set<String> externalSources = new LinkedHashSet<>();
    /** (node, check ID) → status, as Consul keys the checks of a summary. */
    private final Map<List<String>, String> checks = new HashMap<>();

    private ServiceSummary(String name) {
        this.name = name;
    }

    /** The summaries of {@code instances} (taken in catalog order), sorted by service name. */
    static Collection<ServiceSummary> of(Catalog catalog, List<CatalogService> instances) {
        Map<String, ServiceSummary> byName = new TreeMap<>();
        for (CatalogService s : instances) {
            catalog.node(s.node()).ifPresent(n -> byName.computeIfAbsent(s.name(), ServiceSummary::new).add(n, s, catalog));
        }
        return byName.values();
    }

    private void add(CatalogNode node, CatalogService s, Catalog catalog) {
        datacenter = node.datacenter();
        nodes.add(node.name());
        tags.addAll(s.tags());
        String source = s.meta().getOrDefault(EXTERNAL_SOURCE, "");
        if (!source.isEmpty()) {
            externalSources.add(source);
        }
        catalog.healthChecksOf(s).forEach(c -> checks.put(List.of(c.node(), c.checkId()), c.status()));
    }

    String name() {
        return name;
    }

    String datacenter() {
        return datacenter;
    }

    /** One entry per instance, sorted. */
    List<String> nodes() {
        return nodes.stream().sorted().toList();
    }

    /** Sorted, without repeats. */
    List<String> tags() {
        return List.copyOf(tags);
    }

    List<String> externalSources() {
        return List.copyOf(externalSources);
    }

    int instanceCount() {
        return nodes.size();
    }

    long checks(String status) {
        return checks.values().stream().filter(status::equals).count();
    }
}
