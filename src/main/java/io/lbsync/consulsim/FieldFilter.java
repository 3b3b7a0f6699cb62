package io.lbsync.consulsim;

import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Consul's {@code ?filter=} (go-bexpr), for the forms lbsync and its tests use: {@code <Selector> == "<value>"} or
 * {@code <Selector> != "<value>"} on the string fields listed per kind of element ({@link #CHECKS},
 * {@link #SERVICE_INSTANCES}), or several of these joined by {@code or}. Anything else is refused as Consul refuses an expression it cannot parse (500,
 * "Failed to create boolean expression evaluator: ..."), so a test that needs more of the filter language fails loudly
 * instead of getting an unfiltered answer.
 */
final class FieldFilter {
    /** One comparison, then "or" and the next one, or the end. */
    private static final Pattern TERM = Pattern.compile("\\G\\s*([A-Za-z]+(?:\\.[A-Za-z]+)?)\\s*(==|!=)\\s*\"([^\"]*)\"\\s*(or\\s|$)");

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
        Matcher m = TERM.matcher(expression);
        Predicate<T> any = e -> false;
        boolean more = true;
        while (more) {
            if (!m.find()) {
                throw ApiException.rpc("Failed to create boolean expression evaluator: the simulator understands only "
                        + "<Selector> == \"value\" and <Selector> != \"value\", joined by or");
            }
            any = any.or(term(m.group(1), m.group(2), m.group(3), selectors));
            more = !m.group(4).isEmpty();
        }
        return any;
    }

    private static <T> Predicate<T> term(String selector, String operator, String value,
                                         Map<String, Function<T, String>> selectors) throws ApiException {
        Function<T, String> field = selectors.get(selector);
        if (field == null) {
            throw ApiException.rpc("Failed to create boolean expression evaluator: Selector \"" + selector + "\" is not valid");
        }
        return operator.equals("==") ? e -> value.equals(field.apply(e)) : e -> !value.equals(field.apply(e));
    }
}
