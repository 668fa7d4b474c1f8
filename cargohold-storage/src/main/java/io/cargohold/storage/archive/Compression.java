package io.cargohold.storage.archive;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * The compressions containers/storage v1.43.0 accepts for a layer diff, with its numeric codes as
 * they appear in {@code layers.json} ({@code compression}), detected by magic bytes as upstream's
 * {@code DetectCompression} does.
 */
public enum Compression {
    NONE(0, "tar"), BZIP2(1, "tar.bz2"), GZIP(2, "tar.gz"), XZ(3, "tar.xz"), ZSTD(4, "tar.zst");

    private final int code;
    private final String extension;

    Compression(int code, String extension) {
        this.code = code;
        this.extension = extension;
    }

    /** The value of a layer record's {@code compression} field. */
    public int code() {
        return code;
    }

    public String extension() {
        return extension;
    }

    public static Compression ofCode(int code) {
        for (Compression c : values()) {
            if (c.code == code) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown compression code " + code);
    }

    /**
     * Upstream's magic numbers, checked in its order (bzip2, gzip, xz, zstd), as
     * {@code pkg/archive.DetectCompression}; not commons-compress's {@code CompressorStreamFactory.detect},
     * which knows more formats (lz4, snappy, deflate…) that upstream takes for an uncompressed tar.
     */
    public static Compression detect(byte[] b, int len) {
        if (starts(b, len, 0x42, 0x5A, 0x68)) {
            return BZIP2;
        }
        if (starts(b, len, 0x1F, 0x8B, 0x08)) {
            return GZIP;
        }
        if (starts(b, len, 0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00)) {
            return XZ;
        }
        if (starts(b, len, 0x28, 0xB5, 0x2F, 0xFD)) {
            return ZSTD;
        }
        return NONE;
    }

    private static boolean starts(byte[] b, int len, int... magic) {
        if (len < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((b[i] & 0xFF) != magic[i]) {
                return false;
            }
        }
        return true;
    }

    /** A decompressing view of {@code in} (gzip: every member of a multi-member stream, like Go). */
    public InputStream decompress(InputStream in) throws IOException {
        return switch (this) {
            case NONE -> in;
            case GZIP -> new GZIPInputStream(in, 1 << 16);
            case BZIP2 -> new BZip2CompressorInputStream(new BufferedInputStream(in, 1 << 16), true);
            case XZ -> new XZCompressorInputStream(new BufferedInputStream(in, 1 << 16), true);
            case ZSTD -> new ZstdInputStream(in).setContinuous(false);
        };
    }

    /**
     * Which compressor {@link #compress} uses for gzip in this process, for benchmarks and reports:
     * libdeflate (one gzip member per 1 MiB block) when the system has it, else zlib (one member).
     */
    public static String gzipWriter() {
        return ParallelGzipOutputStream.Engine.best() == ParallelGzipOutputStream.Engine.LIBDEFLATE
                ? "parallel, libdeflate level " + ParallelGzipOutputStream.LIBDEFLATE_LEVEL + ", a member per 1 MiB block"
                : "parallel, zlib level " + ParallelGzipOutputStream.LEVEL + ", one member";
    }

    /**
     * A compressing stream over {@code out} for {@code diff}. Like upstream, only gzip and zstd can be
     * written; bzip2 and xz fail with upstream's message.
     */
    public OutputStream compress(OutputStream out) throws IOException {
        return switch (this) {
            case NONE -> out;
            case GZIP -> new ParallelGzipOutputStream(out);
            case ZSTD -> new ZstdOutputStream(out, 3);
            case BZIP2, XZ -> throw new IOException("unsupported compression format " + extension);
        };
    }

    /**
     * A gzip stream over {@code out} compressed on every core at zlib's {@code level} (-1: zlib's default), as
     * one gzip member (1 MiB blocks deflated in parallel, each primed with the previous block's last 32 KiB and
     * joined by sync flushes, as upstream's pgzip writes) - for blobs any reader must take whole, such as layers
     * copied to a registry or a layout.
     */
    public static OutputStream parallelGzip(OutputStream out, int level) {
        return new ParallelGzipOutputStream(out, ParallelGzipOutputStream.Engine.ZLIB, level < 0 ? 6 : level,
                Runtime.getRuntime().availableProcessors());
    }
}
