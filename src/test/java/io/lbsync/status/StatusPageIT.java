package io.lbsync.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lbsync.testsupport.Closer;
import io.lbsync.testsupport.ConsulHttp;
import io.lbsync.testsupport.ConsulTestCluster;
import io.lbsync.testsupport.HeadlessChromium;
import io.lbsync.testsupport.LbsyncApp;
import io.lbsync.testsupport.LbsyncTestProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The status page at / in headless Chromium, against Consul (real when a consul binary is found) and the real lbsync with
 * its HAProxy target: it follows Consul without a reload, and a service whose name, tag and meta are HTML and script
 * is shown as text with no script run. Leaves a screenshot in target/status-page.png
 * ({@code -Dlbsync.test.update-screenshot=true}: also docs/status-page.png, the README's picture).
 */
class StatusPageIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String IMG = "<img src=x onerror=\"window.lbsyncPwned=1;alert(1)\">";
    private static final String SCRIPT = "<script>window.lbsyncPwned=2;alert(2)</script>";

    @TempDir
    Path dir;
    private ConsulTestCluster cluster;
    private LbsyncApp app;
    private HeadlessChromium browser;

    @AfterEach
    void tearDown() throws Exception {
        Closer.closeAll(browser, app, cluster);
    }

    @Test
    void showsConsulLiveAndHostileValuesAsText() throws Exception {
        cluster = ConsulTestCluster.start("node-1");
        String web = ConsulTestCluster.unique("web");
        String api = ConsulTestCluster.unique("api");
        register(web, web + "-1", "127.0.0.1", 19301, "passing", "lbsync.host=shop.example.com");
        register(web, web + "-2", "127.0.0.1", 19302, "passing", "lbsync.host=shop.example.com");
        register(api, api + "-1", "127.0.0.1", 19303, "passing", "lbsync.host=api.example.com");
        register(api, api + "-2", "127.0.0.1", 19304, "critical", "lbsync.host=api.example.com");
        Map<String, String> p = LbsyncTestProperties.forCleanup(cluster, true);
        p.put("lbsync.haproxy.output", dir.resolve("haproxy.cfg").toString());
        p.put("lbsync.guard.confirm-after", "10m"); // a backend emptied at once is held: the page counts down
        app = LbsyncApp.start(p);

        // the page and its assets: content types, and a policy that allows no inline script
        ConsulHttp.Response page = app.httpGet("/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertThat(page.header("Content-Security-Policy")).startsWith("default-src 'self'");
        assertThat(page.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(app.httpGet("/status-page/app.js").header("Content-Type")).startsWith("text/javascript");
        assertThat(app.httpGet("/status-page/style.css").header("Content-Type")).startsWith("text/css");

        browser = HeadlessChromium.start(1280, 2200);
        ChromeDriver driver = browser.driver();
        driver.get("http://127.0.0.1:" + p.get("lbsync.http.port") + "/");
        awaitText(driver, web + "-2");
        awaitText(driver, "INSTALLED");
        driver.executeScript("window.lbsyncSamePage = true;"); // gone if the page reloads
        long images = (Long) driver.executeScript("return document.querySelectorAll('img').length;");

        // a new service appears without a reload
        String shop = ConsulTestCluster.unique("shop");
        register(shop, shop + "-1", "127.0.0.1", 19305, "passing", "lbsync.host=www.example.com");
        awaitText(driver, shop + "-1");
        assertThat(driver.executeScript("return window.lbsyncSamePage === true;")).as("no page reload").isEqualTo(true);

        // hostile values: in the service name, a tag, the meta and the address (so the instance is left out, and why)
        String hostile = "hostile " + IMG + SCRIPT;
        ConsulHttp.Response r = cluster.http().registerService(cluster.nodes().get(0), "{\"ID\":\"hostile-1\",\"Name\":"
                + ConsulHttp.quote(hostile) + ",\"Address\":" + ConsulHttp.quote(IMG) + ",\"Port\":19306,\"Tags\":["
                + ConsulHttp.quote(SCRIPT) + "],\"Meta\":{\"note\":" + ConsulHttp.quote(IMG) + "},"
                + "\"Check\":{\"CheckID\":\"check-hostile-1\",\"TTL\":\"10m\",\"Status\":\"passing\"}}");
        r.requireOk();
        awaitText(driver, hostile);
        String text = driver.findElement(By.tagName("body")).getText();
        assertThat(text).contains(SCRIPT, "note=" + IMG, "rejected value: address");
        assertThatThrownBy(() -> driver.switchTo().alert()).as("no alert").isInstanceOf(NoAlertPresentException.class);
        assertThat(driver.executeScript("return window.lbsyncPwned === undefined;")).as("no script ran").isEqualTo(true);
        assertThat(driver.executeScript("return document.querySelectorAll('img').length;")).as("no <img> element").isEqualTo(images);
        assertThat(driver.executeScript("return document.querySelectorAll('script').length;")).as("only app.js").isEqualTo(1L);
        assertThat(driver.executeScript("return window.lbsyncSamePage === true;")).as("no page reload").isEqualTo(true);

        // the cleanup's report and the diff of the last install are there too
        awaitText(driver, "dry run");
        driver.findElement(By.cssSelector("details[data-key='diffs:haproxy'] summary")).click();
        awaitText(driver, ":19305");

        // a service losing all its instances at once: held by the guard, with what it would change and a countdown
        cluster.http().deregisterService(cluster.nodes().get(0), web + "-1").requireOk();
        cluster.http().deregisterService(cluster.nodes().get(0), web + "-2").requireOk();
        awaitText(driver, "Held by the guard");
        assertThat(driver.findElement(By.tagName("body")).getText()).contains(web + " would lose all 2 servers")
                .containsPattern("applied in 5[0-9][0-9] s"); // a countdown from 600 s (the page polls every 2 s)
        assertThat(Files.readString(dir.resolve("haproxy.cfg"))).as("the live config is kept").contains(":19301");
        assertThat(driver.findElement(By.tagName("body")).getText()).doesNotContain("running", "null", "undefined");
        screenshot(driver);
    }

    private void register(String service, String id, String address, int port, String health, String tag) {
        cluster.http().registerService(cluster.nodes().get(0), "{\"ID\":\"" + id + "\",\"Name\":\"" + service
                + "\",\"Address\":\"" + address + "\",\"Port\":" + port + ",\"Tags\":[\"" + tag + "\"],"
                + "\"Check\":{\"CheckID\":\"check-" + id + "\",\"TTL\":\"10m\",\"Status\":\"" + health + "\"}}").requireOk();
    }

    /** Waits for the text to show on the page (rendered text: what a reader sees). */
    private static void awaitText(ChromeDriver driver, String text) {
        new WebDriverWait(driver, TIMEOUT).withMessage(() -> "'" + text + "' on the status page, which shows: "
                        + driver.findElement(By.tagName("body")).getText())
                .until(d -> d.findElement(By.tagName("body")).getText().contains(text));
    }

    private static void screenshot(ChromeDriver driver) throws Exception {
        Path shot = driver.getScreenshotAs(OutputType.FILE).toPath();
        Path target = Path.of("target", "status-page.png");
        Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
        if (Boolean.getBoolean("lbsync.test.update-screenshot")) {
            Files.copy(shot, Path.of("docs", "status-page.png"), StandardCopyOption.REPLACE_EXISTING);
        }
        assertThat(Files.size(target)).isPositive();
        Files.deleteIfExists(shot);
    }
}
