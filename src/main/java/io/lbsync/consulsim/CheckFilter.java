package io.lbsync.consulsim;

import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Consul's {@code ?filter=} on health checks, for the one form lbsync and its tests use: {@code <Field> == "<value>"}
 * or {@code <Field> != "<value>"} on Node, CheckID, Name, Status, ServiceID or ServiceName. Anything else is refused as
 * Consul refuses an expression it cannot parse (500, "Failed to create boolean expression evaluator: ..."), so a test
 * that needs more of the filter language fails loudly instead of getting an unfiltered answer.
 */
final class CheckFilter {
    private static final Pattern FORM = Pattern.compile("\\s*([A-Za-z]+)\\s*(==|!=)\\s*\"([^\"]*)\"\\s*");
    private static final Map<String, Function<CatalogCheck, String>> FIELDS = Map.of("Node", CatalogCheck::node,
            "CheckID", CatalogCheck::checkId, "Name", CatalogCheck::name, "Status", CatalogCheck::status,
            "ServiceID", CatalogCheck::serviceId, "ServiceName", CatalogCheck::serviceName);

    private CheckFilter() {
    }

    /** The filter of {@code expression}; null or empty = every check. */
    static Predicate<CatalogCheck> parse(String expression) throws ApiException {
        if (expression == null || expression.isBlank()) {
            return c -> true;
        }
        Matcher m = FORM.matcher(expression);
        if (!m.matches()) {
            throw ApiException.rpc("Failed to create boolean expression evaluator: the simulator understands only "
                    + "<Field> == \"value\" and <Field> != \"value\"");
        }
        Function<CatalogCheck, String> field = FIELDS.get(m.group(1));
        if (field == null) {
            throw ApiException.rpc("Failed to create boolean expression evaluator: Selector \"" + m.group(1) + "\" is not valid");
        }
        String value = m.group(3);
        return m.group(2).equals("==") ? c -> value.equals(field.apply(c)) : c -> !value.equals(field.apply(c));
    }
}
