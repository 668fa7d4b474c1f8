package io.cargohold.testkit.images;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The content of a regular file in a layer, generated while the tar is written (so multi-GiB layers
 * need no memory). Generated content depends only on its parameters: the generators are specified
 * here (SplitMix64, a Park-Miller word LCG), not taken from the JDK, so digests stay stable.
 */
public sealed interface Content {
    long size();

    void writeTo(OutputStream out) throws IOException;

    static Content bytes(byte[] bytes) {
        return new Bytes(bytes.clone());
    }

    static Content utf8(String text) {
        return new Bytes(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Incompressible pseudo-random bytes. */
    static Content random(long size, long seed) {
        return new Random(size, seed);
    }

    /** Compressible English-like text lines (compresses about 3-4x with gzip). */
    static Content text(long size, long seed) {
        return new Text(size, seed);
    }

    static Content zeros(long size) {
        return new Zeros(size);
    }

    /**
     * A sparse file of {@code size} bytes: zeros but for the regions (sorted, not overlapping, inside
     * the size). {@link LayerBuilder} writes it as a sparse tar entry (holes not stored); read back, it
     * is these bytes.
     */
    static Content sparse(long size, java.util.List<RawTar.Region> regions) {
        return new Sparse(size, regions);
    }

    record Bytes(byte[] bytes) implements Content {
        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
            out.write(bytes);
        }
    }

    record Random(long size, long seed) implements Content {
        public Random {
            if (size < 0) {
                throw new IllegalArgumentException("size < 0");
            }
        }

        private static final java.lang.invoke.VarHandle LONG_LE =
                java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

        @Override
        public void writeTo(OutputStream out) throws IOException {
            long state = seed;
            byte[] buf = new byte[64 * 1024];
            long left = size;
            while (left > 0) {
                int n = (int) Math.min(buf.length, left);
                for (int i = 0; i < n; i += 8) {
                    // SplitMix64 (Steele, Lea, Flood 2014); each output little-endian
                    state += 0x9E3779B97F4A7C15L;
                    long z = state;
                    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
                    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
                    z ^= z >>> 31;
                    LONG_LE.set(buf, i, z); // buf.length is a multiple of 8; only n bytes go out
                }
                out.write(buf, 0, n);
                left -= n;
            }
        }
    }

    record Text(long size, long seed) implements Content {
        private static final String[] WORDS = ("the of and to in is that for it as with was on be by this are from or at an which "
                + "have not but all their were can has more one been would other will when there so its into than them some "
                + "what could only time like also may these out new after first about data image layer blob digest manifest "
                + "index store cache registry content config tar gzip zstd service request response worker thread queue "
                + "commit version update").split(" ");

        public Text {
            if (size < 0) {
                throw new IllegalArgumentException("size < 0");
            }
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
            long x = Math.floorMod(seed * 7919 + 17, 2147483647L);
            if (x == 0) {
                x = 1;
            }
            byte[] buf = new byte[64 * 1024];
            int len = 0;
            long left = size;
            int wordsInLine = 0;
            while (left > 0) {
                x = (x * 16807) % 2147483647L; // Park-Miller minimal standard LCG
                String w = WORDS[(int) (x % WORDS.length)];
                boolean endLine = ++wordsInLine >= 6 + (int) (x >>> 8) % 12;
                int wl = w.length() + 1;
                for (int i = 0; i < wl && left > 0; i++, left--) {
                    buf[len++] = i < w.length() ? (byte) w.charAt(i) : (byte) (endLine ? '\n' : ' ');
                    if (len == buf.length) {
                        out.write(buf, 0, len);
                        len = 0;
                    }
                }
                if (endLine) {
                    wordsInLine = 0;
                }
            }
            out.write(buf, 0, len);
        }
    }

    record Zeros(long size) implements Content {
        @Override
        public void writeTo(OutputStream out) throws IOException {
            byte[] buf = new byte[(int) Math.min(64 * 1024, Math.max(1, size))];
            for (long left = size; left > 0; left -= buf.length) {
                out.write(buf, 0, (int) Math.min(buf.length, left));
            }
        }
    }

    record Sparse(long size, java.util.List<RawTar.Region> regions) implements Content {
        public Sparse {
            regions = java.util.List.copyOf(regions);
            long end = 0;
            for (RawTar.Region r : regions) {
                if (r.offset() < end) {
                    throw new IllegalArgumentException("regions overlap or are not sorted at offset " + r.offset());
                }
                end = r.offset() + r.length();
            }
            if (end > size) {
                throw new IllegalArgumentException("a region ends at " + end + ", beyond the size " + size);
            }
        }

        /** Bytes stored in the tar (the regions' data). */
        public long storedSize() {
            return regions.stream().mapToLong(RawTar.Region::length).sum();
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
            long at = 0;
            for (RawTar.Region r : regions) {
                new Zeros(r.offset() - at).writeTo(out);
                out.write(r.data());
                at = r.offset() + r.length();
            }
            new Zeros(size - at).writeTo(out);
        }
    }
}
