package io.cargohold.storage.archive;

/**
 * CRC-64 with the ISO polynomial as Go's {@code hash/crc64} computes it with {@code crc64.ISO}
 * (reflected, initial value and final XOR all ones): the checksum tar-split stores per file. The JDK
 * and our libraries have no CRC-64, so it is written here (slicing-by-8 table).
 */
public final class Crc64 {
    private static final long POLY = 0xD800000000000000L; // reversed ISO polynomial
    private static final long[][] TABLE = new long[8][256];

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
    }

    private long crc = ~0L;

    public void update(byte[] b, int off, int len) {
        long c = crc;
        long[] t0 = TABLE[0], t1 = TABLE[1], t2 = TABLE[2], t3 = TABLE[3], t4 = TABLE[4], t5 = TABLE[5], t6 = TABLE[6],
                t7 = TABLE[7];
        int i = off, end = off + len;
        while (end - i >= 8) {
            c ^= (b[i] & 0xFFL) | (b[i + 1] & 0xFFL) << 8 | (b[i + 2] & 0xFFL) << 16 | (b[i + 3] & 0xFFL) << 24
                    | (b[i + 4] & 0xFFL) << 32 | (b[i + 5] & 0xFFL) << 40 | (b[i + 6] & 0xFFL) << 48 | (b[i + 7] & 0xFFL) << 56;
            c = t7[(int) (c & 0xFF)] ^ t6[(int) ((c >>> 8) & 0xFF)] ^ t5[(int) ((c >>> 16) & 0xFF)]
                    ^ t4[(int) ((c >>> 24) & 0xFF)] ^ t3[(int) ((c >>> 32) & 0xFF)] ^ t2[(int) ((c >>> 40) & 0xFF)]
                    ^ t1[(int) ((c >>> 48) & 0xFF)] ^ t0[(int) (c >>> 56)];
            i += 8;
        }
        while (i < end) {
            c = t0[(int) ((c ^ b[i++]) & 0xFF)] ^ (c >>> 8);
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
