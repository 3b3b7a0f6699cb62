package io.lbsync.config;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Set;

/**
 * One load-balancer target (haproxy, nginx): lbsync.&lt;name&gt;.* properties.
 * A blank validate or reload command switches that step off. {@code pidFile} (nginx): the proxy's pid file,
 * used to confirm that a reload really started new workers. {@code fileMode}: permissions of the live and backup files.
 */
public record TargetSettings(String name, boolean enabled, String template, Path output, String validateCommand,
                             String reloadCommand, Duration validateTimeout, Duration reloadTimeout,
                             String masterSocket, String pidFile, Set<PosixFilePermission> fileMode) {

    /** @param configFile the file name of the proxy's config ("haproxy.cfg"): default output and bundled template */
    public static TargetSettings from(Settings s, String name, String configFile, String defaultValidateCommand) {
        String p = "lbsync." + name + ".";
        return new TargetSettings(name,
                s.bool(p + "enabled", false),
                s.string(p + "template", "classpath:templates/" + configFile + ".ftl"),
                Path.of(s.string(p + "output", "out/" + configFile)).toAbsolutePath(),
                s.raw(p + "validate-command", defaultValidateCommand),
                s.raw(p + "reload-command", ""),
                s.duration(p + "validate-timeout", "30s"),
                s.duration(p + "reload-timeout", "30s"),
                s.raw(p + "master-socket", ""),
                s.raw(p + "pid-file", ""),
                FileMode.parse(p + "file-mode", s.string(p + "file-mode", "0644")));
    }

    /** The same target with validation switched off (demo mode without the proxy installed). */
    public TargetSettings withoutValidation() {
        return new TargetSettings(name, enabled, template, output, "", reloadCommand, validateTimeout, reloadTimeout,
                masterSocket, pidFile, fileMode);
    }

    public boolean validates() {
        return !validateCommand.isEmpty();
    }

    public boolean reloads() {
        return !reloadCommand.isEmpty() || !masterSocket.isEmpty();
    }
}
