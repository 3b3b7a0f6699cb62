package io.lbsync.consulsim;

import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Consul's {@code ?filter=} (go-bexpr), for the one form lbsync and its tests use: {@code <Selector> == "<value>"} or
 * {@code <Selector> != "<value>"} on the string fields listed per kind of element ({@link #CHECKS},
 * {@link #SERVICE_INSTANCES}). Anything else is refused as Consul refuses an expression it cannot parse (500,
 * "Failed to create boolean expression evaluator: ..."), so a test that needs more of the filter language fails loudly
 * instead of getting an unfiltered answer.
 */
final class FieldFilter {
    private static final Pattern FORM = Pattern.compile("\\s*([A-Za-z]+(?:\\.[A-Za-z]+)?)\\s*(==|!=)\\s*\"([^\"]*)\"\\s*");

    /** structs.HealthCheck, as /v1/health/state filters it. */
    static final Map<String, Function<CatalogCheck, String>> CHECKS = Map.of("Node", CatalogCheck::node,
            "CheckID", CatalogCheck::checkId, "Name", CatalogCheck::name, "Status", CatalogCheck::status,
            "ServiceID", CatalogCheck::serviceId, "ServiceName", CatalogCheck::serviceName);

    /** structs.CheckServiceNode (a service instance with its node), as /v1/internal/ui/services filters it. */
    static final Map<String, Function<CatalogService, String>> SERVICE_INSTANCES = Map.of("Node.Node", CatalogService::node,
            "Service.ID", CatalogService::id, "Service.Service", CatalogService::name, "Service.Address", CatalogService::address);

    private FieldFilter() {
    }

    /** The filter of {@code expression} over elements with the given selectors; null or empty = every element. */
    static <T> Predicate<T> parse(String expression, Map<String, Function<T, String>> selectors) throws ApiException {
        if (expression == null || expression.isBlank()) {
            return e -> true;
        }
        Matcher m = FORM.matcher(expression);
        if (!m.matches()) {
            throw ApiException.rpc("Failed to create boolean expression evaluator: the simulator understands only "
                    + "<Selector> == \"value\" and <Selector> != \"value\"");
        }
        Function<T, String> field = selectors.get(m.group(1));
        if (field == null) {
            throw ApiException.rpc("Failed to create boolean expression evaluator: Selector \"" + m.group(1) + "\" is not valid");
        }
        String value = m.group(3);
        return m.group(2).equals("==") ? e -> value.equals(field.apply(e)) : e -> !value.equals(field.apply(e));
    }
}
