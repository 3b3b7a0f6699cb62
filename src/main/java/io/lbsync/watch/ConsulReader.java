package io.lbsync.watch;

import io.lbsync.config.ConsulSettings;
import io.lbsync.consul.ConsulAnswers;
import io.lbsync.consul.ConsulClient;
import io.lbsync.consul.ConsulClientFactory;
import io.lbsync.consul.ConsulResponse;
import io.lbsync.consul.HealthEntry;
import io.lbsync.model.CheckState;
import io.lbsync.model.KvSnapshot;
import io.lbsync.model.ServiceInstances;
import io.lbsync.model.ServiceListing;
import io.lbsync.model.ServiceSummaries;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reads the watches need, on the process's one Consul client ({@link ConsulClientFactory}), parsed into lbsync's
 * model by {@link ConsulAnswers}. Reads are "stale" (any server may answer, cheap on the leader) and repeated on the
 * leader when the answering server lost contact with the leader for longer than lbsync.consul.max-stale
 * (docs/design-watching.md, Consul rule 5). An answer that stays too stale, comes from a server without a leader, or
 * has no body is refused with a {@link ConsulUnavailableException} (or the client's own exceptions).
 */
public class ConsulReader implements CatalogSource {
    private static final Logger LOG = LoggerFactory.getLogger(ConsulReader.class);
    private final ConsulClient consul;
    private final ConsulSettings settings;
    private final String dcParam;
    private static final String NOT_PASSING = ConsulClient.segment("Status != \"passing\"");
    /** A name that is the same inside a go-bexpr double-quoted string: no quote, backslash or control character. */
    private static final Pattern FILTERABLE_NAME = Pattern.compile("[^\"\\\\\\p{Cntrl}]+");
    /** Longer filters are not sent (URL length); the whole list is read instead. */
    private static final int MAX_FILTER_LENGTH = 4_000;

    public ConsulReader(ConsulClientFactory factory) {
        this(factory, factory.settings().datacenter());
    }

    /** @param datacenter the datacenter to read (?dc=); empty = the agent's own */
    public ConsulReader(ConsulClientFactory factory, java.util.Optional<String> datacenter) {
        this.settings = factory.settings();
        this.consul = factory.client();
        this.dcParam = datacenter.map(dc -> "&dc=" + ConsulClient.segment(dc)).orElse("");
    }

    /** GET /v1/catalog/services: service name → tags. Wakes on any registration change. */
    @Override
    public Reading<Map<String, List<String>>> services(long index, Duration wait) {
        ConsulResponse r = query("/v1/catalog/services", index, wait);
        return new Reading<>(Map.copyOf(ConsulAnswers.services(r)), r.index());
    }

    /**
     * GET /v1/health/state/any?filter=Status != "passing": the checks that are not passing. Wakes on every check change
     * (which catalog/services does not), but answers only the few checks that fail: a flip costs Consul a small
     * answer, not all checks of a large catalog (1 MB, ~50 ms of a server at 4,000 checks).
     */
    @Override
    public Reading<List<CheckState>> checks(long index, Duration wait) {
        ConsulResponse r = query("/v1/health/state/any?filter=" + NOT_PASSING, index, wait);
        return new Reading<>(List.copyOf(ConsulAnswers.checks(r)), r.index());
    }

    /**
     * GET /v1/health/service/:name without blocking: every registration with its aggregated health. Consul looks names
     * up ignoring case, so "Web" also answers "web"'s instances: only those of exactly this name are kept.
     */
    @Override
    public ServiceInstances service(String name) {
        String path;
        try {
            path = "/v1/health/service/" + ConsulClient.segment(name);
        } catch (IllegalArgumentException e) {
            // "." or "..": no URL path can carry it, Consul could not answer it anyway (it redirects)
            throw new ServiceUnreadableException("a service name that cannot be part of a URL path", e);
        }
        ConsulResponse r = query(path, 0, null);
        return new ServiceInstances(name, r.index(), ConsulAnswers.healthService(r).stream().map(HealthEntry::instance)
                .filter(i -> name.equals(i.service())).toList());
    }

    /** GET /v1/internal/ui/nodes without blocking: which registrations exist, with their ModifyIndex. */
    @Override
    public ServiceListing listing() {
        return streamed("/v1/internal/ui/nodes", ConsulAnswers::listing);
    }

    /**
     * GET /v1/internal/ui/services without blocking: per service, its number of registrations and its tags. With named
     * services, Consul is asked for theirs alone ({@code ?filter=Service.Service == "a" or ...}): a watch of a few services
     * in a catalog of thousands reads a few hundred bytes, not megabytes. Names the filter language could misread (a
     * quote, a backslash, a control character), or so many that the URL grows long, get the whole list instead.
     */
    @Override
    public ServiceSummaries summaries(Set<String> only) {
        return streamed("/v1/internal/ui/services" + namesFilter(only), ConsulAnswers::summaries);
    }

    /** "?filter=..." selecting the instances of these services, or "" (no filter: every service). */
    static String namesFilter(Set<String> only) {
        if (only.isEmpty() || only.stream().anyMatch(name -> !FILTERABLE_NAME.matcher(name).matches())) {
            return "";
        }
        String expression = only.stream().sorted().map(name -> "Service.Service == \"" + name + "\"")
                .collect(Collectors.joining(" or "));
        return expression.length() > MAX_FILTER_LENGTH ? "" : "?filter=" + ConsulClient.segment(expression);
    }

    /** GET /v1/kv/&lt;prefix&gt;?recurse: the subtree, keys relative to the prefix, values decoded (UTF-8); 404 = empty. */
    public Reading<KvSnapshot> kv(String prefix, long index, Duration wait) {
        ConsulResponse r = query("/v1/kv/" + ConsulClient.keyPath(prefix) + "?recurse", index, wait);
        long at = r.index();
        return new Reading<>(KvSnapshot.of(at, prefix, ConsulAnswers.kv(r, prefix)), at);
    }

    private ConsulResponse query(String path, long index, Duration wait) {
        return fresh(path, stale -> okOr404(consul.blockingGet(stale, index, wait)), leader -> okOr404(consul.get(leader)), r -> r);
    }

    /** A large answer without blocking, parsed as it arrives ({@link ConsulClient#getStreamed}), read like {@link #query}. */
    private <T> T streamed(String path, ConsulClient.BodyParser<T> parser) {
        Function<String, ConsulClient.Streamed<T>> read = call -> {
            ConsulClient.Streamed<T> answer = consul.getStreamed(call, parser);
            answer.response().requireOk();
            return answer;
        };
        // a stale answer is parsed before its headers are judged: wasted work, but only when a server lags the leader
        return fresh(path, read, read, ConsulClient.Streamed::response).value();
    }

    /**
     * Reads {@code path} from any server ("stale"), again from the leader when the answering server lost contact with it
     * for longer than max-stale; refuses an answer without a leader or still too stale.
     *
     * @param response the status and headers of an answer
     */
    private <A> A fresh(String path, Function<String, A> fromAny, Function<String, A> fromLeader, Function<A, ConsulResponse> response) {
        String sep = path.contains("?") ? "&" : "?";
        A answer = fromAny.apply(path + sep + "stale" + dcParam);
        ConsulResponse r = response.apply(answer);
        long maxStale = settings.maxStale().toMillis();
        if (r.lastContactMillis() > maxStale) {
            // The answering server is behind: ask the leader instead, without blocking.
            LOG.debug("event=consul-stale-reread last_contact_ms={} max_stale_ms={}", r.lastContactMillis(), maxStale);
            answer = fromLeader.apply(dcParam.isEmpty() ? path : path + sep + dcParam.substring(1));
            r = response.apply(answer);
        }
        if (!r.knownLeader()) {
            throw new ConsulUnavailableException(ConsulErrorKind.NO_LEADER,
                    "Consul has no known leader (X-Consul-KnownLeader: false)");
        }
        if (r.lastContactMillis() > maxStale) {
            // Even the leader's answer says it is behind: whatever answered, its data may be old.
            throw new ConsulUnavailableException(ConsulErrorKind.STALE, "Consul's answer is " + r.lastContactMillis()
                    + " ms behind the leader (X-Consul-LastContact), more than lbsync.consul.max-stale (" + maxStale
                    + " ms), even read from the leader");
        }
        return answer;
    }

    /** Only a K/V prefix may answer 404 (nothing under it yet); on the other endpoints a 404 is an error too. */
    private static ConsulResponse okOr404(ConsulResponse r) {
        return r.status() == 404 && r.path().startsWith("/v1/kv/") ? r : r.requireOk();
    }
}
