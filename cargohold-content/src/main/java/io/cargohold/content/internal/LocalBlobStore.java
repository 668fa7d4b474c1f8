package io.cargohold.content.internal;

import io.cargohold.content.BlobInfo;
import io.cargohold.content.BlobQuery;
import io.cargohold.content.BlobStore;
import io.cargohold.content.BlobWriter;
import io.cargohold.content.IngestStatus;
import io.cargohold.content.WriterOptions;
import io.cargohold.errors.FailedPreconditionException;
import io.cargohold.content.FsckOptions;
import io.cargohold.content.FsckReport;
import io.cargohold.content.KvRecord;
import io.cargohold.content.PutOptions;
import io.cargohold.content.PutResult;
import io.cargohold.content.StoreOptions;
import io.cargohold.content.StoreStats;
import io.cargohold.content.gc.GcOptions;
import io.cargohold.content.gc.GcReport;
import io.cargohold.content.gc.Leases;
import io.cargohold.content.gc.MarkSweep;
import io.cargohold.content.gc.ReferenceScanner;
import io.cargohold.content.gc.References;
import io.cargohold.fs.AtomicFile;
import io.cargohold.digest.Digest;
import io.cargohold.digest.DigestAlgorithm;
import io.cargohold.digest.DigestPrefix;
import io.cargohold.digest.DigestingInputStream;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.fs.Fsync;
import io.cargohold.fs.lock.LockMode;
import io.cargohold.fs.lock.PosixLockFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** The local, file-system backed {@link BlobStore}. See {@link BlobDirectory} and {@link StoreLocks}. */
public final class LocalBlobStore implements BlobStore {
    /** The media type grammar of the OCI image spec (RFC 6838). */
    private static final Pattern MEDIA_TYPE =
            Pattern.compile("[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}");
    private static final int BUFFER = 1 << 20;
    private static final int AMBIGUITY_LIST = 10;
    /** Blobs whose rows one gc transaction deletes before their files go. */
    private static final int GC_BATCH = 512;

    private final BlobDirectory dir;
    private final StoreLocks locks;
    private final IndexDatabase db;
    private final StoreOptions options;
    private final LocalIngests ingests;

    private LocalBlobStore(BlobDirectory dir, StoreLocks locks, IndexDatabase db, StoreOptions options) {
        this.dir = dir;
        this.locks = locks;
        this.db = db;
        this.options = options;
        this.ingests = new LocalIngests(this, dir, locks, options);
    }

    public static LocalBlobStore open(Path root, StoreOptions options) throws IOException {
        BlobDirectory dir = new BlobDirectory(root);
        String readOnly = readOnlyReason(dir);
        if (readOnly == null) {
            try {
                Files.createDirectories(dir.root());
            } catch (IOException e) {
                throw io.cargohold.fs.OsErrors.explain(e, "create the store directory", dir.root());
            }
        }
        for (Path file : new Path[] {dir.database(), dir.lockFile(), dir.indexJson(), dir.ociLayoutFile()}) {
            if (Files.isDirectory(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("cannot open the store at " + dir.root() + ": " + file
                        + " is a directory where a file was expected; move it away");
            }
        }
        for (Path d : new Path[] {dir.blobsDir(), dir.ingestDir()}) {
            if (Files.exists(d, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(d, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("cannot open the store at " + dir.root() + ": " + d
                        + " is a file where a directory was expected; move it away");
            }
        }
        StoreLocks locks = new StoreLocks(dir.lockFile(), options.lockTimeout(), readOnly);
        if (!dir.isInitialised()) {
            if (readOnly != null && Files.isDirectory(dir.blobsDir()) && Files.isRegularFile(dir.database())) {
                // read-only and missing only a directory an older version did not make: readable as it is
            } else {
                if (readOnly != null) {
                    throw new NotFoundException("no store at " + dir.root() + " (and it cannot be created: " + readOnly + ")");
                }
                try (var ex = locks.store(LockMode.EXCLUSIVE)) {
                    dir.initialise();
                }
            }
        }
        if (readOnly != null && !Files.exists(dir.database())) {
            throw new NotFoundException("no store at " + dir.root() + " (no index database, and it cannot be created: " + readOnly + ")");
        }
        IndexDatabase db;
        try {
            db = IndexDatabase.open(dir.database(), options.fsync(), readOnly);
        } catch (IOException e) {
            if (readOnly != null || !IndexDatabase.isOutOfSpace(e)) {
                throw e;
            }
            // A full file system: SQLite cannot even make its WAL index. Read (immutable) until a gc
            // frees room; writes fail saying so.
            db = IndexDatabase.open(dir.database(), options.fsync(), IndexDatabase.NO_SPACE);
        }
        try {
            if (db.versionAtOpen() != Migrations.current()) {
                try (var ex = locks.store(LockMode.EXCLUSIVE)) {
                    db.migrate(backupPath(dir));
                }
            }
            LocalBlobStore store = new LocalBlobStore(dir, locks, db, options);
            if (options.cleanTempFiles() && readOnly == null && !db.isReadOnly()) {
                store.ingests.cleanIfIdle();
            }
            return store;
        } catch (IOException | RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /**
     * Why the store cannot be written, or null when it can (or does not exist yet): a read-only file
     * system, or no write permission on the root, its lock file or its database (e.g. a store of
     * another user, readable to us). Such a store is opened for reading only.
     */
    static String readOnlyReason(BlobDirectory dir) throws IOException {
        Path root = dir.root();
        if (!Files.isDirectory(root)) {
            return null;
        }
        for (Path p : new Path[] {root, dir.lockFile(), dir.database()}) {
            if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try {
                p.getFileSystem().provider().checkAccess(p, java.nio.file.AccessMode.WRITE);
            } catch (java.nio.file.AccessDeniedException e) {
                return "permission denied on " + p;
            } catch (java.nio.file.FileSystemException e) {
                return String.valueOf(e.getReason()).contains("Read-only") ? "read-only file system" : e.getReason() + " on " + p;
            }
        }
        return null;
    }

    /** Why this store cannot be written, or null. */
    public String readOnly() {
        return locks.readOnly();
    }

    /**
     * The time to record: the index keeps milliseconds, so what a call returns (e.g. a put's
     * {@code addedAt}) is truncated the same way and equals what later reads report.
     */
    private static Instant now(StoreOptions options) {
        return options.clock().instant().truncatedTo(ChronoUnit.MILLIS);
    }

    static Path backupPath(BlobDirectory dir) {
        return dir.root().resolve("cargohold.db.pre-migration");
    }

    /** Test hook: the index database, for tests of migrations and of damaged stores. */
    IndexDatabase index() {
        return db;
    }

    @Override
    public Path root() {
        return dir.root();
    }

    // ---------------------------------------------------------------- reading

    @Override
    public Optional<BlobInfo> find(Digest digest) throws IOException {
        return db.find(digest);
    }

    @Override
    public BlobInfo info(Digest digest) throws IOException {
        return db.find(digest).orElseThrow(() -> notFound(digest));
    }

    private static NotFoundException notFound(Digest d) {
        return new NotFoundException("blob " + d + " not found");
    }

    @Override
    public InputStream open(Digest digest, Verify verify) throws IOException {
        BlobInfo info = info(digest);
        InputStream in;
        try {
            in = openBlobFile(digest, info, verify);
        } catch (NoSuchFileException e) {
            // Removed meanwhile (and maybe written again)? Decide under the digest's stripe lock, which
            // holds off commits and removals of this digest, so the row and the file are checked together
            // (a read-only store has no writer to race with).
            try (var stripe = locks.readOnly() != null ? null : locks.digest(digest)) {
                if (db.find(digest).isEmpty()) {
                    throw notFound(digest);
                }
                try {
                    in = openBlobFile(digest, info, verify);
                } catch (NoSuchFileException gone) {
                    throw new CorruptException("blob " + digest + " is indexed but its file " + dir.blobPath(digest)
                            + " is missing (run 'cargohold fsck')", gone);
                }
            }
        }
        if (verify == Verify.NONE) {
            return in;
        }
        return new DigestingInputStream(in, digest.algorithm()) {
            private boolean checked;

            @Override
            protected void atEof() throws IOException {
                if (checked) {
                    return;
                }
                checked = true;
                if (count() != info.size()) {
                    throw new CorruptException("blob " + digest + " is corrupt: " + count() + " bytes on disk, "
                            + info.size() + " recorded (run 'cargohold fsck')");
                }
                Digest actual = digest();
                if (!actual.equals(digest)) {
                    throw new CorruptException("blob " + digest + " is corrupt: its content hashes to " + actual
                            + " (run 'cargohold fsck')");
                }
            }
        };
    }

    /**
     * Opens a blob's file without following a link and refuses what it already knows is wrong, before
     * a byte is read: anything but a regular file (a link, a FIFO, a directory), and, when verifying,
     * a file whose size differs from the row's (the size is that of the open descriptor, so no race).
     */
    private InputStream openBlobFile(Digest digest, BlobInfo info, Verify verify) throws IOException {
        Path p = dir.blobPath(digest);
        var attrs = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        if (!attrs.isRegularFile()) {
            throw new CorruptException("blob " + digest + " is corrupt: " + p + " is not a regular file ("
                    + (attrs.isSymbolicLink() ? "a symbolic link" : attrs.isDirectory() ? "a directory" : "a special file")
                    + "); refusing to read it (run 'cargohold fsck')");
        }
        FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        try {
            if (verify != Verify.NONE && ch.size() != info.size()) {
                throw new CorruptException("blob " + digest + " is corrupt: " + ch.size() + " bytes on disk, "
                        + info.size() + " recorded (run 'cargohold fsck')");
            }
            return java.nio.channels.Channels.newInputStream(ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public Digest resolve(DigestPrefix prefix) throws IOException {
        if (prefix.isComplete()) {
            Digest d = new Digest(prefix.algorithm(), prefix.hexPrefix());
            info(d);
            return d;
        }
        List<Digest> found = db.candidates(prefix, AMBIGUITY_LIST + 1);
        if (found.isEmpty()) {
            throw new NotFoundException("no blob matches digest prefix \"" + prefix + "\"");
        }
        if (found.size() == 1) {
            return found.getFirst();
        }
        String names = found.stream().limit(AMBIGUITY_LIST).map(Digest::toString).collect(Collectors.joining(", "));
        throw new InvalidArgumentException("ambiguous digest prefix \"" + prefix + "\": it matches "
                + (found.size() > AMBIGUITY_LIST ? "more than " + AMBIGUITY_LIST + " blobs, among them " : found.size() + " blobs: ")
                + names);
    }

    @Override
    public List<BlobInfo> list(BlobQuery query) throws IOException {
        return db.list(query);
    }

    // ---------------------------------------------------------------- writing

    @Override
    public PutResult put(InputStream content, PutOptions opts) throws IOException {
        if (opts.mediaType() != null) {
            requireMediaType(opts.mediaType());
        }
        if (opts.pin() != null) {
            requireName("namespace", opts.pin().namespace());
            requireName("key", opts.pin().key());
            requireValue(opts.pin().value());
        }
        try (var shared = locks.store(LockMode.SHARED)) {
            Path tmp = dir.newTempFile();
            try {
                DigestAlgorithm algorithm = opts.algorithm();
                MessageDigest md = algorithm.newMessageDigest();
                long size = 0;
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    byte[] buf = new byte[BUFFER];
                    ByteBuffer bb = ByteBuffer.wrap(buf);
                    int n;
                    while ((n = content.read(buf)) >= 0) {
                        if (n == 0) {
                            continue;
                        }
                        md.update(buf, 0, n);
                        bb.clear().limit(n);
                        while (bb.hasRemaining()) {
                            ch.write(bb);
                        }
                        size += n;
                        if (opts.expectedSize() >= 0 && size > opts.expectedSize()) {
                            throw new CorruptException("size mismatch: more than the expected " + opts.expectedSize()
                                    + " bytes of content");
                        }
                        if (opts.progress() != null) {
                            opts.progress().accept(size);
                        }
                    }
                    if (options.fsync()) {
                        ch.force(true);
                    }
                }
                Digest actual = Digest.of(algorithm, md.digest());
                if (opts.expectedSize() >= 0 && size != opts.expectedSize()) {
                    throw new CorruptException("size mismatch: expected " + opts.expectedSize() + " bytes, got " + size
                            + " (truncated input?)");
                }
                if (opts.expectedDigest() != null && !actual.equals(opts.expectedDigest())) {
                    throw new CorruptException("digest mismatch: expected " + opts.expectedDigest() + ", content ("
                            + size + " bytes) is " + actual);
                }
                return commitFile(tmp, actual, size, opts.mediaType(), opts.pin());
            } catch (io.cargohold.errors.CargoholdException e) {
                throw e;
            } catch (IOException e) {
                throw io.cargohold.fs.OsErrors.explain(e, "write blob", tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * Renames a verified file (a put's temp file, an ingest's data) into place, unless the blob's file
     * is there already, and indexes it, under the digest's stripe lock; the caller holds the store lock
     * shared.
     */
    PutResult commitFile(Path tmp, Digest digest, long size, String mediaType, PutOptions.Pin pin) throws IOException {
        pin = pin != null ? pin : freshPin(digest);
        try (var stripe = locks.digest(digest)) {
            Path target = dir.blobPath(digest);
            boolean fileOk;
            try {
                fileOk = Files.size(target) == size;
            } catch (NoSuchFileException e) {
                fileOk = false;
            }
            if (!fileOk) {
                // Absent, or present with the wrong size (damaged): our verified copy replaces it.
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r--r--r--"));
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                if (options.fsync()) {
                    Fsync.directory(target.getParent());
                }
            }
            BlobInfo info = new BlobInfo(digest, size, mediaType, now(options));
            if (db.insertBlob(info, pin, now(options))) {
                return new PutResult(info, PutResult.Status.INSERTED);
            }
            return new PutResult(info(digest), PutResult.Status.ALREADY_PRESENT);
        }
    }

    /**
     * The fresh-blob lease of a put that brings no pin of its own ({@link Leases}): it keeps the blob
     * from garbage collection for the grace period, in the same transaction that indexes it; null when
     * the grace period is zero.
     */
    private PutOptions.Pin freshPin(Digest digest) {
        if (options.freshBlobGrace().isZero()) {
            return null;
        }
        return new PutOptions.Pin(Leases.NAMESPACE, Leases.freshKey(digest), now(options).plus(options.freshBlobGrace()).toString());
    }

    /** The blob when it is indexed and its file is there, else null. */
    BlobInfo presentBlob(Digest digest) throws IOException {
        Optional<BlobInfo> row = db.find(digest);
        return row.isPresent() && Files.isRegularFile(dir.blobPath(digest)) ? row.get() : null;
    }

    /**
     * The commit of a writer that found its blob stored: adds the media type (when the row has none)
     * and the pin to the row, in one transaction, under the same locks as a commit.
     *
     * @throws FailedPreconditionException when the blob has been removed since
     */
    PutResult commitPresent(BlobInfo blob, String mediaType, PutOptions.Pin pin) throws IOException {
        pin = pin != null ? pin : freshPin(blob.digest());
        try (var shared = locks.store(LockMode.SHARED); var stripe = locks.digest(blob.digest())) {
            if (db.find(blob.digest()).isEmpty()) {
                throw new FailedPreconditionException("blob " + blob.digest()
                        + " was removed after the writer found it stored; write it again");
            }
            db.insertBlob(new BlobInfo(blob.digest(), blob.size(), mediaType, now(options)), pin, now(options));
            return new PutResult(info(blob.digest()), PutResult.Status.ALREADY_PRESENT);
        }
    }

    // ---------------------------------------------------------------- resumable writes

    @Override
    public BlobWriter writer(String ref, WriterOptions opts) throws IOException {
        return ingests.writer(ref, opts);
    }

    @Override
    public IngestStatus status(String ref) throws IOException {
        return ingests.status(ref);
    }

    @Override
    public List<IngestStatus> ingests() throws IOException {
        return ingests.list();
    }

    @Override
    public void abort(String ref) throws IOException {
        ingests.abort(ref);
    }

    @Override
    public void delete(Digest digest) throws IOException {
        try (var shared = locks.store(LockMode.SHARED); var stripe = locks.digest(digest)) {
            boolean hadRow = db.deleteBlob(digest);
            Path file = dir.blobPath(digest);
            boolean hadFile = Files.deleteIfExists(file);
            if (hadFile && options.fsync()) {
                Fsync.directory(file.getParent());
            }
            if (!hadRow && !hadFile) {
                throw notFound(digest);
            }
        }
    }

    // ---------------------------------------------------------------- blob data

    @Override
    public void setData(Digest digest, String name, String value) throws IOException {
        requireName("data name", name);
        requireValue(value);
        db.setData(digest, name, value, now(options));
    }

    @Override
    public Optional<String> getData(Digest digest, String name) throws IOException {
        requireName("data name", name);
        return db.getData(digest, name);
    }

    @Override
    public Map<String, String> listData(Digest digest) throws IOException {
        return db.listData(digest);
    }

    @Override
    public boolean removeData(Digest digest, String name) throws IOException {
        requireName("data name", name);
        return db.removeData(digest, name);
    }

    // ---------------------------------------------------------------- key/value records

    @Override
    public KvRecord putRecord(String namespace, String key, String value, Digest blob) throws IOException {
        requireName("namespace", namespace);
        requireName("key", key);
        requireValue(value);
        try (var shared = locks.store(LockMode.SHARED)) {
            return db.putRecord(new KvRecord(namespace, key, value, blob, now(options)));
        }
    }

    @Override
    public Optional<KvRecord> getRecord(String namespace, String key) throws IOException {
        requireName("namespace", namespace);
        requireName("key", key);
        return db.getRecord(namespace, key);
    }

    @Override
    public List<KvRecord> listRecords(String namespace, String keyPrefix) throws IOException {
        requireName("namespace", namespace);
        return db.listRecords(namespace, keyPrefix == null ? "" : keyPrefix);
    }

    @Override
    public List<KvRecord> recordsReferencing(Digest blob) throws IOException {
        return db.recordsReferencing(blob);
    }

    @Override
    public boolean removeRecord(String namespace, String key) throws IOException {
        requireName("namespace", namespace);
        requireName("key", key);
        try (var shared = locks.store(LockMode.SHARED)) {
            return db.removeRecord(namespace, key);
        }
    }

    @Override
    public int removeRecords(String namespace, String keyPrefix) throws IOException {
        requireName("namespace", namespace);
        try (var shared = locks.store(LockMode.SHARED)) {
            return db.removeRecords(namespace, keyPrefix == null ? "" : keyPrefix);
        }
    }

    static void requireName(String what, String s) throws InvalidArgumentException {
        if (s == null || s.isEmpty()) {
            throw new InvalidArgumentException(what + " must not be empty");
        }
        if (s.length() > 4096) {
            throw new InvalidArgumentException(what + " is longer than 4096 characters");
        }
        if (s.indexOf('\0') >= 0) {
            throw new InvalidArgumentException(what + " must not contain NUL characters");
        }
    }

    static void requireValue(String v) throws InvalidArgumentException {
        if (v == null) {
            throw new InvalidArgumentException("value must not be null");
        }
    }

    static void requireMediaType(String t) throws InvalidArgumentException {
        if (!MEDIA_TYPE.matcher(t).matches()) {
            throw new InvalidArgumentException("invalid media type \"" + t + "\": expected type/subtype (RFC 6838)");
        }
    }

    // ---------------------------------------------------------------- maintenance

    @Override
    public StoreStats stats() throws IOException {
        long[] c = db.counts();
        long[] i = ingests.counts();
        return new StoreStats(dir.root(), db.schemaVersion(), c[0], c[1], c[2], c[3], i[0], i[1]);
    }

    static List<Path> listDir(Path d) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
            for (Path p : ds) {
                out.add(p);
            }
        }
        out.sort(null);
        return out;
    }

    @Override
    public FsckReport fsck(FsckOptions opts) throws IOException {
        // A store that cannot be written has no writer to hold off: it is checked without the lock
        // (which it could not take); a repair is refused by the lock.
        try (var ex = locks.readOnly() != null && !opts.repair() ? null : locks.store(LockMode.EXCLUSIVE)) {
            // Temp entries and expired ingests are leftovers (removed by repair); live ingests are neither.
            LocalIngests.Scan ingest = ingests.scan(opts.repair());
            Map<Digest, Long> rows = db.allSizes();
            Set<Digest> seen = new HashSet<>();
            List<Digest> unindexed = new ArrayList<>();
            List<FsckReport.Problem> corrupt = new ArrayList<>();
            List<Path> stray = new ArrayList<>();
            List<BlobInfo> reindex = new ArrayList<>();
            long checked = 0;
            long bytes = 0;
            for (Path entry : listDir(dir.blobsDir())) {
                DigestAlgorithm algorithm = algorithmOf(entry);
                if (algorithm == null) {
                    stray.add(entry);
                    continue;
                }
                for (Path file : listDir(entry)) {
                    Digest d = digestOf(algorithm, file);
                    if (d == null || !Files.isRegularFile(file)) {
                        stray.add(file);
                        continue;
                    }
                    seen.add(d);
                    long size = Files.size(file);
                    Long rowSize = rows.get(d);
                    checked++;
                    if (opts.verifyContent() || rowSize == null) {
                        bytes += size;
                        Digest actual = hash(file, algorithm);
                        if (!actual.equals(d)) {
                            corrupt.add(new FsckReport.Problem(d, "content hashes to " + actual));
                            continue;
                        }
                    }
                    if (rowSize == null) {
                        unindexed.add(d);
                        reindex.add(new BlobInfo(d, size, null, now(options)));
                    } else if (rowSize != size) {
                        corrupt.add(new FsckReport.Problem(d, "size on disk is " + size + " bytes, the index records " + rowSize));
                    }
                }
            }
            List<Digest> missing = rows.keySet().stream().filter(d -> !seen.contains(d)).sorted().toList();
            if (opts.repair() && !reindex.isEmpty()) {
                db.insertBlobs(reindex);
            }
            return new FsckReport(unindexed, missing, corrupt, ingest.temps(), stray, db.integrityCheck(), checked, bytes,
                    opts.repair(), ingest.live(), ingest.expired());
        }
    }

    private static DigestAlgorithm algorithmOf(Path dirEntry) {
        if (!Files.isDirectory(dirEntry)) {
            return null;
        }
        for (DigestAlgorithm a : DigestAlgorithm.values()) {
            if (a.ociName().equals(dirEntry.getFileName().toString())) {
                return a;
            }
        }
        return null;
    }

    private static Digest digestOf(DigestAlgorithm a, Path file) {
        try {
            return Digest.parse(a.ociName() + ":" + file.getFileName());
        } catch (InvalidArgumentException e) {
            return null;
        }
    }

    static Digest hash(Path file, DigestAlgorithm a) throws IOException {
        MessageDigest md = a.newMessageDigest();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
            while (ch.read(buf.clear()) >= 0) {
                md.update(buf.flip());
            }
        }
        return Digest.of(a, md.digest());
    }

    // ---------------------------------------------------------------- garbage collection

    @Override
    public GcReport collectGarbage(GcOptions opts, ReferenceScanner scanner) throws IOException {
        try (var ex = locks.store(LockMode.EXCLUSIVE)) {
            IndexDatabase db = this.db;
            IndexDatabase fresh = null;
            if (!opts.dryRun()) {
                // Room for the database writes below even on a full file system (made again at the end).
                Files.deleteIfExists(dir.reserveFile());
                if (db.isReadOnly() && locks.readOnly() == null) {
                    db = fresh = IndexDatabase.open(dir.database(), options.fsync()); // opened on a full disk: now there is room
                }
            }
            try {
            Instant now = now(options);
            java.util.function.Predicate<KvRecord> isExpired = r -> Leases.isExpired(r, now) || opts.expired().test(r);
            List<KvRecord> pinning = db.recordsWithBlobs();
            List<KvRecord> expired = pinning.stream().filter(isExpired).toList();
            if (!opts.dryRun() && !expired.isEmpty()) {
                db.removeRecords(expired);
            }
            Set<Digest> roots = new java.util.TreeSet<>();
            pinning.stream().filter(isExpired.negate()).forEach(r -> roots.add(r.blob()));
            roots.addAll(opts.extraRoots());
            List<GcReport.Problem> unreadable = new ArrayList<>();
            // Every row at once: the exclusive lock keeps them as they are (puts and removals hold it
            // shared), and one query is much quicker than a lookup per node (bench/README.md, issue 4).
            Map<Digest, BlobInfo> all = db.allBlobs();
            Set<Digest> reachable = MarkSweep.mark(roots, d -> {
                BlobInfo info = all.get(d);
                if (info == null) {
                    return Set.of();
                }
                References refs = scanner.scan(info, () -> open(d, Verify.NONE));
                if (refs.problem() != null) {
                    unreadable.add(new GcReport.Problem(d, refs.problem()));
                }
                return refs.children();
            });
            List<Digest> garbage = new ArrayList<>();
            MarkSweep.sweep(all, reachable, e -> garbage.add(e.getKey()));
            garbage.sort(null);
            List<BlobInfo> removed = new ArrayList<>();
            if (opts.dryRun()) {
                for (Digest d : garbage) {
                    removed.add(all.get(d));
                }
            } else {
                // In batches, rows then files: on a full file system each batch's files free room for the next
                // batch's database writes.
                for (int from = 0; from < garbage.size(); from += GC_BATCH) {
                    Set<Path> dirs = new HashSet<>();
                    for (Digest d : db.deleteUnreferencedBlobs(garbage.subList(from, Math.min(garbage.size(), from + GC_BATCH)))) {
                        Path file = dir.blobPath(d);
                        Files.deleteIfExists(file);
                        dirs.add(file.getParent());
                        removed.add(all.get(d));
                    }
                    if (options.fsync()) {
                        for (Path p : dirs) {
                            Fsync.directory(p);
                        }
                    }
                }
                dir.makeReserve();
            }
            long bytes = removed.stream().mapToLong(BlobInfo::size).sum();
            return new GcReport(removed, bytes, expired, unreadable, roots.size(), reachable.size(), opts.dryRun());
            } finally {
                if (fresh != null) {
                    fresh.close();
                }
            }
        }
    }

    @Override
    public <T> T withLayoutIndex(LayoutIndexWork<T> work) throws IOException {
        // A store that cannot be written is read without the lock; its writer fails with the reason.
        try (var held = locks.readOnly() != null ? null : locks.layoutIndex()) {
            byte[] current;
            try {
                current = readRegular(dir.indexJson(), 4 << 20);
            } catch (NoSuchFileException e) {
                current = null;
            }
            return work.run(current, bytes -> {
                if (locks.readOnly() != null) {
                    throw StoreLocks.readOnlyError(dir.root(), locks.readOnly());
                }
                try {
                    AtomicFile.write(dir.indexJson(), bytes);
                } catch (io.cargohold.errors.CargoholdException e) {
                    throw e;
                } catch (IOException e) {
                    throw io.cargohold.fs.OsErrors.explain(e, "write", dir.indexJson());
                }
            });
        }
    }

    /** A small file, only when it is a regular file (never a link, FIFO or directory), at most {@code max} bytes. */
    static byte[] readRegular(Path p, int max) throws IOException {
        var attrs = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        if (!attrs.isRegularFile()) {
            throw new CorruptException(p + " is not a regular file; move it away and run 'cargohold fsck --repair'");
        }
        try (InputStream in = Files.newInputStream(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            byte[] b = in.readNBytes(max + 1);
            if (b.length > max) {
                throw new CorruptException(p + " is larger than " + max + " bytes");
            }
            return b;
        }
    }

    @Override
    public void replaceLayoutIndex(ContentSupplier content) throws IOException {
        try (var held = locks.layoutIndex()) {
            AtomicFile.write(dir.indexJson(), content.get());
        }
    }

    /** See {@link io.cargohold.content.BlobStores#rebuildIndex}. */
    public static io.cargohold.content.RebuildReport rebuildIndex(Path root, StoreOptions options) throws IOException {
        BlobDirectory dir = new BlobDirectory(root);
        if (!Files.isDirectory(dir.blobsDir())) {
            throw new NotFoundException("no store at " + dir.root());
        }
        StoreLocks locks = new StoreLocks(PosixLockFile.of(dir.lockFile()), options.lockTimeout());
        try (var ex = locks.store(LockMode.EXCLUSIVE)) {
            dir.initialise();
            Path moved = null;
            if (Files.exists(dir.database())) {
                String stamp = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss")
                        .format(options.clock().instant().atZone(java.time.ZoneOffset.UTC));
                moved = dir.root().resolve("cargohold.db.corrupt-" + stamp);
                for (int n = 2; Files.exists(moved); n++) {
                    moved = dir.root().resolve("cargohold.db.corrupt-" + stamp + "-" + n); // never overwrite a kept copy
                }
                Files.move(dir.database(), moved, StandardCopyOption.ATOMIC_MOVE);
                Path wal = dir.root().resolve("cargohold.db-wal");
                if (Files.exists(wal)) {
                    Files.move(wal, dir.root().resolve(moved.getFileName() + "-wal"), StandardCopyOption.ATOMIC_MOVE);
                }
                Files.deleteIfExists(dir.root().resolve("cargohold.db-shm"));
            }
            try (IndexDatabase db = IndexDatabase.open(dir.database(), options.fsync())) {
                db.migrate(backupPath(dir));
                List<BlobInfo> rows = new ArrayList<>();
                for (DigestAlgorithm a : DigestAlgorithm.values()) {
                    for (Path file : listDir(dir.algorithmDir(a))) {
                        Digest d = digestOf(a, file);
                        if (d != null && Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS) && hash(file, a).equals(d)) {
                            rows.add(new BlobInfo(d, Files.size(file), null, now(options)));
                        }
                    }
                }
                db.insertBlobs(rows);
                if (moved == null) {
                    return new io.cargohold.content.RebuildReport(null, rows.size(), 0, 0, 0, 0, null);
                }
                IndexDatabase.Salvage old = IndexDatabase.salvage(moved);
                Set<Digest> present = new HashSet<>();
                rows.forEach(r -> present.add(r.digest()));
                int[] restored = db.restore(old, present);
                return new io.cargohold.content.RebuildReport(moved, rows.size(), restored[0], restored[1], restored[2], restored[3],
                        old.problem());
            }
        }
    }

    @Override
    public void close() {
        db.close();
    }
}
