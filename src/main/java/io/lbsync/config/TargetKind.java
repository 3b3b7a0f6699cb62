package io.lbsync.config;

import java.util.Locale;
import java.util.Optional;

/**
 * What a target is, which picks its defaults: HAProxy and nginx (bundled template, default file name, their own
 * checker; HAProxy's runtime API), or any other file a template renders (a plain file for an app, a Prometheus
 * file_sd list, another proxy): template and output must be given, validate and reload commands are optional.
 */
public enum TargetKind {
    HAPROXY("haproxy.cfg", "haproxy -c -q -f {file}"),
    NGINX("nginx.conf", "nginx -t -q -c {file}"),
    FILE(null, "");

    private final String configFile;
    private final String validateCommand;

    TargetKind(String configFile, String validateCommand) {
        this.configFile = configFile;
        this.validateCommand = validateCommand;
    }

    /** The bundled template and default output's file name ("haproxy.cfg"); none for {@link #FILE}. */
    public Optional<String> configFile() {
        return Optional.ofNullable(configFile);
    }

    public String defaultValidateCommand() {
        return validateCommand;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** lbsync.&lt;target&gt;.kind; a target named haproxy or nginx is of that kind unless it says otherwise. */
    public static TargetKind of(String target, Optional<String> configured) {
        String value = configured.map(String::strip).filter(v -> !v.isEmpty())
                .orElse(target.equals("haproxy") || target.equals("nginx") ? target : "");
        for (TargetKind k : values()) {
            if (k.label().equals(value)) {
                return k;
            }
        }
        throw new IllegalArgumentException("lbsync." + target + ".kind: " + (value.isEmpty() ? "required" : "'" + value + "' is not one")
                + " (haproxy, nginx or file)");
    }
}
