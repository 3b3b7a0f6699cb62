package io.lbsync.reload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The master CLI client against a fake master on a Unix socket. */
class MasterCliTest {
    @TempDir
    Path dir;

    private Thread fakeMaster(ServerSocketChannel server, boolean answer) {
        Thread t = new Thread(() -> {
            try (SocketChannel client = server.accept()) {
                ByteBuffer in = ByteBuffer.allocate(256);
                while (client.read(in) >= 0) {
                    in.clear(); // read the command up to the client's shutdown
                }
                if (answer) {
                    client.write(ByteBuffer.wrap("#<PID> <type>\\n1 master 0 [failed: 0]\\n".getBytes(StandardCharsets.US_ASCII)));
                } else {
                    Thread.sleep(8_000); // a master that never answers
                }
            } catch (IOException | InterruptedException ignored) {
                // test ends
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void readsTheWholeAnswer() throws Exception {
        Path socket = dir.resolve("m.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            fakeMaster(server, true);
            assertThat(new MasterCli(socket).send("show proc")).contains("master 0 [failed: 0]");
        }
    }

    @Test
    void aMasterThatNeverAnswersTimesOut() throws Exception {
        Path socket = dir.resolve("m.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            fakeMaster(server, false);
            long start = System.nanoTime();
            assertThatThrownBy(() -> new MasterCli(socket).send("show proc")).hasMessageContaining("no complete answer");
            assertThat((System.nanoTime() - start) / 1_000_000).isBetween(4_000L, 7_500L);
        }
    }
}
