package io.cargohold.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HashingCopyTest {
    @TempDir
    Path tmp;

    /** A stream that hands out its bytes in reads of random short lengths (as a network stream does). */
    private static InputStream trickle(byte[] data, long seed) {
        Random r = new Random(seed);
        return new ByteArrayInputStream(data) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1 + r.nextInt(300_000)));
            }
        };
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static MessageDigest sha256() throws Exception {
        return MessageDigest.getInstance("SHA-256");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 8191, HashingCopy.BUFFER - 1, HashingCopy.BUFFER, HashingCopy.BUFFER + 1, 2 * HashingCopy.BUFFER + 5,
            5 * HashingCopy.BUFFER + 12_345})
    void copiesAndHashesEveryByteInOrder(int size) throws Exception {
        byte[] data = random(size, size);
        for (long expected : new long[] {size, -1}) {
            Path f = tmp.resolve("out-" + size + "-" + expected);
            MessageDigest md = sha256();
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ch.position(0);
                assertEquals(size, HashingCopy.copy(trickle(data, 7), ch, md, size, expected));
            }
            assertArrayEquals(sha256().digest(data), md.digest(), "expected " + expected);
            assertArrayEquals(data, Files.readAllBytes(f));
        }
    }

    @Test
    void writesAtTheChannelsPositionAfterWhatTheDigestHasSeen() throws Exception {
        byte[] data = random(3 * HashingCopy.BUFFER, 1);
        Path f = tmp.resolve("continued");
        MessageDigest md = sha256();
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(data, 0, 1000));
            md.update(data, 0, 1000);
            InputStream rest = trickle(java.util.Arrays.copyOfRange(data, 1000, data.length), 3);
            assertEquals(data.length - 1000, HashingCopy.copy(rest, ch, md, data.length - 1000, data.length - 1000));
        }
        assertArrayEquals(sha256().digest(data), md.digest());
        assertArrayEquals(data, Files.readAllBytes(f));
    }

    @ParameterizedTest
    @ValueSource(ints = {10, 3 * HashingCopy.BUFFER})
    void aStreamLongerThanMaxIsReportedAndNotWrittenBeyondIt(int max) throws Exception {
        byte[] data = random(max + 100, 2);
        Path f = tmp.resolve("long");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            assertEquals(max + 1L, HashingCopy.copy(trickle(data, 5), ch, sha256(), max, max));
        }
        assertTrue(Files.size(f) <= max, Files.size(f) + " bytes written");
    }

    @Test
    void aFailingSourceFailsTheCopy() throws Exception {
        byte[] data = random(4 * HashingCopy.BUFFER, 3);
        InputStream broken = new InputStream() {
            final InputStream in = trickle(data, 9);
            long read;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (read > 2L * HashingCopy.BUFFER) {
                    throw new IOException("connection reset");
                }
                int n = in.read(b, off, len);
                read += Math.max(n, 0);
                return n;
            }
        };
        try (FileChannel ch = FileChannel.open(tmp.resolve("broken"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            var e = assertThrows(IOException.class, () -> HashingCopy.copy(broken, ch, sha256(), data.length, data.length));
            assertEquals("connection reset", e.getMessage());
        }
    }
}
