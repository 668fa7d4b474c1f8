package io.cargohold.storage.archive;

import io.cargohold.text.GoStrings;
import io.cargohold.digest.DigestAlgorithm;
import io.cargohold.digest.DigestingInputStream;
import io.cargohold.errors.CorruptException;
import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;

/**
 * Layer diffs in and out of a layer tree, as containers/storage v1.43.0 does them: {@link #apply}
 * decompresses, hashes (compressed and uncompressed), splits (tar-split) and extracts in one
 * streaming pass; {@link #reassemble} reproduces the applied tar byte for byte from the tar-split
 * file and the tree.
 */
public final class LayerArchive {
    private static final int SEGMENT_CHUNK = 1 << 20;

    private LayerArchive() {
    }

    /**
     * Applies {@code diff} (tar, gzip, zstd, bzip2 or xz) to {@code root}, writing the tar-split stream to
     * {@code tarSplit}. On failure the tree may be partly modified (the caller discards the layer).
     */
    public static ApplyResult apply(InputStream diff, Path root, OutputStream tarSplit, ApplyOptions o) throws IOException {
        return apply(diff, root, tarSplit, o, null);
    }

    /**
     * As {@link #apply(InputStream, Path, OutputStream, ApplyOptions)}, with whiteouts in overlay's format
     * when {@code overlay} is not null (the root is an overlay layer's {@code diff/} directory).
     */
    public static ApplyResult apply(InputStream diff, Path root, OutputStream tarSplit, ApplyOptions o, OverlayWhiteouts overlay)
            throws IOException {
        return apply(diff, root, tarSplit, o, overlay, false, null);
    }

    /**
     * As {@link #apply(InputStream, Path, OutputStream, ApplyOptions, OverlayWhiteouts)}; {@code keepWhiteouts}
     * (with a null {@code overlay}): whiteouts are written as {@code .wh.} files, as upstream's overlay
     * driver does for a mount program; {@code forceMask} not null: upstream's {@code force_mask} (every
     * mode forced, owners and modes kept in {@code user.containers.override_stat}, nothing chowned).
     */
    public static ApplyResult apply(InputStream diff, Path root, OutputStream tarSplit, ApplyOptions o, OverlayWhiteouts overlay,
            boolean keepWhiteouts, Integer forceMask) throws IOException {
        PushbackInputStream pb = new PushbackInputStream(diff, 10240);
        byte[] head = new byte[10240];
        int n = pb.readNBytes(head, 0, head.length);
        Compression compression = Compression.detect(head, n);
        pb.unread(head, 0, n);
        // a compressed digest the caller gives (upstream's OriginalDigest) is recorded as given, so the compressed
        // stream is only counted then: the copy engine has verified it already, and a second SHA-256 of every
        // compressed byte cost ~1 s of CPU per 400 MiB
        boolean known = o.compressedDigest() != null && o.compressedDigest().startsWith("sha256:");
        DigestingInputStream compressed = known ? new CountingOnly(pb) : new DigestingInputStream(pb, DigestAlgorithm.SHA256);
        InputStream plain = compression.decompress(compressed);
        if (compression != Compression.NONE) {
            plain = new ExpansionGuard(plain, compressed, o.maxExpansion(), o.expansionFloor());
        }
        DigestingInputStream uncompressed = new DigestingInputStream(plain, DigestAlgorithm.SHA256);
        // reading, both digests and decompression on a second thread; parsing and writing files on this one
        try (ReadAheadInputStream ahead = new ReadAheadInputStream(uncompressed, 1 << 18, 8)) {
            return apply(ahead, compressed, uncompressed, compression, root, tarSplit, o, overlay, keepWhiteouts, forceMask);
        }
    }

    private static ApplyResult apply(InputStream tar, DigestingInputStream compressed, DigestingInputStream uncompressed,
            Compression compression, Path root, OutputStream tarSplit, ApplyOptions o, OverlayWhiteouts overlay, boolean keepWhiteouts,
            Integer forceMask) throws IOException {
        TarReader tr = new TarReader(tar);
        Extractor x = new Extractor(root, o.uidMap(), o.gidMap()).ignoreChownErrors(o.ignoreChownErrors()).overlayWhiteouts(overlay)
                .keepWhiteouts(keepWhiteouts).forceMask(forceMask);
        Set<Long> uids = new TreeSet<>();
        Set<Long> gids = new TreeSet<>();
        try (TarSplitWriter ts = new TarSplitWriter(tarSplit); ParallelCrc64 crc = new ParallelCrc64()) {
            TarHeader h;
            while ((h = tr.next()) != null) {
                String base = PathNames.base(new String(h.name(), StandardCharsets.ISO_8859_1));
                if (!base.startsWith(".wh.")) {
                    uids.add(h.uid() & 0xFFFFFFFFL);
                    gids.add(h.gid() & 0xFFFFFFFFL);
                }
                boolean sparse = h.sparse() != null;
                if (sparse) {
                    tr.recordContent(true);
                } else if (tr.rawLength() > 0) {
                    ts.segment(tr.takeRaw());
                }
                crc.reset();
                boolean hasData = h.storedSize() > 0 && !sparse;
                x.apply(h, tr, hasData ? crc : null);
                drain(tr, hasData ? crc : null);
                if (h.type() == TarHeader.GLOBAL) {
                    continue; // stays in the raw bytes of the next segment
                }
                if (sparse) {
                    tr.recordContent(false);
                    ts.segment(tr.takeRaw()); // the stored fragments travel in the tar-split itself
                    ts.file(h.name(), 0, null);
                } else {
                    ts.file(h.name(), hasData ? h.storedSize() : 0, hasData ? crc.sum() : null);
                }
            }
            if (tr.rawLength() > 0) {
                ts.segment(tr.takeRaw());
            }
            byte[] chunk = new byte[SEGMENT_CHUNK];
            int k;
            while ((k = readChunk(tr, chunk)) > 0) {
                ts.segment(Arrays.copyOf(chunk, k));
            }
            ts.segment(new byte[0]);
            drainAll(compressed);
            x.finish();
        }
        // digest() resets the digester: each is taken once
        String computedUd = uncompressed.digest().toString();
        checkExpected(computedUd, o.expectedUncompressedDigest());
        String cd = o.compressedDigest() != null && o.compressedDigest().startsWith("sha256:") ? o.compressedDigest()
                : compressed.digest().toString();
        String ud = o.uncompressedDigest() != null && o.uncompressedDigest().startsWith("sha256:") ? o.uncompressedDigest()
                : computedUd;
        return new ApplyResult(cd, compressed.count(), ud, uncompressed.count(), compression, List.copyOf(uids),
                List.copyOf(gids), x.size());
    }

    /** A diff that does not hash to the DiffID its caller expects fails before anything is recorded. */
    private static void checkExpected(String actual, String expected) throws CorruptException {
        if (expected != null && !actual.equals(expected)) {
            throw new CorruptException("layer diff digest mismatch: the uncompressed diff hashes to " + actual + ", expected " + expected);
        }
    }

    private static void drain(TarReader tr, ParallelCrc64 crc) throws IOException {
        byte[] skip = new byte[8192];
        while (true) {
            byte[] b = crc != null ? crc.buffer() : skip;
            int k = tr.read(b, 0, b.length);
            if (k <= 0) {
                return;
            }
            if (crc != null) {
                crc.submit(k);
            }
        }
    }

    private static int readChunk(TarReader tr, byte[] chunk) throws IOException {
        int total = 0;
        while (total < chunk.length) {
            int k = tr.readTrailing(chunk, total, chunk.length - total);
            if (k < 0) {
                break;
            }
            total += k;
        }
        return total;
    }

    /** Reads the raw input to its end, as upstream does, so digests and sizes cover all of it. */
    private static void drainAll(InputStream in) throws IOException {
        byte[] b = new byte[1 << 16];
        while (in.read(b) >= 0) {
            // counted and hashed by the stream itself
        }
    }

    /**
     * Writes the tar reassembled from a tar-split stream and the files of {@code root}; a file whose
     * content no longer matches its checksum fails with upstream's message. Files are looked up inside
     * the root only, never through a symbolic link.
     */
    public static void reassemble(InputStream tarSplitGz, Path root, OutputStream out) throws IOException {
        InRoot in = new InRoot(root);
        BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(tarSplitGz, 1 << 16), StandardCharsets.UTF_8),
                1 << 16);
        Set<String> seen = new HashSet<>();
        try (ParallelCrc64 crc = new ParallelCrc64()) {
            reassemble(r, in, seen, crc, out);
        }
    }

    private static void reassemble(BufferedReader r, InRoot in, Set<String> seen, ParallelCrc64 crc, OutputStream out)
            throws IOException {
        String line;
        while ((line = r.readLine()) != null) {
            if (line.isEmpty()) {
                continue;
            }
            TarSplitLine e = TarSplitLine.parse(line); // jackson-core's streaming parser, not a tree per line
            int type = e.type();
            if (type == TarSplitWriter.SEGMENT) {
                if (e.payload() != null) {
                    out.write(Base64.getDecoder().decode(e.payload()));
                }
                continue;
            }
            if (type != TarSplitWriter.FILE) {
                throw new IOException("unknown tar-split entry type " + type);
            }
            String name = e.name() != null ? e.name()
                    : new String(Base64.getDecoder().decode(e.nameRaw() == null ? "" : e.nameRaw()), StandardCharsets.UTF_8);
            if (!seen.add(PathNames.clean(name))) {
                throw new TarFormatException("duplicates of file paths not supported");
            }
            long size = e.size();
            if (size == 0) {
                continue;
            }
            String rel = PathNames.relative(name);
            Path p = rel == null ? null : in.entry(rel, false);
            if (p == null || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("file " + GoStrings.quote(name) + " of the layer is missing or no longer a regular file");
            }
            crc.reset();
            try (InputStream f = Files.newInputStream(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                while (true) {
                    byte[] b = crc.buffer();
                    int k = f.read(b);
                    if (k <= 0) {
                        break;
                    }
                    out.write(b, 0, k);
                    crc.submit(k); // checksummed on the other thread while we copy on
                }
            }
            byte[] want = e.payload() == null ? new byte[0] : Base64.getDecoder().decode(e.payload());
            if (!Arrays.equals(crc.sum(), want)) {
                throw new IOException("file integrity checksum failed for " + GoStrings.quote(name));
            }
        }
    }

    /** Counts the bytes that pass, without hashing them (their digest is known). */
    private static final class CountingOnly extends DigestingInputStream {
        private long counted;

        CountingOnly(InputStream in) {
            super(in, DigestAlgorithm.SHA256);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                counted++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                counted += n;
            }
            return n;
        }

        @Override
        public long count() {
            return counted;
        }
    }

    /** Stops a decompressor once it has produced more than allowed for its input. */
    private static final class ExpansionGuard extends FilterInputStream {
        private final DigestingInputStream compressed;
        private final long ratio;
        private final long floor;
        private long produced;

        ExpansionGuard(InputStream in, DigestingInputStream compressed, long ratio, long floor) {
            super(in);
            this.compressed = compressed;
            this.ratio = ratio;
            this.floor = floor;
        }

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                produced += n;
                if (produced > floor && produced / Math.max(1, compressed.count()) > ratio) {
                    throw new TarFormatException("layer expands more than " + ratio + " times its compressed size ("
                            + produced + " bytes from " + compressed.count() + "): refused as a decompression bomb");
                }
            }
            return n;
        }
    }
}
