package io.lbsync.reload;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** HAProxy's master CLI (haproxy -W -S &lt;socket&gt;): one command per connection. */
public final class MasterCli {
    static final long ANSWER_TIMEOUT_MS = 5_000;
    private final Path socket;

    public MasterCli(Path socket) {
        this.socket = socket;
    }

    public Path socket() {
        return socket;
    }

    /**
     * Sends one command and returns the whole answer; closing our side tells the master to answer and hang up.
     * A master that never answers fails after {@link #ANSWER_TIMEOUT_MS} instead of blocking a target forever.
     */
    public String send(String command) throws IOException {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
             Selector selector = Selector.open()) {
            channel.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII)));
            channel.shutdownOutput();
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            long deadline = System.currentTimeMillis() + ANSWER_TIMEOUT_MS;
            while (true) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0 || selector.select(left) == 0 && System.currentTimeMillis() >= deadline) {
                    throw new IOException("no complete answer to '" + command + "' within " + ANSWER_TIMEOUT_MS + " ms");
                }
                selector.selectedKeys().clear();
                int n = channel.read(buffer);
                if (n < 0) {
                    return out.toString(StandardCharsets.UTF_8);
                }
                out.write(buffer.array(), 0, buffer.position());
                buffer.clear();
            }
        }
    }
}
