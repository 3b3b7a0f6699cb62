package io.lbsync.config;

import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/** An octal file mode from a property ("0644"), as POSIX permissions. World-writable configs are refused. */
public final class FileMode {
    private static final PosixFilePermission[] BITS = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};

    private FileMode() {
    }

    public static Set<PosixFilePermission> parse(String property, String value) {
        int mode;
        try {
            mode = Integer.parseInt(value.trim(), 8);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(property + ": '" + value + "' is not an octal file mode like 0644");
        }
        if (mode < 0 || mode > 0777) {
            throw new IllegalArgumentException(property + ": '" + value + "' is not a file mode between 0000 and 0777");
        }
        if ((mode & 02) != 0) {
            throw new IllegalArgumentException(property + ": '" + value + "' would make the config world-writable: anyone "
                    + "on the host could then change the load balancer");
        }
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        for (int bit = 0; bit < BITS.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                permissions.add(BITS[bit]);
            }
        }
        return permissions;
    }
}
