package io.lbsync.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.openqa.selenium.UnexpectedAlertBehaviour;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Chromium driven by the system's chromedriver (Debian: {@code apt-get install chromium chromium-driver};
 * .ci/run installs them), for browser tests. Missing binaries fail the test with that advice: never a silent skip.
 * Other paths: {@code -Dlbsync.test.chromium=...} and {@code -Dlbsync.test.chromedriver=...}. Closing it quits the
 * browser, stops chromedriver and kills whatever browser process is left (found by its own profile directory).
 */
public final class HeadlessChromium implements AutoCloseable {
    private final ChromeDriverService service;
    private final ChromeDriver driver;
    private final Path profile;

    private HeadlessChromium(ChromeDriverService service, ChromeDriver driver, Path profile) {
        this.service = service;
        this.driver = driver;
        this.profile = profile;
    }

    /** A browser window of that size (CSS pixels); alerts stay open, so a test can see that none opened. */
    public static HeadlessChromium start(int width, int height) {
        Path chromium = executable("lbsync.test.chromium", "/usr/bin/chromium");
        Path chromedriver = executable("lbsync.test.chromedriver", "/usr/bin/chromedriver");
        Path profile;
        try {
            profile = Files.createTempDirectory("lbsync-test-chromium");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--no-first-run", "--disable-extensions", "--user-data-dir=" + profile, "--window-size=" + width + "," + height);
        options.setUnhandledPromptBehaviour(UnexpectedAlertBehaviour.IGNORE);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile())
                .usingAnyFreePort().withTimeout(Duration.ofSeconds(30)).build();
        try {
            ChromeDriver driver = new ChromeDriver(service, options);
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20)).scriptTimeout(Duration.ofSeconds(10));
            return new HeadlessChromium(service, driver, profile);
        } catch (RuntimeException e) {
            service.stop();
            killLeftovers(profile);
            throw e;
        }
    }

    private static Path executable(String property, String fallback) {
        Path p = Path.of(System.getProperty(property, fallback));
        if (!Files.isExecutable(p)) {
            throw new IllegalStateException("browser test: " + p + " not found. Install Chromium and its driver "
                    + "(Debian: apt-get install -y chromium chromium-driver; .ci/run does) or set -D" + property + "=PATH");
        }
        return p;
    }

    public ChromeDriver driver() {
        return driver;
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
            killLeftovers(profile);
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            } catch (IOException e) {
                // a temp directory left behind is harmless
            }
        }
    }

    /** Browser processes of this profile still running (a crashed quit): killed. */
    private static void killLeftovers(Path profile) {
        String marker = "--user-data-dir=" + profile;
        ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
                .forEach(ProcessHandle::destroyForcibly);
    }
}
