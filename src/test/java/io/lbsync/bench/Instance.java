package io.lbsync.bench;

import io.lbsync.testsupport.ConsulHttp;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One service instance the benchmark registers, as it must appear in both tools' files: one line
 * {@code service id address port tags=a,b meta=k=v;} (see the two templates in {@link SideBySideBench}).
 * {@code check}: registered with a TTL check that starts passing; without it the instance has no check of its own.
 */
record Instance(String service, String id, String node, String address, int port, List<String> tags, Map<String, String> meta,
                boolean check) {

    Instance {
        tags = List.copyOf(tags);
        meta = Map.copyOf(meta);
    }

    String checkId() {
        return "check-" + id;
    }

    /** The line both templates write for this instance while it is passing. */
    String line() {
        String m = new TreeMap<>(meta).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue() + ";").collect(Collectors.joining());
        return service + " " + id + " " + address + " " + port + " tags=" + String.join(",", tags) + " meta=" + m;
    }

    /** The body of PUT /v1/agent/service/register. */
    String json() {
        StringBuilder b = new StringBuilder();
        b.append("{\"ID\":").append(ConsulHttp.quote(id)).append(",\"Name\":").append(ConsulHttp.quote(service))
                .append(",\"Address\":").append(ConsulHttp.quote(address)).append(",\"Port\":").append(port).append(",\"Tags\":[")
                .append(tags.stream().map(ConsulHttp::quote).collect(Collectors.joining(","))).append("],\"Meta\":{")
                .append(new TreeMap<>(meta).entrySet().stream().map(e -> ConsulHttp.quote(e.getKey()) + ":" + ConsulHttp.quote(e.getValue()))
                        .collect(Collectors.joining(",")))
                .append('}');
        if (check) {
            b.append(",\"Check\":{\"CheckID\":").append(ConsulHttp.quote(checkId())).append(",\"TTL\":\"30m\",\"Status\":\"passing\"}");
        }
        return b.append('}').toString();
    }

    Instance withAddress(String a) {
        return new Instance(service, id, node, a, port, tags, meta, check);
    }

    Instance withPort(int p) {
        return new Instance(service, id, node, address, p, tags, meta, check);
    }

    Instance withTags(List<String> t) {
        return new Instance(service, id, node, address, port, t, meta, check);
    }

    Instance withMeta(Map<String, String> m) {
        return new Instance(service, id, node, address, port, tags, m, check);
    }
}
