package io.cargohold.storage.archive;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * CRC-64 with the ISO polynomial as Go's {@code hash/crc64} computes it with {@code crc64.ISO}
 * (reflected, initial value and final XOR all ones): the checksum tar-split stores per file. The JDK
 * and our libraries have no CRC-64, so it is written here (slicing-by-8 table; the 8 bytes read as one
 * little-endian long and the 8 tables in one array: ~2x the throughput of byte loads and 8 arrays, under C1
 * and C2 alike, ~0.9-1.1 GB/s here).
 */
public final class Crc64 {
    private static final long POLY = 0xD800000000000000L; // reversed ISO polynomial
    private static final long[][] TABLE = new long[8][256];
    /** TABLE[t][i] at FLAT[t * 256 + i]. */
    private static final long[] FLAT = new long[8 * 256];
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    static {
        for (int i = 0; i < 256; i++) {
            long crc = i;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ POLY : crc >>> 1;
            }
            TABLE[0][i] = crc;
        }
        for (int i = 0; i < 256; i++) {
            long crc = TABLE[0][i];
            for (int t = 1; t < 8; t++) {
                crc = TABLE[0][(int) (crc & 0xFF)] ^ (crc >>> 8);
                TABLE[t][i] = crc;
            }
        }
        for (int t = 0; t < 8; t++) {
            System.arraycopy(TABLE[t], 0, FLAT, t * 256, 256);
        }
    }

    private long crc = ~0L;

    public void update(byte[] b, int off, int len) {
        long c = crc;
        long[] t = FLAT;
        int i = off, end = off + len;
        while (end - i >= 8) {
            c ^= (long) LONG_LE.get(b, i);
            c = t[7 * 256 + (int) (c & 0xFF)] ^ t[6 * 256 + (int) ((c >>> 8) & 0xFF)] ^ t[5 * 256 + (int) ((c >>> 16) & 0xFF)]
                    ^ t[4 * 256 + (int) ((c >>> 24) & 0xFF)] ^ t[3 * 256 + (int) ((c >>> 32) & 0xFF)]
                    ^ t[2 * 256 + (int) ((c >>> 40) & 0xFF)] ^ t[256 + (int) ((c >>> 48) & 0xFF)] ^ t[(int) (c >>> 56)];
            i += 8;
        }
        while (i < end) {
            c = t[(int) ((c ^ b[i++]) & 0xFF)] ^ (c >>> 8);
        }
        crc = c;
    }

    public void reset() {
        crc = ~0L;
    }

    /** The value as Go's {@code Sum} appends it: 8 bytes, big-endian. */
    public byte[] sum() {
        long v = ~crc;
        byte[] out = new byte[8];
        for (int k = 7; k >= 0; k--) {
            out[k] = (byte) v;
            v >>>= 8;
        }
        return out;
    }
}
