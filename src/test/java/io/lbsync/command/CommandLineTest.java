package io.lbsync.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CommandLineTest {
    @Test
    void splitsOnWhitespaceAndFillsInTheFile() {
        var args = CommandLine.split("p", "haproxy  -c -q -f {file}");
        assertThat(CommandLine.withFile(args, "/tmp/a b;rm -rf x")).containsExactly("haproxy", "-c", "-q", "-f", "/tmp/a b;rm -rf x");
    }

    @Test
    void honoursQuotes() {
        assertThat(CommandLine.split("p", "systemctl 'reload' \"haproxy service\" x''"))
                .containsExactly("systemctl", "reload", "haproxy service", "x");
    }

    @Test
    void badCommandsNameTheProperty() {
        assertThatThrownBy(() -> CommandLine.split("lbsync.haproxy.reload-command", "kill 'oops"))
                .hasMessageContaining("lbsync.haproxy.reload-command");
        assertThatThrownBy(() -> CommandLine.split("lbsync.haproxy.reload-command", "   "))
                .hasMessageContaining("lbsync.haproxy.reload-command");
    }
}
