package io.lbsync.config;

import java.util.Locale;

/**
 * lbsync.&lt;target&gt;.install-mode: how a validated config replaces the live file. Both keep the previous bytes in
 * {@code <output>.bak} and put them back when the reload fails; they differ in which file the proxy ends up reading.
 */
public enum InstallMode {
    /**
     * The staged file is renamed over the live path: atomic (a reader sees the old file or the new one, never a mix),
     * but the live path then names a new inode, which a single file bind-mounted into a container never sees.
     */
    RENAME("rename"),
    /**
     * The new bytes are written through the live file's own inode (write, truncate, fsync): a single-file bind mount
     * sees them, and the inode keeps its mode and owner; not atomic (a reader at that moment can see a mix).
     */
    IN_PLACE("in-place");

    private final String label;

    InstallMode(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The mode a property names; anything else is refused naming the property, the value and the choices. */
    public static InstallMode parse(String property, String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        for (InstallMode m : values()) {
            if (m.label.equals(v)) {
                return m;
            }
        }
        throw new IllegalArgumentException(property + ": '" + value + "' is not an install mode (rename or in-place)");
    }
}
