package io.lbsync.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BoundedOutputTest {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shortOutputIsKeptWhole() {
        BoundedOutput out = new BoundedOutput(4, 4);
        out.append(bytes("abc"), 3);
        assertThat(out.text()).isEqualTo("abc");
        out.append(bytes("defgh"), 5); // 8 bytes: exactly head + tail
        assertThat(out.text()).isEqualTo("abcdefgh");
        assertThat(out.total()).isEqualTo(8);
    }

    @Test
    void longOutputKeepsHeadAndTailAndCountsTheRest() {
        BoundedOutput out = new BoundedOutput(4, 4);
        byte[] all = bytes("0123456789abcdefghij");
        out.append(all, all.length);
        assertThat(out.text()).isEqualTo("0123\n[... 12 bytes omitted, 20 in all ...]\nghij");
        assertThat(out.total()).isEqualTo(20);
    }

    /** However the bytes arrive (one by one, in chunks larger than the ring, ...), the same head and tail come out. */
    @Test
    void anyChunkingGivesTheSameResult() {
        Random random = new Random(42);
        byte[] all = new byte[5000];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) ('a' + i % 26);
        }
        String expected = new String(all, 0, 7, StandardCharsets.US_ASCII) + "\n[... " + (5000 - 7 - 11)
                + " bytes omitted, 5000 in all ...]\n" + new String(all, 5000 - 11, 11, StandardCharsets.US_ASCII);
        for (int round = 0; round < 200; round++) {
            BoundedOutput out = new BoundedOutput(7, 11);
            int at = 0;
            while (at < all.length) {
                int n = Math.min(all.length - at, 1 + random.nextInt(round % 2 == 0 ? 5 : 40));
                byte[] chunk = new byte[n];
                System.arraycopy(all, at, chunk, 0, n);
                out.append(chunk, n);
                at += n;
            }
            assertThat(out.text()).isEqualTo(expected);
        }
    }

    @Test
    void drainReadsWhatIsAvailable() throws Exception {
        BoundedOutput out = new BoundedOutput(2, 2);
        assertThat(out.drainAvailable(new ByteArrayInputStream(bytes("hello world")))).isEqualTo(11);
        assertThat(out.text()).isEqualTo("he\n[... 7 bytes omitted, 11 in all ...]\nld");
    }

    @Test
    void aReadErrorEndsTheReadingAndIsNoted() {
        BoundedOutput out = new BoundedOutput(16, 16);
        java.io.InputStream broken = new java.io.InputStream() {
            @Override
            public int available() {
                return 3;
            }

            @Override
            public int read() throws java.io.IOException {
                throw new java.io.IOException("Stream closed");
            }

            @Override
            public int read(byte[] b, int off, int len) throws java.io.IOException {
                throw new java.io.IOException("Stream closed");
            }
        };
        out.append(bytes("ok"), 2);
        assertThat(out.drainAvailable(broken)).isZero();
        assertThat(out.drainAvailable(broken)).isZero();
        assertThat(out.text()).isEqualTo("ok\n[output not read further: Stream closed]");
    }
}
