package io.lbsync.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

class FileModeTest {
    @Test
    void octalModesBecomePermissions() {
        assertThat(PosixFilePermissions.toString(FileMode.parse("p", "0644"))).isEqualTo("rw-r--r--");
        assertThat(PosixFilePermissions.toString(FileMode.parse("p", "640"))).isEqualTo("rw-r-----");
        assertThat(PosixFilePermissions.toString(FileMode.parse("p", "0600"))).isEqualTo("rw-------");
    }

    @Test
    void worldWritableOrMalformedModesAreRefusedNamingTheProperty() {
        assertThatThrownBy(() -> FileMode.parse("lbsync.haproxy.file-mode", "0666"))
                .hasMessageContaining("lbsync.haproxy.file-mode").hasMessageContaining("world-writable");
        assertThatThrownBy(() -> FileMode.parse("lbsync.haproxy.file-mode", "rw-r--r--")).hasMessageContaining("octal");
        assertThatThrownBy(() -> FileMode.parse("lbsync.haproxy.file-mode", "1644")).hasMessageContaining("between");
    }
}
