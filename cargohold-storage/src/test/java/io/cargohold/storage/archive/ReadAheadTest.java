package io.cargohold.storage.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@link ReadAheadInputStream}: the same bytes in the same order, the source's exception after the bytes before it, and no reads after close. */
class ReadAheadTest {
    @Test
    void sameBytesForEverySizeAndReadPattern() throws IOException {
        Random rnd = new Random(3);
        for (int size : new int[] {0, 1, 1023, 1024, 1025, 8 * 1024, 100_000}) {
            byte[] data = new byte[size];
            rnd.nextBytes(data);
            for (int readSize : new int[] {1, 7, 1024, 65536}) {
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                try (ReadAheadInputStream in = new ReadAheadInputStream(new ByteArrayInputStream(data), 1024, 3)) {
                    byte[] b = new byte[readSize];
                    int n;
                    while ((n = readSize == 1 ? single(in, b) : in.read(b, 0, b.length)) >= 0) {
                        got.write(b, 0, n);
                    }
                    assertEquals(-1, in.read());
                }
                assertArrayEquals(data, got.toByteArray(), size + "/" + readSize);
            }
        }
    }

    private static int single(InputStream in, byte[] b) throws IOException {
        int c = in.read();
        if (c < 0) {
            return -1;
        }
        b[0] = (byte) c;
        return 1;
    }

    @Test
    void theSourcesExceptionComesAfterItsBytes() throws IOException {
        byte[] data = new byte[5000];
        new Random(1).nextBytes(data);
        InputStream failing = new SequenceInputStream(new ByteArrayInputStream(data), new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("broken blob");
            }
        });
        try (ReadAheadInputStream in = new ReadAheadInputStream(failing, 1024, 2)) {
            assertArrayEquals(java.util.Arrays.copyOf(data, 5000 / 1024 * 1024), in.readNBytes(5000 / 1024 * 1024));
            IOException e = assertThrows(IOException.class, () -> in.readAllBytes());
            assertEquals("broken blob", e.getMessage());
        }
    }

    @Test
    void closeStopsReadingTheSource() throws Exception {
        AtomicLong reads = new AtomicLong();
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                reads.incrementAndGet();
                return 0;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                reads.incrementAndGet();
                return len;
            }
        };
        ReadAheadInputStream in = new ReadAheadInputStream(endless, 1024, 2);
        in.readNBytes(10_000);
        in.close();
        long after = reads.get();
        Thread.sleep(200);
        assertEquals(after, reads.get(), "no read after close returned");
        assertThrows(IOException.class, in::read);
    }
}
