package io.lbsync.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class InstallModeTest {
    private static TargetSettings haproxy(Map<String, String> properties) {
        return TargetSettings.from(new Settings(name -> Optional.ofNullable(properties.get(name))), "haproxy");
    }

    @Test
    void renameIsTheDefaultAndInPlaceIsChosenPerTarget() {
        assertThat(haproxy(Map.of()).installMode()).isEqualTo(InstallMode.RENAME);
        assertThat(haproxy(Map.of("lbsync.haproxy.install-mode", "in-place")).installMode()).isEqualTo(InstallMode.IN_PLACE);
        assertThat(haproxy(Map.of("lbsync.haproxy.install-mode", " Rename ")).installMode()).isEqualTo(InstallMode.RENAME);
        assertThat(haproxy(Map.of("lbsync.nginx.install-mode", "in-place")).installMode()).isEqualTo(InstallMode.RENAME);
    }

    @Test
    void anUnknownModeIsRefusedNamingThePropertyAndTheValue() {
        assertThatThrownBy(() -> haproxy(Map.of("lbsync.haproxy.install-mode", "inplace")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("lbsync.haproxy.install-mode: 'inplace' is not an install mode (rename or in-place)");
    }
}
