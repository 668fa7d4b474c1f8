package io.cargohold.content.internal;

import io.cargohold.content.BlobInfo;
import io.cargohold.content.BlobWriter;
import io.cargohold.content.IngestStatus;
import io.cargohold.content.PutOptions;
import io.cargohold.content.PutResult;
import io.cargohold.content.StoreOptions;
import io.cargohold.content.WriterOptions;
import io.cargohold.digest.DigestAlgorithm;
import io.cargohold.errors.NotFoundException;
import io.cargohold.errors.UnavailableException;
import io.cargohold.fs.AtomicFile;
import io.cargohold.fs.Fsync;
import io.cargohold.fs.lock.LockMode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Resumable ingests (containerd's ingest/commit contract) in {@code ingest/<sha256 of ref>/}: creating,
 * resuming, listing, aborting and expiring them, and committing a writer's content through the
 * store's commit. Locks: an ingest is changed only under its ref's lock ({@link StoreLocks}); its
 * directory appears and disappears by rename (created complete as a {@code *.tmp} directory, removed
 * by renaming it to one first) under the store lock held shared, so that the cleanup of temp entries
 * (store lock exclusive) never races with either, and a crash at any moment leaves either a complete
 * ingest directory or a temp entry.
 *
 * <p>Nothing of an ingest's metadata is forced to disk when it is created: a torn ingest (a ref or
 * total file that does not read back as written) is discarded by the next writer of the ref, and the
 * content is verified against its digest at commit, so no torn state is ever trusted. The data is
 * forced when a writer closes or commits.
 */
final class LocalIngests {
    /** Made on first use, and only for a level the application logs: the JDK finds its System.LoggerFinder by scanning the class path. */
    private static final io.cargohold.logging.LazyLogger LOG = io.cargohold.logging.LazyLogger.of(LocalIngests.class);

    private final LocalBlobStore store;
    private final BlobDirectory dir;
    private final StoreLocks locks;
    private final StoreOptions options;

    LocalIngests(LocalBlobStore store, BlobDirectory dir, StoreLocks locks, StoreOptions options) {
        this.store = store;
        this.dir = dir;
        this.locks = locks;
        this.options = options;
    }

    Instant now() {
        return options.clock().instant().truncatedTo(ChronoUnit.MILLIS);
    }

    boolean fsync() {
        return options.fsync();
    }

    // ---------------------------------------------------------------- writers

    BlobWriter writer(String ref, WriterOptions opts) throws IOException {
        LocalBlobStore.requireName("ref", ref);
        if (opts.mediaType() != null) {
            LocalBlobStore.requireMediaType(opts.mediaType());
        }
        if (opts.pin() != null) {
            LocalBlobStore.requireName("namespace", opts.pin().namespace());
            LocalBlobStore.requireName("key", opts.pin().key());
            LocalBlobStore.requireValue(opts.pin().value());
        }
        BlobDirectory.Ingest in = dir.ingest(ref);
        if (opts.expectedDigest() != null) {
            // Stored already: nothing to write and no reason to wait for the ref's holder.
            BlobInfo present = store.presentBlob(opts.expectedDigest());
            if (present != null) {
                if (Files.isDirectory(in.dir())) {
                    try (IngestLock l = locks.tryIngest(in.refHash())) {
                        if (l != null) {
                            remove(in, false);
                        }
                    }
                }
                return new PresentBlobWriter(this, ref, present, opts, now());
            }
        }
        IngestLock lock;
        try {
            lock = locks.ingest(in.refHash(), opts.lockTimeout());
        } catch (UnavailableException busy) {
            throw busy(ref, in, busy);
        }
        boolean handedOver = false;
        try {
            if (opts.expectedDigest() != null) {
                // Committed by the writer this one waited for? Then reuse its work.
                BlobInfo present = store.presentBlob(opts.expectedDigest());
                if (present != null) {
                    remove(in, false); // what an earlier, interrupted writer of the ref left is of no use now
                    return new PresentBlobWriter(this, ref, present, opts, now());
                }
            }
            LocalBlobWriter w = open(ref, in, opts, lock);
            handedOver = true;
            return w;
        } finally {
            if (!handedOver) {
                lock.close();
            }
        }
    }

    /** Resumes the ingest of {@code ref} when it is usable, else (re)creates it; the caller holds the ref. */
    private LocalBlobWriter open(String ref, BlobDirectory.Ingest in, WriterOptions opts, IngestLock lock) throws IOException {
        DigestAlgorithm algorithm = opts.algorithm();
        if (Files.isDirectory(in.dir())) {
            String unusable = unusable(in, ref, opts);
            if (unusable == null) {
                Instant started = readInstant(in.startedAt());
                long total = opts.expectedSize() >= 0 ? opts.expectedSize() : readTotal(in);
                if (opts.expectedSize() >= 0 && !Files.exists(in.total())) {
                    AtomicFile.write(in.total(), Long.toString(total).getBytes(StandardCharsets.UTF_8));
                }
                Instant now = now();
                AtomicFile.write(in.updatedAt(), now.toString().getBytes(StandardCharsets.UTF_8)); // "locked since"
                if (!Files.isWritable(in.data())) {
                    // made read-only by a commit whose rename then failed
                    Files.setPosixFilePermissions(in.data(), java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
                }
                FileChannel ch = FileChannel.open(in.data(), StandardOpenOption.READ, StandardOpenOption.WRITE);
                try {
                    // SHA-2 state cannot be saved and restored through the JDK's API: hash what is there.
                    MessageDigest md = algorithm.newMessageDigest();
                    long offset = rehash(ch, md);
                    ch.position(offset);
                    return new LocalBlobWriter(this, ref, in, opts, lock, ch, md, offset, total,
                            started != null ? started : now, now);
                } catch (IOException | RuntimeException e) {
                    ch.close();
                    throw e;
                }
            }
            LOG.log(System.Logger.Level.INFO, "cargohold: discarding ingest ref \"{0}\" in {1}: {2}", ref, in.dir(), unusable);
            remove(in, false);
        }
        Instant now = now();
        create(in, ref, opts.expectedSize(), now);
        FileChannel ch = FileChannel.open(in.data(), StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new LocalBlobWriter(this, ref, in, opts, lock, ch, algorithm.newMessageDigest(), 0, opts.expectedSize(), now, now);
    }

    /** Why an existing ingest cannot be resumed under {@code opts}, or null when it can. */
    private static String unusable(BlobDirectory.Ingest in, String ref, WriterOptions opts) {
        try {
            String recorded = Files.readString(in.ref(), StandardCharsets.UTF_8);
            if (!recorded.equals(ref)) {
                return "its ref file names \"" + recorded + "\"";
            }
            long length = Files.size(in.data());
            long total = readTotal(in);
            if (Files.exists(in.total()) && total < 0) {
                return "its total file does not hold a size";
            }
            if (total >= 0 && opts.expectedSize() >= 0 && total != opts.expectedSize()) {
                return "its total " + total + " differs from the expected size " + opts.expectedSize();
            }
            if (total < 0) {
                total = opts.expectedSize();
            }
            if (total >= 0 && length > total) {
                return "its data (" + length + " bytes) is longer than its total " + total;
            }
            return null;
        } catch (NoSuchFileException e) {
            return "it has no " + e.getFile().substring(e.getFile().lastIndexOf('/') + 1) + " file";
        } catch (IOException | RuntimeException e) {
            return "it cannot be read: " + e;
        }
    }

    private static long rehash(FileChannel ch, MessageDigest md) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        long n = 0;
        int r;
        while ((r = ch.read(buf.clear(), n)) >= 0) {
            md.update(buf.flip());
            n += r;
        }
        return n;
    }

    /** Creates an ingest directory complete, by rename, under the store lock (shared). */
    private void create(BlobDirectory.Ingest in, String ref, long total, Instant now) throws IOException {
        try (var shared = locks.store(LockMode.SHARED)) {
            Path tmp = dir.newTempDir();
            Files.createDirectory(tmp);
            boolean done = false;
            try {
                BlobDirectory.Ingest t = new BlobDirectory.Ingest(tmp);
                Files.writeString(t.ref(), ref, StandardCharsets.UTF_8);
                Files.writeString(t.startedAt(), now.toString(), StandardCharsets.UTF_8);
                Files.writeString(t.updatedAt(), now.toString(), StandardCharsets.UTF_8);
                if (total >= 0) {
                    Files.writeString(t.total(), Long.toString(total), StandardCharsets.UTF_8);
                }
                Files.createFile(t.data());
                Files.move(tmp, in.dir(), StandardCopyOption.ATOMIC_MOVE);
                done = true;
            } finally {
                if (!done) {
                    deleteTree(tmp);
                }
            }
        }
    }

    /**
     * Removes an ingest directory (rename to a temp name, then delete), under the store lock shared
     * unless the caller holds the store lock already; the caller holds the ref's lock.
     *
     * @return false when there was none
     */
    boolean remove(BlobDirectory.Ingest in, boolean storeLocked) throws IOException {
        try (var shared = storeLocked ? null : locks.store(LockMode.SHARED)) {
            Path tmp = dir.newTempDir();
            try {
                Files.move(in.dir(), tmp, StandardCopyOption.ATOMIC_MOVE);
            } catch (NoSuchFileException e) {
                return false;
            }
            deleteTree(tmp);
            return true;
        }
    }

    /** Commits a verified ingest: under the store lock (shared), into blobs/ and the index, then removes it. */
    PutResult commit(BlobDirectory.Ingest in, io.cargohold.digest.Digest digest, long size, String mediaType,
                     PutOptions.Pin pin) throws IOException {
        try (var shared = locks.store(LockMode.SHARED)) {
            PutResult r = store.commitFile(in.data(), digest, size, mediaType, pin);
            try {
                remove(in, true);
            } catch (IOException e) {
                // The blob is committed; what is left of the ingest is discarded by the next writer of
                // the ref or expires (containerd, too, only logs failures after the rename).
                LOG.log(System.Logger.Level.WARNING, "cargohold: committed " + digest + " but could not remove ingest " + in.dir(), e);
            }
            return r;
        }
    }

    io.cargohold.digest.Digest hashBlob(io.cargohold.digest.Digest d, DigestAlgorithm a) throws IOException {
        return LocalBlobStore.hash(dir.blobPath(d), a);
    }

    PutResult commitPresent(BlobInfo blob, String mediaType, PutOptions.Pin pin) throws IOException {
        return store.commitPresent(blob, mediaType, pin);
    }

    /** After a writer's close: the data is forced, the time of the last write recorded. */
    void closed(BlobDirectory.Ingest in, Instant updatedAt) throws IOException {
        AtomicFile.write(in.updatedAt(), updatedAt.toString().getBytes(StandardCharsets.UTF_8));
        if (options.fsync()) {
            Fsync.directory(dir.ingestDir());
        }
    }

    /** The busy error, as containerd's ("ref R locked for D (since T)") plus who holds it. */
    private UnavailableException busy(String ref, BlobDirectory.Ingest in, UnavailableException cause) {
        Instant since = readInstant(in.updatedAt()); // a writer records there when it took the ref
        String held = since == null ? "" : " for " + goDuration(Duration.between(since, options.clock().instant()))
                + " (since " + since + ")";
        return new UnavailableException("ref " + ref + " locked" + held + ": " + cause.getMessage(), cause);
    }

    /** Go's time.Duration String for non-negative durations (1.5s, 2m3.25s, 450ms). */
    static String goDuration(Duration d) {
        if (d.isNegative()) {
            d = Duration.ZERO;
        }
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        long h = ms / 3_600_000;
        long m = ms / 60_000 % 60;
        long s = ms / 1000 % 60;
        long frac = ms % 1000;
        StringBuilder b = new StringBuilder();
        if (h > 0) {
            b.append(h).append('h');
        }
        if (h > 0 || m > 0) {
            b.append(m).append('m');
        }
        b.append(s);
        if (frac > 0) {
            b.append('.').append(String.format("%03d", frac).replaceAll("0+$", ""));
        }
        return b.append('s').toString();
    }

    // ---------------------------------------------------------------- status, abort

    IngestStatus status(String ref) throws IOException {
        LocalBlobStore.requireName("ref", ref);
        IngestStatus s = readStatus(dir.ingest(ref));
        if (s == null || !s.ref().equals(ref)) {
            throw notFound(ref);
        }
        return s;
    }

    private static NotFoundException notFound(String ref) {
        return new NotFoundException("ingest ref \"" + ref + "\": not found");
    }

    List<IngestStatus> list() throws IOException {
        List<IngestStatus> out = new ArrayList<>();
        for (Path entry : LocalBlobStore.listDir(dir.ingestDir())) {
            BlobDirectory.Ingest in = dir.ingestAt(entry);
            if (in != null && Files.isDirectory(entry)) {
                IngestStatus s = readStatus(in);
                if (s != null) {
                    out.add(s);
                }
            }
        }
        // not Comparator.comparing: its lambda is spun at run time in every status (not kept by the AOT cache)
        out.sort((a, b) -> a.ref().compareTo(b.ref()));
        return out;
    }

    void abort(String ref) throws IOException {
        LocalBlobStore.requireName("ref", ref);
        BlobDirectory.Ingest in = dir.ingest(ref);
        IngestLock lock;
        try {
            lock = locks.ingest(in.refHash(), null);
        } catch (UnavailableException busy) {
            throw busy(ref, in, busy);
        }
        try (lock) {
            if (!remove(in, false)) {
                throw notFound(ref);
            }
        }
    }

    /**
     * What an ingest directory says, read without its lock (as containerd does), or null when it is
     * gone or has no ref file. The offset is the data's length; the update time the later of
     * {@code updatedat} and the data's modification time (the former is written only when a writer
     * takes or releases the ref).
     */
    IngestStatus readStatus(BlobDirectory.Ingest in) {
        try {
            String ref = Files.readString(in.ref(), StandardCharsets.UTF_8);
            long offset = 0;
            Instant modified = null;
            try {
                BasicFileAttributes a = Files.readAttributes(in.data(), BasicFileAttributes.class);
                offset = a.size();
                modified = a.lastModifiedTime().toInstant().truncatedTo(ChronoUnit.MILLIS);
            } catch (NoSuchFileException e) {
                // moved into blobs/ by a commit that has not removed the directory yet (or a crash there)
            }
            Instant updated = readInstant(in.updatedAt());
            if (updated == null || modified != null && modified.isAfter(updated)) {
                updated = modified;
            }
            Instant started = readInstant(in.startedAt());
            if (updated == null) {
                updated = Files.getLastModifiedTime(in.dir()).toInstant().truncatedTo(ChronoUnit.MILLIS);
            }
            return new IngestStatus(ref, offset, readTotal(in), started != null ? started : updated, updated);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Instant readInstant(Path file) {
        try {
            return Instant.parse(Files.readString(file, StandardCharsets.UTF_8).strip());
        } catch (IOException | DateTimeParseException e) {
            return null;
        }
    }

    /** The recorded total, -1 when there is none or it is not a size. */
    private static long readTotal(BlobDirectory.Ingest in) {
        try {
            long t = Long.parseLong(Files.readString(in.total(), StandardCharsets.UTF_8).strip());
            return t >= 0 ? t : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    // ---------------------------------------------------------------- cleanup

    /** The entries of {@code ingest/}, sorted by what they are. */
    record Scan(List<Path> temps, List<IngestStatus> live, List<IngestStatus> expired) {
    }

    /**
     * Classifies (and with {@code repair} removes) what is in {@code ingest/}: temp entries (anything
     * not named like an ingest directory, and ingest directories without a readable ref), live
     * ingests, and expired ones (not written to for {@link StoreOptions#ingestExpiry()}). An ingest
     * whose ref a writer holds is live whatever its age: it is only ever <em>tried</em>, never waited
     * for. The caller holds the store lock exclusively, so no ingest is being created, committed or
     * removed meanwhile.
     */
    Scan scan(boolean repair) throws IOException {
        List<Path> temps = new ArrayList<>();
        List<IngestStatus> live = new ArrayList<>();
        List<IngestStatus> expired = new ArrayList<>();
        Instant cutoff = options.ingestExpiry() == null ? null : options.clock().instant().minus(options.ingestExpiry());
        for (Path entry : LocalBlobStore.listDir(dir.ingestDir())) {
            BlobDirectory.Ingest in = dir.ingestAt(entry);
            if (in == null || !Files.isDirectory(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                temps.add(entry);
                if (repair) {
                    deleteTree(entry);
                }
                continue;
            }
            IngestStatus s = readStatus(in);
            if (s != null && (cutoff == null || !s.updatedAt().isBefore(cutoff))) {
                live.add(s);
                continue;
            }
            try (IngestLock l = locks.tryIngest(in.refHash())) {
                if (l == null) {
                    if (s != null) {
                        live.add(s); // a writer holds it: in flight
                    }
                    continue;
                }
                s = readStatus(in); // again, under the lock
                if (s == null) {
                    if (Files.exists(entry)) {
                        temps.add(entry);
                        if (repair) {
                            remove(in, true);
                        }
                    }
                } else if (cutoff != null && s.updatedAt().isBefore(cutoff)) {
                    expired.add(s);
                    if (repair) {
                        remove(in, true);
                    }
                } else {
                    live.add(s);
                }
            }
        }
        live.sort(Comparator.comparing(IngestStatus::ref));
        expired.sort(Comparator.comparing(IngestStatus::ref));
        return new Scan(temps, live, expired);
    }

    /**
     * On open: removes temp entries and expired ingests when there are any and no write is in flight
     * anywhere (the store lock is free); never waits. Removed ingests are reported to the
     * {@link System.Logger} of this class (INFO).
     */
    void cleanIfIdle() throws IOException {
        List<Path> entries = LocalBlobStore.listDir(dir.ingestDir());
        if (entries.isEmpty() || !anythingToClean(entries)) {
            return;
        }
        try (var ex = locks.tryStoreExclusive()) {
            if (ex == null) {
                return;
            }
            for (IngestStatus s : scan(true).expired()) {
                LOG.log(System.Logger.Level.INFO, "cargohold: removed expired ingest ref \"{0}\" ({1} bytes, not written to since {2})",
                        s.ref(), s.offset(), s.updatedAt());
            }
        }
    }

    private boolean anythingToClean(List<Path> entries) {
        Instant cutoff = options.ingestExpiry() == null ? null : options.clock().instant().minus(options.ingestExpiry());
        for (Path entry : entries) {
            BlobDirectory.Ingest in = dir.ingestAt(entry);
            if (in == null || !Files.isDirectory(entry)) {
                return true;
            }
            IngestStatus s = readStatus(in);
            if (s == null || cutoff != null && s.updatedAt().isBefore(cutoff)) {
                return true;
            }
        }
        return false;
    }

    /** The number of ingests and the bytes they hold. */
    long[] counts() throws IOException {
        long n = 0;
        long bytes = 0;
        for (IngestStatus s : list()) {
            n++;
            bytes += s.offset();
        }
        return new long[] {n, bytes};
    }

    static void deleteTree(Path p) throws IOException {
        io.cargohold.fs.FileTrees.deleteRecursively(p);
    }
}
