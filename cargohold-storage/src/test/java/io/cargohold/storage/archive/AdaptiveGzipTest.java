package io.cargohold.storage.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class AdaptiveGzipTest {
    @Test
    void mixedDataRoundTripsAndTextStillCompresses() throws Exception {
        Random rnd = new Random(5);
        ByteArrayOutputStream input = new ByteArrayOutputStream();
        byte[] random = new byte[3 << 20];
        rnd.nextBytes(random);
        input.write(random);
        byte[] text = "the same line of text, again and again\n".repeat(200_000).getBytes();
        input.write(text);
        byte[] all = input.toByteArray();
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        try (OutputStream out = Compression.GZIP.compress(z)) {
            for (int off = 0; off < all.length; off += 100_000) {
                out.write(all, off, Math.min(100_000, all.length - off));
            }
        }
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(z.toByteArray()))) {
            assertArrayEquals(all, in.readAllBytes());
        }
        assertTrue(z.size() < random.length + text.length / 20, "text is still compressed: " + z.size());
    }
}
