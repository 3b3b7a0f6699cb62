package io.lbsync.consulsim;

import static io.lbsync.testsupport.ConsulTestCluster.unique;
import static org.assertj.core.api.Assertions.assertThat;

import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.ConsulTestCluster;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Names Consul accepts at registration but cannot serve back by path: a control character in the path is 400 with
 * no body; "." and ".." segments (plain or %2E-encoded) and empty segments are redirected (301) to the cleaned path,
 * as Go's http.ServeMux does. Other odd characters ("/", "%", "?", "#", spaces, unicode) read back fine when
 * percent-encoded. Every name is still listed by /v1/catalog/services.
 */
class ConsulSimUnreadableNamesTest {
    private ConsulTestCluster cluster;
    private ConsulHttp http;
    private String node;
    private final String tag = unique("odd");

    @BeforeEach
    void start() {
        cluster = ConsulTestCluster.start("node-1");
        http = cluster.http();
        node = cluster.nodes().get(0);
    }

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private void register(String name) {
        http.registerService(node, "{\"ID\":" + ConsulHttp.quote(unique("id")) + ",\"Name\":" + ConsulHttp.quote(name)
                + ",\"Port\":80,\"Tags\":[\"" + tag + "\"]}").requireOk();
    }

    private ConsulHttp.Response health(String rawPathSegment) {
        return http.get("/v1/health/service/" + rawPathSegment);
    }

    private static String encoded(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Test
    void aControlCharacterInTheNameIsRegisteredButItsHealthReadIs400() {
        for (String name : new String[] {tag + "\nnewline", tag + "\ttab"}) {
            register(name);
            assertThat(http.get("/v1/catalog/services").requireOk().json().has(name)).as("listed: %s", name).isTrue();
            ConsulHttp.Response r = health(encoded(name));
            assertThat(r.status()).as("health of %s", name).isEqualTo(400);
            assertThat(r.body()).isEmpty();
        }
    }

    @Test
    void dotSegmentsAreRedirectedToTheCleanedPath() {
        register(".");
        register("..");
        ConsulHttp.Response dotDot = health("..");
        assertThat(dotDot.status()).isEqualTo(301);
        assertThat(dotDot.header("Location")).isEqualTo("/v1/health");
        assertThat(dotDot.body()).isEqualTo("<a href=\"/v1/health\">Moved Permanently</a>.\n\n");
        assertThat(health("%2E%2E").header("Location")).isEqualTo("/v1/health");
        ConsulHttp.Response dot = health("%2E?passing");
        assertThat(dot.status()).isEqualTo(301);
        assertThat(dot.header("Location")).isEqualTo("/v1/health/service/?passing");
        assertThat(http.get("/v1/kv/" + tag + "//key").status()).isEqualTo(301);
        // the Location is percent-encoded (never raw non-ASCII or spaces in a header)
        assertThat(http.get("/v1/kv/" + tag + "//%C3%A9%20x").header("Location")).isEqualTo("/v1/kv/" + tag + "/%C3%A9%20x");
    }

    @Test
    void otherOddCharactersReadBackWhenEncoded() {
        for (String suffix : new String[] {"a/b", "per%cent", "q?x", "h#x", "sp ace", "unié", "semi;colon"}) {
            String name = tag + suffix;
            register(name);
            ConsulHttp.Response r = health(encoded(name));
            assertThat(r.status()).as("health of %s", name).isEqualTo(200);
            assertThat(r.json().get(0).path("Service").path("Service").asText()).isEqualTo(name);
        }
    }
}
