package io.cargohold.testkit.images;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPOutputStream;

/**
 * One built layer: the uncompressed tar (whose digest is the {@link #diffId()}), the entries in it,
 * and its compressed variants, made on first use and kept.
 */
public final class Layer {
    private final Blob tar;
    private final List<TarEntry> entries;
    private final Path spoolDir;
    private final Map<String, Blob> compressed = new ConcurrentHashMap<>();

    Layer(Blob tar, List<TarEntry> entries, Path spoolDir) {
        this.tar = tar;
        this.entries = List.copyOf(entries);
        this.spoolDir = spoolDir;
    }

    /** The uncompressed tar. */
    public Blob tar() {
        return tar;
    }

    /** {@code sha256:} of the uncompressed tar: the config's {@code rootfs.diff_ids} entry. */
    public String diffId() {
        return tar.digest();
    }

    /** The entries as written, in order. */
    public List<TarEntry> entries() {
        return entries;
    }

    /** The blob for {@code c} at its default level ({@link Compression#NONE} is the tar itself). */
    public Blob blob(Compression c) {
        return blob(c, c.defaultLevel());
    }

    /**
     * The blob for {@code c} at {@code level} (gzip 1-9, zstd 1-22). Output is deterministic for a
     * given JDK (its zlib) and zstd-jni version; only the diff_id is the same everywhere.
     */
    public Blob blob(Compression c, int level) {
        if (c == Compression.NONE) {
            return tar;
        }
        return compressed.computeIfAbsent(c + ":" + level, k -> {
            try {
                return compress(c, level);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The OCI descriptor of this layer stored with {@code c} at its default level. */
    public Descriptor descriptor(Compression c) {
        Blob b = blob(c);
        return new Descriptor(c.ociMediaType(), b.digest(), b.size());
    }

    private Blob compress(Compression c, int level) throws IOException {
        if (spoolDir == null) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 16, tar.size() / 2 + 64));
            try (OutputStream z = compressor(c, level, bytes); InputStream in = tar.open()) {
                in.transferTo(z);
            }
            return Blob.of(bytes.toByteArray());
        }
        Path tmp = Files.createTempFile(spoolDir, "layer-", ".tmp", Spool.FILE_MODE);
        try {
            Digests.HashingOutputStream h;
            try (OutputStream f = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                h = new Digests.HashingOutputStream(f);
                try (OutputStream z = compressor(c, level, new NonClosing(h)); InputStream in = tar.open()) {
                    in.transferTo(z);
                }
            }
            String ext = c == Compression.GZIP ? ".tar.gz" : ".tar.zst";
            Path target = spoolDir.resolve(Digests.hex(h.digest()) + ext);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            return Blob.ofFile(target, h.digest(), h.count());
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static OutputStream compressor(Compression c, int level, OutputStream out) throws IOException {
        return switch (c) {
            case GZIP -> new GZIPOutputStream(out, 1 << 16) {
                {
                    def.setLevel(level);
                }
            };
            case ZSTD -> new ZstdOutputStream(out, level).setChecksum(true);
            case NONE -> throw new IllegalArgumentException("no compressor for NONE");
        };
    }

    /** Keeps the hashing stream open when the compressor closes (it must be read after). */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }

    @Override
    public String toString() {
        return "Layer " + diffId() + " (" + entries.size() + " entries, " + tar.size() + " bytes)";
    }
}
