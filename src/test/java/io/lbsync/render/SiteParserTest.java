package io.lbsync.render;

import static org.assertj.core.api.Assertions.assertThat;

import io.lbsync.model.KvSnapshot;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SiteParserTest {
    private static KvSnapshot kv(Map<String, String> entries) {
        return KvSnapshot.of(1, "lbsync/", entries);
    }

    @Test
    void parsesTheDocumentedLayout() {
        var sites = new SiteParser().parse(kv(Map.of("sites/shop",
                "{\"server_names\": [\"Shop.example.com\"], \"listen\": 8080, \"routes\": {\"/\": \"web\", \"/api/\": \"api\"}}",
                "other/key", "ignored")));
        assertThat(sites).hasSize(1);
        var shop = sites.get(0);
        assertThat(shop.name()).isEqualTo("shop");
        assertThat(shop.serverNames()).containsExactly("shop.example.com");
        assertThat(shop.listen()).isEqualTo(8080);
        assertThat(shop.routes()).containsExactly(Map.entry("/", "web"), Map.entry("/api/", "api"));
    }

    @Test
    void aBadValueIsSkippedAndTheOthersStay() {
        var sites = new SiteParser().parse(kv(Map.of(
                "sites/good", "{\"listen\": 8081, \"routes\": {\"/\": \"web\"}}",
                "sites/not-json", "{not json",
                "sites/bad-port", "{\"listen\": 70000, \"routes\": {\"/\": \"web\"}}",
                "sites/port-as-text", "{\"listen\": \"80; include /etc/passwd\", \"routes\": {\"/\": \"web\"}}",
                "sites/injected-path", "{\"listen\": 8082, \"routes\": {\"/ { return 200; } location /x\": \"web\"}}",
                "sites/injected-name", "{\"server_names\": [\"a.com; listen 1\"], \"listen\": 8083, \"routes\": {\"/\": \"w\"}}",
                "sites/no-routes", "{\"listen\": 8084, \"routes\": {}}")));
        assertThat(sites).extracting(SiteParser.Site::name).containsExactly("good");
    }

    /** Values whose shape is wrong, even where the text would pass: rejected, with the field at fault. */
    @Test
    void wrongTypesTrailingTextAndRepeatedFieldsAreRejected() {
        var rejections = new RejectedValues.Collector();
        var sites = new SiteParser().parse(kv(Map.of(
                "sites/name-is-true", "{\"server_names\": [true], \"listen\": 8081, \"routes\": {\"/\": \"web\"}}",
                "sites/name-is-number", "{\"server_names\": [1e3], \"listen\": 8081, \"routes\": {\"/\": \"web\"}}",
                "sites/trailing", "{\"listen\": 8081, \"routes\": {\"/\": \"web\"}} ; include /etc/passwd;",
                "sites/listen-twice", "{\"listen\": 8081, \"listen\": \"x\", \"routes\": {\"/\": \"web\"}}",
                "sites/path-twice", "{\"listen\": 8081, \"routes\": {\"/\": \"web\", \"/\": \"api\"}}",
                "sites/listen-float", "{\"listen\": 8081.0, \"routes\": {\"/\": \"web\"}}",
                "sites/route-to-number", "{\"listen\": 8081, \"routes\": {\"/\": 7}}",
                "sites/array", "[{\"listen\": 8081, \"routes\": {\"/\": \"web\"}}]")), rejections);
        assertThat(sites).isEmpty();
        assertThat(rejections.rejections()).extracting(r -> r.field().label()).containsExactlyInAnyOrder("site_server_names",
                "site_server_names", "site_json", "site_json", "site_json", "site_listen", "site_routes", "site_json");
        assertThat(rejections.rejections()).extracting(RejectedValues.Rejection::message)
                .contains("event=kv-rejected key=lbsync/sites/name-is-true field=site_server_names reason=\"server_names: each must be a string\"");
    }

    @Test
    void siteNamesAreSanitisedAndUnique() {
        var sites = new SiteParser().parse(kv(Map.of(
                "sites/a b", "{\"listen\": 8081, \"routes\": {\"/\": \"web\"}}",
                "sites/a_b", "{\"listen\": 8082, \"routes\": {\"/\": \"web\"}}")));
        assertThat(sites).extracting(SiteParser.Site::name).containsExactly("a_b", "a_b_2");
    }
}
