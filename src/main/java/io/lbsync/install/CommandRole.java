package io.lbsync.install;

import java.util.Arrays;

/**
 * The commands of a target the install route runs through camel-exec: the exec: endpoint's name says which
 * ({@code exec:validate-command}, {@code exec:reload-command}); the command line itself comes from the target's
 * properties (lbsync.&lt;target&gt;.validate-command, .reload-command), never from the route or the message.
 */
public enum CommandRole {
    VALIDATE("validate-command"),
    RELOAD("reload-command");

    private final String endpointName;

    CommandRole(String endpointName) {
        this.endpointName = endpointName;
    }

    /** The exec: endpoint name, also the property suffix. */
    public String endpointName() {
        return endpointName;
    }

    static CommandRole ofEndpoint(String name) {
        return Arrays.stream(values()).filter(r -> r.endpointName.equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("exec:" + name + " is not a command of a target (use exec:validate-command or "
                        + "exec:reload-command)"));
    }
}
