package io.cargohold.storage.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Crc64Test {
    /** Bit by bit, the definition (reflected ISO polynomial, init and final XOR all ones). */
    private static long reference(byte[] b, int off, int len) {
        long c = ~0L;
        for (int i = off; i < off + len; i++) {
            c ^= b[i] & 0xFFL;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? (c >>> 1) ^ 0xD800000000000000L : c >>> 1;
            }
        }
        return ~c;
    }

    private static byte[] bigEndian(long v) {
        byte[] out = new byte[8];
        for (int k = 7; k >= 0; k--) {
            out[k] = (byte) v;
            v >>>= 8;
        }
        return out;
    }

    @Test
    void theCheckValueOfGosCrc64Iso() {
        // CRC-64/GO-ISO's check value: crc64.Checksum([]byte("123456789"), crc64.MakeTable(crc64.ISO))
        Crc64 c = new Crc64();
        c.update("123456789".getBytes(StandardCharsets.US_ASCII), 0, 9);
        assertArrayEquals(HexFormat.of().parseHex("b90956c775a41001"), c.sum());
    }

    @Test
    void anyOffsetLengthAndSplitAgreesWithTheBitwiseDefinition() {
        Random r = new Random(42);
        byte[] data = new byte[4096];
        r.nextBytes(data);
        for (int n = 0; n < 2000; n++) {
            int off = r.nextInt(64);
            int len = r.nextInt(data.length - off);
            int split = len == 0 ? 0 : r.nextInt(len + 1);
            Crc64 c = new Crc64();
            c.update(data, off, split);
            c.update(data, off + split, len - split);
            assertArrayEquals(bigEndian(reference(data, off, len)), c.sum(), "off " + off + " len " + len + " split " + split);
            c.reset();
            c.update(data, off, len);
            assertArrayEquals(bigEndian(reference(data, off, len)), c.sum());
        }
    }
}
