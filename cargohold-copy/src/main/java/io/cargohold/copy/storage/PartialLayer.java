package io.cargohold.copy.storage;

import io.cargohold.copy.ImageDestination.BlobContent;
import io.cargohold.digest.Digest;
import io.cargohold.errors.CorruptException;
import io.cargohold.oci.Descriptor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The partial download of one layer blob on its way into containers-storage, so that a pull killed midway is
 * continued by the next one (containers/image writes every blob to a temporary file before it applies it; we
 * apply while the bytes arrive and keep them in {@code G/tmp/cargohold-partials/ALG-HEX.partial} as they
 * pass). {@link #stream} gives the whole blob from byte 0: first what the file holds, then the source from
 * the file's end, each new byte appended to the file; it hashes and counts every byte and fails at the end
 * (before the layer apply finishes) when size or digest differ from the descriptor's. The file is locked with
 * fcntl while used, so two processes never append to one; a file nobody came back for is removed after
 * {@link #EXPIRY}.
 */
final class PartialLayer implements AutoCloseable {
    /** How long an abandoned partial is kept for a rerun. */
    static final Duration EXPIRY = Duration.ofHours(24);
    private static final String SUFFIX = ".partial";
    /** Partials a thread of this JVM holds: never opened twice here (closing a descriptor would drop the other's fcntl lock). */
    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();

    private final Path path;
    /**
     * Read and written through RandomAccessFile's own calls, not its channel: the layer apply reads this stream on a
     * read-ahead thread that is interrupted when the apply fails, and an interrupt closes a FileChannel (and drops
     * its fcntl lock) while a plain read or write is not affected.
     */
    private final java.io.RandomAccessFile file;
    private final FileChannel channel;
    private final FileLock lock;
    private final Descriptor blob;
    private Stream last;

    private PartialLayer(Path path, java.io.RandomAccessFile file, FileLock lock, Descriptor blob) {
        this.path = path;
        this.file = file;
        this.channel = file.getChannel();
        this.lock = lock;
        this.blob = blob;
    }

    /** The file a blob's partial lives in. */
    static Path pathOf(Path dir, Digest d) {
        return dir.resolve(d.algorithm().ociName() + "-" + d.hex() + SUFFIX);
    }

    /**
     * Opens (creating) the partial of {@code blob} in {@code dir} and locks it; null when another writer, here
     * or in another process, holds it (the caller then streams without one).
     */
    static PartialLayer open(Path dir, Descriptor blob) throws IOException {
        Path p = pathOf(dir, blob.digest()).toAbsolutePath().normalize();
        if (!LIVE.add(p)) {
            return null;
        }
        boolean ok = false;
        try {
            if (Files.isSymbolicLink(p) || Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(p); // not ours to follow
            }
            java.io.RandomAccessFile f = new java.io.RandomAccessFile(p.toFile(), "rw");
            FileLock l;
            try {
                l = f.getChannel().tryLock();
            } catch (IOException | RuntimeException e) {
                f.close();
                throw e;
            }
            if (l == null) {
                f.close();
                return null;
            }
            ok = true;
            return new PartialLayer(p, f, l, blob);
        } finally {
            if (!ok) {
                LIVE.remove(p);
            }
        }
    }

    /** The bytes the partial holds (those a rerun does not fetch again). */
    long have() throws IOException {
        return file.length();
    }

    /** Empties the file (its bytes did not verify: a torn write). */
    void truncate() throws IOException {
        file.setLength(0);
    }

    /**
     * The whole blob: the file's bytes, then {@code content} opened at the file's end (not at all when the file
     * holds the whole blob), each of its bytes appended to the file.
     */
    InputStream stream(BlobContent content) throws IOException {
        long have = file.length();
        if (have > blob.size()) {
            file.setLength(0);
            have = 0;
        }
        last = new Stream(file, have, content, blob, path);
        return last;
    }

    /** Whether the last stream failed because the bytes (the file's and the source's) did not verify. */
    boolean didNotVerify() {
        return last != null && last.mismatch;
    }

    /** Deletes the file (the layer is stored, or the copy failed) and releases it. */
    void delete() throws IOException {
        try {
            Files.deleteIfExists(path);
        } finally {
            close();
        }
    }

    /** Releases the file, keeping it for a rerun. */
    @Override
    public void close() throws IOException {
        try {
            if (channel.isOpen()) {
                lock.release();
            }
            file.close();
        } finally {
            LIVE.remove(path);
        }
    }

    /** Removes the partials in {@code dir} nobody has written to for {@link #EXPIRY} and nobody holds. */
    static void removeExpired(Path dir) throws IOException {
        Instant before = Instant.now().minus(EXPIRY);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path p : ds) {
                Path abs = p.toAbsolutePath().normalize();
                try {
                    if (!Files.isRegularFile(abs, LinkOption.NOFOLLOW_LINKS)
                            || Files.getLastModifiedTime(abs, LinkOption.NOFOLLOW_LINKS).toInstant().isAfter(before) || !LIVE.add(abs)) {
                        continue;
                    }
                } catch (NoSuchFileException gone) {
                    continue;
                }
                try (FileChannel ch = FileChannel.open(abs, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                    FileLock l = ch.tryLock();
                    if (l != null) {
                        try {
                            Files.deleteIfExists(abs);
                        } finally {
                            l.release();
                        }
                    }
                } catch (NoSuchFileException gone) {
                    // removed meanwhile
                } finally {
                    LIVE.remove(abs);
                }
            }
        }
    }

    /** The file's bytes, then the source's (appended to the file), hashed and counted; verified at the end. */
    private static final class Stream extends InputStream {
        private final java.io.RandomAccessFile file;
        private final long have;
        private final BlobContent content;
        private final Descriptor blob;
        private final Path path;
        private final MessageDigest md;
        private long pos;
        private InputStream source;
        private boolean done;
        boolean mismatch;

        Stream(java.io.RandomAccessFile file, long have, BlobContent content, Descriptor blob, Path path) throws IOException {
            this.file = file;
            this.have = have;
            this.content = content;
            this.blob = blob;
            this.path = path;
            this.md = blob.digest().algorithm().newMessageDigest();
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            int n;
            if (pos < have) {
                file.seek(pos);
                n = file.read(b, off, (int) Math.min(len, have - pos));
                if (n < 0) { // shortened by someone else: the end check fails
                    return finish();
                }
            } else {
                if (source == null) {
                    if (have == blob.size()) {
                        return finish();
                    }
                    source = content.open(have);
                }
                n = source.read(b, off, len);
                if (n < 0) {
                    return finish();
                }
                if (pos + n > blob.size()) {
                    mismatch = true;
                    throw new CorruptException("size mismatch: more than the expected " + blob.size() + " bytes of content");
                }
                file.seek(pos);
                file.write(b, off, n);
            }
            md.update(b, off, n);
            pos += n;
            return n;
        }

        private int finish() throws CorruptException {
            done = true;
            Digest got = Digest.of(blob.digest().algorithm(), md.digest());
            if (pos != blob.size() || !got.equals(blob.digest())) {
                mismatch = true;
                String from = have > 0 ? " (" + have + " of them from the partial " + path + ")" : "";
                throw new CorruptException(pos != blob.size()
                        ? "size mismatch: expected " + blob.size() + " bytes, got " + pos + from
                        : "digest mismatch: expected " + blob.digest() + ", content (" + pos + " bytes" + from + ") is " + got);
            }
            return -1;
        }

        @Override
        public void close() throws IOException {
            if (source != null) {
                source.close();
            }
        }
    }
}
