package io.lbsync.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * One load-balancer target (haproxy, later nginx): lbsync.&lt;name&gt;.* properties.
 * A blank validate or reload command switches that step off.
 */
public record TargetSettings(String name, boolean enabled, String template, Path output, String validateCommand,
                             String reloadCommand, Duration validateTimeout, Duration reloadTimeout,
                             String masterSocket) {

    public static TargetSettings from(Settings s, String name, String defaultValidateCommand) {
        String p = "lbsync." + name + ".";
        return new TargetSettings(name,
                s.bool(p + "enabled", true),
                s.string(p + "template", "classpath:templates/" + name + (name.equals("haproxy") ? ".cfg.ftl" : ".conf.ftl")),
                Path.of(s.string(p + "output", "out/" + (name.equals("haproxy") ? "haproxy.cfg" : "nginx.conf"))).toAbsolutePath(),
                s.raw(p + "validate-command", defaultValidateCommand),
                s.raw(p + "reload-command", ""),
                s.duration(p + "validate-timeout", "30s"),
                s.duration(p + "reload-timeout", "30s"),
                s.raw(p + "master-socket", ""));
    }

    public boolean validates() {
        return !validateCommand.isEmpty();
    }

    public boolean reloads() {
        return !reloadCommand.isEmpty() || !masterSocket.isEmpty();
    }
}
