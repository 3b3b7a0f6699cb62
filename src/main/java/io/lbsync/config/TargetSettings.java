package io.lbsync.config;

import io.lbsync.model.WarningPolicy;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Set;

/**
 * One target (lbsync.targets): lbsync.&lt;name&gt;.* properties, with the defaults of its {@link TargetKind}.
 * A blank validate or reload command switches that step off. {@code pidFile} (nginx): the proxy's pid file,
 * used to confirm that a reload really started new workers. {@code fileMode}: permissions of the live and backup files
 * (in {@link InstallMode#IN_PLACE} mode an existing live file keeps its own). {@code installMode}: how the live file is
 * replaced. {@code warningPolicy}: lbsync.health.warning, the same for every target. {@code drainTimeout}: how long a
 * registration that stopped being served may keep its requests before it leaves the config (HAProxy with the runtime
 * API; 0 = off).
 */
public record TargetSettings(String name, TargetKind kind, boolean enabled, String template, Path output, String validateCommand,
                             String reloadCommand, Duration validateTimeout, Duration reloadTimeout,
                             String masterSocket, String pidFile, Set<PosixFilePermission> fileMode,
                             InstallMode installMode, WarningPolicy warningPolicy, Duration drainTimeout) {

    /** Target names: letters, digits, '-' and '_' (they name beans, routes, metrics labels and properties). */
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[a-z][a-z0-9_-]{0,39}");

    /** The targets of lbsync.targets (comma-separated names), each read with {@link #from}. */
    public static java.util.List<TargetSettings> all(Settings s) {
        java.util.List<TargetSettings> targets = new java.util.ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String name : s.string("lbsync.targets", "haproxy,nginx").split(",")) {
            String n = name.strip();
            if (n.isEmpty()) {
                continue;
            }
            if (!NAME.matcher(n).matches()) {
                throw new IllegalArgumentException("lbsync.targets: '" + n + "' is not a target name (lower-case letters, digits, "
                        + "'-' and '_', starting with a letter)");
            }
            if (!seen.add(n)) {
                throw new IllegalArgumentException("lbsync.targets: '" + n + "' is listed twice");
            }
            targets.add(from(s, n));
        }
        return targets;
    }

    /** lbsync.&lt;name&gt;.*; a listed target is enabled unless lbsync.&lt;name&gt;.enabled says otherwise. */
    public static TargetSettings from(Settings s, String name) {
        String p = "lbsync." + name + ".";
        TargetKind kind = TargetKind.of(name, s.optional(p + "kind"));
        String template = kind.configFile().map(f -> s.string(p + "template", "classpath:templates/" + f + ".ftl"))
                .orElseGet(() -> required(s, p + "template", kind));
        String output = kind.configFile().map(f -> s.string(p + "output", "out/" + f)).orElseGet(() -> required(s, p + "output", kind));
        return new TargetSettings(name, kind,
                s.bool(p + "enabled", true),
                template,
                Path.of(output).toAbsolutePath(),
                s.raw(p + "validate-command", kind.defaultValidateCommand()),
                s.raw(p + "reload-command", ""),
                s.duration(p + "validate-timeout", "30s"),
                s.duration(p + "reload-timeout", "30s"),
                s.raw(p + "master-socket", ""),
                s.raw(p + "pid-file", ""),
                FileMode.parse(p + "file-mode", s.string(p + "file-mode", "0644")),
                InstallMode.parse(p + "install-mode", s.string(p + "install-mode", InstallMode.RENAME.label())),
                WarningPolicy.parse(s.string(WarningPolicy.PROPERTY, "serve")),
                s.duration(p + "drain-timeout", "30s"));
    }

    private static String required(Settings s, String property, TargetKind kind) {
        return s.optional(property).filter(v -> !v.isBlank()).orElseThrow(() -> new IllegalArgumentException(
                property + ": required for a target of kind " + kind.label()));
    }

    /** The same target with validation switched off (demo mode without the proxy installed). */
    public TargetSettings withoutValidation() {
        return new TargetSettings(name, kind, enabled, template, output, "", reloadCommand, validateTimeout, reloadTimeout,
                masterSocket, pidFile, fileMode, installMode, warningPolicy, drainTimeout);
    }

    public boolean validates() {
        return !validateCommand.isEmpty();
    }

    public boolean reloads() {
        return !reloadCommand.isEmpty() || !masterSocket.isEmpty();
    }
}
