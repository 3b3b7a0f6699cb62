package io.lbsync.watch;

import io.lbsync.config.ConsulSettings;
import io.lbsync.config.Durations;
import io.lbsync.model.HealthStatus;
import io.lbsync.model.KvSnapshot;
import io.lbsync.model.ServiceInstance;
import io.lbsync.model.ServiceInstances;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.kiwiproject.consul.model.ConsulResponse;
import org.kiwiproject.consul.model.State;
import org.kiwiproject.consul.model.health.HealthCheck;
import org.kiwiproject.consul.model.health.ServiceHealth;
import org.kiwiproject.consul.model.kv.Value;
import org.kiwiproject.consul.option.ConsistencyMode;
import org.kiwiproject.consul.option.ImmutableQueryOptions;
import org.kiwiproject.consul.option.QueryOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The three reads the catalog watch needs, translated into lbsync's model. Reads are "stale" (any server
 * may answer, cheap on the leader) and repeated on the leader when the answering server lost contact with
 * the leader for longer than lbsync.consul.max-stale (docs/design-watching.md, Consul rule 5). An answer that stays too stale,
 * comes from a server without a leader, or has no body is refused with a {@link ConsulUnavailableException}.
 */
public class ConsulReader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConsulReader.class);
    private final ConsulClients consul;
    private final ConsulSettings settings;

    public ConsulReader(ConsulSettings settings) {
        this.settings = settings;
        this.consul = new ConsulClients(settings);
    }

    /** GET /v1/catalog/services: service name → tags. Wakes on any registration change. */
    public Reading<Map<String, List<String>>> services(long index, Duration wait) {
        ConsulResponse<Map<String, List<String>>> r = query(o -> consul.get().catalogClient().getServices(o), index, wait);
        return new Reading<>(Map.copyOf(body(r, "/v1/catalog/services")), indexOf(r));
    }

    /** GET /v1/health/state/any: every check's status. Wakes on check changes, which catalog/services does not. */
    public Reading<List<CheckState>> checks(long index, Duration wait) {
        ConsulResponse<List<HealthCheck>> r = query(o -> consul.get().healthClient().getChecksByState(State.ANY, o), index, wait);
        List<CheckState> states = body(r, "/v1/health/state/any").stream()
                .map(c -> new CheckState(c.getNode(), c.getCheckId(), c.getServiceName().orElse(""), c.getStatus()))
                .toList();
        return new Reading<>(states, indexOf(r));
    }

    /**
     * GET /v1/health/service/:name without blocking: every registration with its aggregated health. Consul looks names
     * up ignoring case, so "Web" also answers "web"'s instances: only those of exactly this name are kept.
     */
    public ServiceInstances service(String name) {
        ConsulResponse<List<ServiceHealth>> r;
        try {
            r = query(o -> consul.get().healthClient().getAllServiceInstances(name, o), 0, null);
        } catch (IllegalArgumentException e) {
            // the client will not put "." or ".." into a path: Consul could not answer it anyway (it redirects)
            throw new ServiceUnreadableException("a service name that cannot be part of a URL path", e);
        }
        List<ServiceInstance> instances = body(r, "/v1/health/service/" + name).stream()
                .filter(h -> name.equals(h.getService().getService())).map(ConsulReader::toInstance).toList();
        return new ServiceInstances(name, indexOf(r), instances);
    }

    /** GET /v1/kv/&lt;prefix&gt;?recurse: the subtree, keys relative to the prefix, values decoded (UTF-8). */
    public Reading<KvSnapshot> kv(String prefix, long index, Duration wait) {
        ConsulResponse<List<Value>> r = query(o -> consul.get().keyValueClient().getConsulResponseWithValues(prefix, o), index, wait);
        Map<String, String> entries = new HashMap<>();
        if (r.getResponse() != null) { // 404: nothing under the prefix (yet)
            for (Value v : r.getResponse()) {
                String key = v.getKey().substring(Math.min(prefix.length(), v.getKey().length()));
                if (!key.isEmpty() && !key.endsWith("/")) { // folders carry no value
                    entries.put(key, v.getValue().map(b64 -> new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8))
                            .orElse(""));
                }
            }
        }
        long at = indexOf(r);
        return new Reading<>(KvSnapshot.of(at, prefix, entries), at);
    }

    private static ServiceInstance toInstance(ServiceHealth h) {
        HealthStatus status = HealthStatus.worst(h.getChecks().stream().map(c -> HealthStatus.of(c.getStatus())).toList());
        var s = h.getService();
        return ServiceInstance.of(s.getService(), s.getId(), h.getNode().getNode(), h.getNode().getAddress(),
                s.getAddress(), s.getPort(), s.getTags(), s.getMeta(), status);
    }

    /** A 200 always carries a JSON body on these endpoints; "null" or nothing is not Consul talking. */
    private static <T> T body(ConsulResponse<T> r, String what) {
        if (r.getResponse() == null) {
            throw new ConsulUnavailableException(ConsulErrorKind.BAD_RESPONSE, "no data in the answer to " + what);
        }
        return r.getResponse();
    }

    private <T> ConsulResponse<T> query(Function<QueryOptions, ConsulResponse<T>> call, long index, Duration wait) {
        ConsulResponse<T> r = call.apply(options(index, wait, ConsistencyMode.STALE));
        long maxStale = settings.maxStale().toMillis();
        if (r.getLastContact() > maxStale) {
            // The answering server is behind: ask the leader instead, without blocking.
            LOG.debug("event=consul-stale-reread last_contact_ms={} max_stale_ms={}", r.getLastContact(), maxStale);
            r = call.apply(options(0, null, ConsistencyMode.DEFAULT));
        }
        if (!r.isKnownLeader()) {
            throw new ConsulUnavailableException(ConsulErrorKind.NO_LEADER,
                    "Consul has no known leader (X-Consul-KnownLeader: false)");
        }
        if (r.getLastContact() > maxStale) {
            // Even the leader's answer says it is behind: whatever answered, its data may be old.
            throw new ConsulUnavailableException(ConsulErrorKind.STALE, "Consul's answer is " + r.getLastContact()
                    + " ms behind the leader (X-Consul-LastContact), more than lbsync.consul.max-stale (" + maxStale
                    + " ms), even read from the leader");
        }
        return r;
    }

    private QueryOptions options(long index, Duration wait, ConsistencyMode mode) {
        ImmutableQueryOptions.Builder b = ImmutableQueryOptions.builder().consistencyMode(mode);
        if (index > 0 && wait != null) {
            b.index(BigInteger.valueOf(index)).wait(Durations.toConsul(wait));
        }
        settings.datacenter().ifPresent(b::datacenter);
        return b.build();
    }

    private static long indexOf(ConsulResponse<?> r) {
        return r.getIndex() == null ? 0 : r.getIndex().longValue();
    }

    @Override
    public void close() {
        consul.close();
    }
}
