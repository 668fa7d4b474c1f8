package io.cargohold.storage.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * The tar-split writer hands full batches of lines to a thread of its own: whatever the number of entries, the
 * stream holds every line once, in order, positions counting up, as the synchronous writer wrote them.
 */
class TarSplitWriterTest {
    private static List<TarSplitLine> lines(byte[] gz) throws IOException {
        List<TarSplitLine> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(new ByteArrayInputStream(gz)), StandardCharsets.UTF_8))) {
            String l;
            while ((l = r.readLine()) != null) {
                out.add(TarSplitLine.parse(l));
            }
        }
        return out;
    }

    @Test
    void everyLineOnceInOrderAcrossBatches() throws IOException {
        for (int n : new int[] {0, 1, 511, 512, 513, 1024, 3001}) {
            Random rnd = new Random(n);
            ByteArrayOutputStream target = new ByteArrayOutputStream();
            List<Object[]> want = new ArrayList<>();
            try (TarSplitWriter w = new TarSplitWriter(target)) {
                for (int i = 0; i < n; i++) {
                    byte[] seg = new byte[rnd.nextInt(1100)];
                    rnd.nextBytes(seg);
                    w.segment(seg);
                    want.add(new Object[] {seg});
                    byte[] name = i % 7 == 3 ? new byte[] {'b', 'a', 'd', (byte) 0xff, (byte) ('0' + i % 10), '-', (byte) i, (byte) (i >> 8)}
                            : ("dir/file-" + i + (i % 5 == 0 ? "/" : "")).getBytes(StandardCharsets.UTF_8);
                    byte[] crc = i % 3 == 0 ? null : new byte[] {1, 2, 3, 4, 5, 6, 7, (byte) i};
                    long size = crc == null ? 0 : 1 + i;
                    w.file(name, size, crc);
                    want.add(new Object[] {name, size, crc});
                }
            }
            List<TarSplitLine> got = lines(target.toByteArray());
            assertEquals(want.size(), got.size(), n + " entries");
            for (int i = 0; i < got.size(); i++) {
                TarSplitLine l = got.get(i);
                Object[] w = want.get(i);
                if (w.length == 1) {
                    assertEquals(TarSplitWriter.SEGMENT, l.type());
                    assertArrayEquals((byte[]) w[0], Base64.getDecoder().decode(l.payload()), "segment " + i);
                } else {
                    assertEquals(TarSplitWriter.FILE, l.type());
                    byte[] name = (byte[]) w[0];
                    String utf8 = TarSplitWriter.utf8OrNull(name);
                    if (utf8 != null) {
                        assertEquals(utf8, l.name(), "file " + i);
                    } else {
                        assertArrayEquals(name, Base64.getDecoder().decode(l.nameRaw()), "file " + i);
                    }
                    assertEquals((long) w[1], l.size());
                    if (w[2] == null) {
                        assertNull(l.payload());
                    } else {
                        assertArrayEquals((byte[]) w[2], Base64.getDecoder().decode(l.payload()));
                    }
                }
            }
        }
    }

    @Test
    void positionsCountUpAcrossBatches() throws IOException {
        ByteArrayOutputStream target = new ByteArrayOutputStream();
        try (TarSplitWriter w = new TarSplitWriter(target)) {
            for (int i = 0; i < 1500; i++) {
                w.file(("f" + i).getBytes(StandardCharsets.US_ASCII), 0, null);
            }
        }
        byte[] plain = new GZIPInputStream(new ByteArrayInputStream(target.toByteArray())).readAllBytes();
        String[] text = new String(plain, StandardCharsets.UTF_8).split("\n");
        assertEquals(1500, text.length);
        for (int i = 0; i < text.length; i++) {
            assertTrue(text[i].endsWith(",\"position\":" + i + "}"), text[i]);
        }
    }

    @Test
    void aDuplicateNameFailsAtOnceEvenAfterManyBatches() throws IOException {
        try (TarSplitWriter w = new TarSplitWriter(new ByteArrayOutputStream())) {
            for (int i = 0; i < 2000; i++) {
                w.file(("f" + i).getBytes(StandardCharsets.US_ASCII), 0, null);
            }
            assertThrows(TarFormatException.class, () -> w.file("./f3".getBytes(StandardCharsets.US_ASCII), 0, null));
        }
    }

    /**
     * A target that takes 4 KiB and then fails a write with {@code failure}: at every write after that, or (once) at
     * the first one only, the later ones taking their bytes again.
     */
    private static OutputStream failingAfter4KiB(java.util.function.Supplier<Exception> failure, boolean once) {
        return new OutputStream() {
            private long n;
            private boolean failed;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                n += len;
                if (n > 4096 && !(once && failed)) {
                    failed = true;
                    Exception e = failure.get();
                    if (e instanceof IOException io) {
                        throw io;
                    }
                    throw (RuntimeException) e;
                }
            }
        };
    }

    /** Writes 10 MiB of incompressible segments (the gzip stream passes 4 KiB within a few batches); then the IOException naming {@code message} that must end it. */
    private static void failureWriting(OutputStream target, String message) {
        IOException e = assertThrows(IOException.class, () -> {
            try (TarSplitWriter w = new TarSplitWriter(target)) {
                Random rnd = new Random(1);
                for (int i = 0; i < 20_000; i++) {
                    byte[] seg = new byte[512];
                    rnd.nextBytes(seg);
                    w.segment(seg);
                }
            }
        });
        assertTrue(String.valueOf(e).contains(message) || e.getCause() != null && String.valueOf(e.getCause()).contains(message),
                String.valueOf(e));
    }

    @Test
    void aFailedWriteOnTheWritingThreadReachesTheCaller() {
        failureWriting(failingAfter4KiB(() -> new IOException("disk full"), false), "disk full");
    }

    @Test
    void anUncheckedFailureOnTheWritingThreadAlsoReachesTheCaller() {
        failureWriting(failingAfter4KiB(() -> new IllegalStateException("device gone"), true), "device gone");
    }
}
