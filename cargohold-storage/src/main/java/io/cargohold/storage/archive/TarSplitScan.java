package io.cargohold.storage.archive;

import io.cargohold.text.GoStrings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads a layer's tar-split file for a store check: every entry's header (name, type, mode, owner,
 * size, time, link target) as the applied tar had it, and - unless {@link Depth#METADATA} - the
 * layer's files too, each read once, the SHA-256 and size of the whole reassembled tar computed on the
 * way (the diff ID and diff size the layer record should have) and with {@link Depth#CHECKSUMS} each
 * file's CRC-64 checked against the tar-split on a second thread. With {@link Depth#METADATA} no file of
 * the tree is opened. Damage does not
 * stop the scan: a file that fails its checksum, is missing, shorter or longer than recorded is
 * noted in {@link Result#problems} (upstream's {@code file integrity checksum failed for "NAME"}) and
 * the scan goes on, so every damaged file of a layer is named.
 */
public final class TarSplitScan {
    private TarSplitScan() {
    }

    /** Receives each entry of the layer tar, in archive order. */
    @FunctionalInterface
    public interface Visitor {
        void entry(TarHeader h) throws IOException;
    }

    /**
     * What a scan found: the reassembled tar's digest ({@code sha256:…}, null without content), its
     * size in bytes (counted also without content), and the files whose content does not match.
     */
    public record Result(String digest, long size, List<String> problems) {
    }

    /** How much of the layer a scan reads. */
    public enum Depth {
        /** The tar-split alone: headers and the diff size; no file of the tree is opened. */
        METADATA,
        /** Also every file's content, for the SHA-256 of the whole diff (which, when it matches, vouches for every file). */
        DIGEST,
        /** Also each file's CRC-64 (on a second thread), to name the files whose content changed. */
        CHECKSUMS
    }

    public static Result scan(InputStream tarSplitGz, Path root, boolean content, Visitor visitor) throws IOException {
        return scan(tarSplitGz, root, content ? Depth.CHECKSUMS : Depth.METADATA, visitor);
    }

    /** {@code visitor} may be null when only the content is wanted ({@link Depth#DIGEST} or {@link Depth#CHECKSUMS}). */
    public static Result scan(InputStream tarSplitGz, Path root, Depth depth, Visitor visitor) throws IOException {
        return scan(tarSplitGz, root, depth, visitor, null);
    }

    /** As {@link #scan(InputStream, Path, Depth, Visitor)}, telling {@code progress} about file content as it is read. */
    public static Result scan(InputStream tarSplitGz, Path root, Depth depth, Visitor visitor, java.util.function.LongConsumer progress)
            throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(tarSplitGz, 1 << 16), StandardCharsets.UTF_8),
                1 << 16);
        boolean content = depth != Depth.METADATA;
        try (Reassembled in = new Reassembled(r, new InRoot(root), content, depth == Depth.CHECKSUMS)) {
            in.progress = progress;
            if (visitor == null) {
                // content only: no headers wanted, so no tar parsing - the stream hashes what it yields
                byte[] buf = new byte[1 << 17];
                while (in.read(buf, 0, buf.length) >= 0) {
                    // hashed (and checksummed) by the stream
                }
                in.finishFile();
                return new Result("sha256:" + HexFormat.of().formatHex(in.sha.digest()), in.count, List.copyOf(in.problems));
            }
            TarReader tr = new TarReader(in);
            byte[] skip = new byte[1 << 17];
            TarHeader h;
            while ((h = tr.next()) != null) {
                tr.takeRaw();
                if (h.type() != TarHeader.GLOBAL) {
                    visitor.entry(h);
                }
                while (tr.read(skip, 0, skip.length) > 0) {
                    // content: hashed and checked by the stream, or skipped unread
                }
            }
            tr.takeRaw();
            while (tr.readTrailing(skip, 0, skip.length) > 0) {
                // what follows the end-of-archive blocks is part of the diff too
            }
            in.finishFile();
            String digest = content ? "sha256:" + HexFormat.of().formatHex(in.sha.digest()) : null;
            return new Result(digest, in.count, List.copyOf(in.problems));
        }
    }

    /** The reassembled tar as a stream: tar-split segments, and between them the layer's files (or a gap of their size). */
    private static final class Reassembled extends InputStream {
        private final BufferedReader lines;
        private final InRoot root;
        private final boolean content;
        private final MessageDigest sha;
        private final ParallelCrc64 crc;
        final List<String> problems = new ArrayList<>();
        long count;
        java.util.function.LongConsumer progress;
        private byte[] segment = new byte[0];
        private int segmentPos;
        private long fileRemaining;
        private InputStream file;
        private String fileName;
        private byte[] fileCrc;
        private boolean fileShort;
        private boolean eof;

        Reassembled(BufferedReader lines, InRoot root, boolean content, boolean checksums) throws IOException {
            this.lines = lines;
            this.root = root;
            this.content = content;
            try {
                this.sha = content ? MessageDigest.getInstance("SHA-256") : null;
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            this.crc = checksums ? new ParallelCrc64() : null;
        }

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (true) {
                if (segmentPos < segment.length) {
                    int n = Math.min(len, segment.length - segmentPos);
                    System.arraycopy(segment, segmentPos, b, off, n);
                    segmentPos += n;
                    return counted(b, off, n);
                }
                if (fileRemaining > 0) {
                    int want = (int) Math.min(len, fileRemaining);
                    if (!content) {
                        fileRemaining -= want;
                        count += want; // skipped unread: the caller discards content
                        return want;
                    }
                    int n = readFile(b, off, Math.min(want, 1 << 17));
                    fileRemaining -= n;
                    if (progress != null) {
                        progress.accept(n);
                    }
                    if (crc != null) {
                        byte[] cb = crc.buffer();
                        System.arraycopy(b, off, cb, 0, n);
                        crc.submit(n);
                    }
                    return counted(b, off, n);
                }
                if (!nextEntry()) {
                    return -1;
                }
            }
        }

        private int counted(byte[] b, int off, int n) {
            count += n;
            if (sha != null) {
                sha.update(b, off, n);
            }
            return n;
        }

        /** Reads the current file; past its real end (a truncated file) zeros stand in, as the recorded size says. */
        private int readFile(byte[] b, int off, int len) throws IOException {
            int n = file == null ? -1 : file.read(b, off, len);
            if (n <= 0) {
                fileShort = true;
                Arrays.fill(b, off, off + len, (byte) 0);
                return len;
            }
            return n;
        }

        private boolean nextEntry() throws IOException {
            finishFile();
            if (eof) {
                return false;
            }
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isEmpty()) {
                    continue;
                }
                TarSplitLine e = TarSplitLine.parse(line);
                int type = e.type();
                String payload = e.payload();
                if (type == TarSplitWriter.SEGMENT) {
                    if (payload != null) {
                        segment = Base64.getDecoder().decode(payload);
                        segmentPos = 0;
                        if (segment.length > 0) {
                            return true;
                        }
                    }
                    continue;
                }
                if (type != TarSplitWriter.FILE) {
                    throw new IOException("unknown tar-split entry type " + type);
                }
                long size = e.size();
                if (size <= 0) {
                    continue;
                }
                fileName = e.name() != null ? e.name()
                        : new String(Base64.getDecoder().decode(e.nameRaw() == null ? "" : e.nameRaw()), StandardCharsets.UTF_8);
                fileRemaining = size;
                if (content) {
                    fileCrc = payload == null ? new byte[0] : Base64.getDecoder().decode(payload);
                    if (crc != null) {
                        crc.reset();
                    }
                    fileShort = false;
                    String rel = PathNames.relative(fileName);
                    Path p = rel == null ? null : root.entry(rel, false);
                    if (p != null && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        file = Files.newInputStream(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                    }
                }
                return true;
            }
            eof = true;
            return false;
        }

        /** Ends the current file: its checksum compared, a missing, short or long file noted. */
        void finishFile() throws IOException {
            if (fileName == null || !content) {
                fileName = null;
                return;
            }
            String name = fileName;
            fileName = null;
            boolean longer = false;
            if (file != null) {
                longer = file.read() >= 0;
                file.close();
                file = null;
            }
            if (fileShort || longer || (crc != null && !Arrays.equals(crc.sum(), fileCrc))) {
                problems.add("file integrity checksum failed for " + GoStrings.quote(name));
            }
        }

        @Override
        public void close() throws IOException {
            if (file != null) {
                file.close();
            }
            if (crc != null) {
                crc.close();
            }
            lines.close();
        }
    }
}
