package io.lbsync.consulsim;

import java.util.List;
import java.util.Map;

/** A service-instance row of the catalog; unique per (node, id), not per cluster. */
record CatalogService(String node, String id, String name, List<String> tags, String address, int port,
                      Map<String, String> meta, ServiceWeights weights, long createIndex, long modifyIndex) {

    CatalogService {
        tags = tags == null ? List.of() : List.copyOf(tags);
        meta = ConsulJson.sorted(meta);
        weights = weights == null ? ServiceWeights.DEFAULT : weights;
    }

    static CatalogService of(String node, ServiceDefinition def) {
        return new CatalogService(node, def.effectiveId(), def.name(), def.tags(), def.address(), def.port(), def.meta(),
                def.effectiveWeights(), 0, 0);
    }

    boolean sameAs(CatalogService o) {
        return node.equals(o.node) && id.equals(o.id) && name.equals(o.name) && tags.equals(o.tags)
                && address.equals(o.address) && port == o.port && meta.equals(o.meta) && weights.equals(o.weights);
    }

    CatalogService withIndexes(long create, long modify) {
        return new CatalogService(node, id, name, tags, address, port, meta, weights, create, modify);
    }
}
