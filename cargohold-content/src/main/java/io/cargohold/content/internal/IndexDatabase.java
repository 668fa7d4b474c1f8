package io.cargohold.content.internal;

import io.cargohold.content.BlobInfo;
import io.cargohold.content.BlobQuery;
import io.cargohold.content.KvRecord;
import io.cargohold.digest.Digest;
import io.cargohold.digest.DigestAlgorithm;
import io.cargohold.digest.DigestPrefix;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.FailedPreconditionException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.errors.UnavailableException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteException;

/**
 * The index: the only code that speaks SQL. One long-lived writer connection (its users serialised by
 * a lock; across processes SQLite's {@code BEGIN IMMEDIATE} with a busy timeout serialises writers)
 * and a pool of reader connections, which in WAL mode never wait for writers. The writer is connected
 * on the first write: a process that only reads (most CLI commands) opens one connection, not two
 * (each costs a few milliseconds of the driver's set-up at start-up).
 */
final class IndexDatabase implements AutoCloseable {
    private static final int BUSY_TIMEOUT_MS = 60_000;

    private final Path file;
    private final boolean fsync;
    /** Why the store cannot be written, or null: then no writer connection, readers read-only. */
    private final String readOnly;
    /** Read-only readers fell back to SQLite's immutable mode (no -shm could be had). */
    private volatile boolean immutable;
    private Connection writer; // guarded by writeLock; null until the first write
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ConcurrentLinkedDeque<Connection> readers = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;
    /** The schema version read when opened (the open's check that the file reads as a database). */
    private int versionAtOpen;

    /** The read-only reason of a database opened on a full file system. */
    static final String NO_SPACE = "no space left on device";

    /** True when opening failed because the file system is full (SQLITE_FULL, or the WAL index could not grow). */
    static boolean isOutOfSpace(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLiteException se) {
                int primary = se.getResultCode().code & 0xff;
                return primary == 13 || se.getResultCode() == org.sqlite.SQLiteErrorCode.SQLITE_IOERR_SHMSIZE;
            }
        }
        return false;
    }

    boolean isReadOnly() {
        return readOnly != null;
    }

    private IndexDatabase(Path file, boolean fsync, String readOnly) throws IOException {
        this.file = file;
        this.fsync = fsync;
        this.readOnly = readOnly;
    }

    /** Opens the database file (creating it when absent) and checks that it is readable. */
    static IndexDatabase open(Path file, boolean fsync) throws IOException {
        return open(file, fsync, null);
    }

    /**
     * Opens the database; with {@code readOnly} (the reason the store cannot be written) only for
     * reading: SQLite's read-only mode, or, when even that needs to create a file it cannot (the WAL
     * index of a read-only directory), its immutable mode; every write then fails with the reason.
     */
    static IndexDatabase open(Path file, boolean fsync, String readOnly) throws IOException {
        IndexDatabase db = new IndexDatabase(file, fsync, readOnly);
        try {
            db.versionAtOpen = db.schemaVersion();
            return db;
        } catch (IOException | RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /**
     * Loads sqlite-jdbc's native library (once per process: the driver's own idempotent load, which every
     * connection calls). A connection calls it only after building its config, whose eagerly made date format
     * (unused here: the index stores times as integers) loads the default time zone and the locale data,
     * 20-40 ms in a fresh JVM; the library and the driver's logger take about as long. Loading the library
     * first lets the CLI's start-up thread prepare that data meanwhile (io.cargohold.StartupWarmup,
     * cargohold.warmup.calendar) instead of this thread doing one after the other. A failure reads as the
     * connection's own would ("Error opening connection", the loader's exception as the cause).
     */
    private void loadDriver() throws IOException {
        try {
            org.sqlite.core.NativeDB.load();
        } catch (Exception e) {
            throw translate(new SQLException("Error opening connection", e), "open index database " + file);
        }
    }

    /**
     * A new connection: for the writer ({@code forWrites}) with foreign keys enforced and the store's
     * synchronous mode; a reader sets neither (each is a statement the driver runs at every open, and
     * neither changes what a read sees).
     */
    private Connection connect(boolean forWrites) throws IOException {
        loadDriver();
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setBusyTimeout(BUSY_TIMEOUT_MS);
        if (forWrites) {
            cfg.enforceForeignKeys(true);
        }
        if (readOnly == null) {
            if (forWrites) {
                cfg.setSynchronous(fsync ? SQLiteConfig.SynchronousMode.FULL : SQLiteConfig.SynchronousMode.OFF);
            }
            try {
                return org.sqlite.JDBC.createConnection("jdbc:sqlite:" + file, cfg.toProperties());
            } catch (SQLException e) {
                throw translate(e, "open index database " + file);
            }
        }
        cfg.setReadOnly(true);
        if (!immutable) {
            Connection c = null;
            try {
                c = org.sqlite.JDBC.createConnection("jdbc:sqlite:" + file, cfg.toProperties());
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master")) {
                    rs.next();
                }
                return c;
            } catch (SQLException e) {
                if (c != null) {
                    closeQuietly(c);
                }
                immutable = true; // e.g. SQLITE_CANTOPEN: the WAL index cannot be created here
            }
        }
        try {
            return org.sqlite.JDBC.createConnection("jdbc:sqlite:file:" + file.toAbsolutePath().toUri().getRawPath() + "?immutable=1",
                    cfg.toProperties());
        } catch (SQLException e) {
            throw translate(e, "open index database " + file + " read-only");
        }
    }

    Path file() {
        return file;
    }

    /** The writer connection, connected on first use; call with writeLock held. */
    private Connection writer() throws IOException {
        ensureOpen();
        if (writer == null) {
            writer = connect(true);
        }
        return writer;
    }

    // ---------------------------------------------------------------- plumbing

    @FunctionalInterface
    interface Sql<T> {
        T run(Connection c) throws SQLException, IOException;
    }

    private <T> T read(String what, Sql<T> body) throws IOException {
        ensureOpen();
        Connection c = readers.pollFirst();
        if (c == null) {
            c = connect(false);
        }
        try {
            return body.run(c);
        } catch (SQLException e) {
            throw translate(e, what);
        } finally {
            if (closed) {
                closeQuietly(c);
            } else {
                readers.offerFirst(c);
            }
        }
    }

    /** Runs {@code body} in a {@code BEGIN IMMEDIATE} transaction, committing on success. */
    private <T> T write(String what, Sql<T> body) throws IOException {
        ensureOpen();
        if (readOnly != null) {
            throw StoreLocks.readOnlyError(file.getParent(), readOnly);
        }
        writeLock.lock();
        try (Statement s = writer().createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            boolean ok = false;
            try {
                T result = body.run(writer);
                s.execute("COMMIT");
                ok = true;
                return result;
            } finally {
                if (!ok) {
                    try {
                        s.execute("ROLLBACK");
                    } catch (SQLException ignored) {
                        // the transaction may already be gone (e.g. SQLite rolled it back itself)
                    }
                }
            }
        } catch (SQLException e) {
            throw translate(e, what);
        } finally {
            writeLock.unlock();
        }
    }

    private void ensureOpen() throws UnavailableException {
        if (closed) {
            throw new UnavailableException("the store is closed");
        }
    }

    private IOException translate(SQLException e, String what) {
        int code = e instanceof SQLiteException se ? se.getResultCode().code & 0xff : e.getErrorCode() & 0xff;
        String msg = what + ": " + e.getMessage();
        return switch (code) {
            case 11, 26 -> new CorruptException("index database " + file + " is damaged (" + e.getMessage()
                    + "); the blobs are untouched, run 'cargohold fsck --rebuild-index' to rebuild the index from them", e);
            case 5, 6 -> new UnavailableException(msg, e);
            case 13 -> new IOException("cannot " + what + " in index database " + file
                    + ": no space left on device; free space (cargohold gc removes unreferenced blobs) or use a store on another file system", e);
            case 8 -> new IOException("cannot " + what + " in index database " + file
                    + ": it is read-only (read-only file system or permission denied); remount it read-write or run as its owner", e);
            case 14 -> new IOException("cannot " + what + " (permission denied, a directory in its place, or its directory is missing); "
                    + "check the path and its permissions", e);
            case 10 -> {
                String advice = io.cargohold.fs.OsErrors.advice(e.getMessage());
                yield new IOException("cannot " + what + ": I/O error on index database " + file
                        + (advice != null ? ": " + advice : " (" + e.getMessage() + "); check the disk, then run 'cargohold fsck'"), e);
            }
            default -> new IOException(msg, e);
        };
    }

    private static boolean isForeignKeyViolation(SQLException e) {
        return e instanceof SQLiteException se && se.getResultCode().code == 787;
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing a connection that failed is best effort
        }
    }

    // ---------------------------------------------------------------- schema

    /** The schema version when this was opened (no query; {@link #schemaVersion} reads it now). */
    int versionAtOpen() {
        return versionAtOpen;
    }

    int schemaVersion() throws IOException {
        return read("read schema version", c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        });
    }

    /**
     * Brings the schema to the current version; the caller holds the store's exclusive lock. An
     * existing database is first copied to {@code backup} (with SQLite's {@code VACUUM INTO}, never by
     * copying the file, which would break SQLite's locks), and the copy is deleted once the migration
     * has committed; a crash in between leaves the backup and the old version, and the next open
     * simply migrates again.
     *
     * @return the version migrated from
     */
    int migrate(Path backup) throws IOException {
        int from = schemaVersion();
        int to = Migrations.current();
        if (from > to) {
            throw new io.cargohold.errors.FailedPreconditionException("index database " + file + " has schema version "
                    + from + ", newer than this cargohold understands (" + to + "); use a newer cargohold");
        }
        if (from == to) {
            return from;
        }
        if (readOnly != null) {
            throw new io.cargohold.errors.FailedPreconditionException("index database " + file + " has schema version " + from
                    + " and needs migrating to " + to + ", which a read-only store cannot (" + readOnly + "); open it once where it can be written");
        }
        writeLock.lock();
        try (Statement s = writer().createStatement()) {
            if (from == 0) {
                try (ResultSet rs = s.executeQuery("PRAGMA journal_mode=WAL")) {
                    rs.next();
                }
            } else {
                Files.deleteIfExists(backup);
                s.execute("VACUUM INTO '" + backup.toString().replace("'", "''") + "'");
            }
        } catch (SQLException e) {
            throw translate(e, "prepare schema migration");
        } finally {
            writeLock.unlock();
        }
        write("migrate index schema from version " + from + " to " + to, c -> {
            try (Statement s = c.createStatement()) {
                for (int v = from + 1; v <= to; v++) {
                    for (String ddl : Migrations.STEPS.get(v - 1)) {
                        s.execute(ddl);
                    }
                }
                s.execute("PRAGMA user_version = " + to);
            }
            return null;
        });
        Files.deleteIfExists(backup);
        return from;
    }

    /** Test hook: builds the schema only up to {@code version} (to test migrations from it). */
    void createSchemaAtVersion(int version) throws IOException {
        write("create schema", c -> {
            try (Statement s = c.createStatement()) {
                for (int v = 1; v <= version; v++) {
                    for (String ddl : Migrations.STEPS.get(v - 1)) {
                        s.execute(ddl);
                    }
                }
                s.execute("PRAGMA user_version = " + version);
            }
            return null;
        });
    }

    List<String> integrityCheck() throws IOException {
        return read("integrity check", c -> {
            List<String> problems = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA quick_check")) {
                while (rs.next()) {
                    String line = rs.getString(1);
                    if (!"ok".equals(line)) {
                        problems.add(line);
                    }
                }
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA foreign_key_check")) {
                while (rs.next()) {
                    problems.add("foreign key violation in table " + rs.getString(1) + " (references " + rs.getString(3) + ")");
                }
            }
            return problems;
        });
    }

    // ---------------------------------------------------------------- blobs

    private static final String BLOB_COLUMNS = "b.digest, b.size, b.media_type, b.added_at";

    private static BlobInfo blobInfo(ResultSet rs) throws SQLException, IOException {
        return new BlobInfo(Digest.parse(rs.getString(1)), rs.getLong(2), rs.getString(3), Instant.ofEpochMilli(rs.getLong(4)));
    }

    Optional<BlobInfo> find(Digest d) throws IOException {
        return read("look up " + d, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + BLOB_COLUMNS + " FROM blobs b WHERE b.digest = ?")) {
                ps.setString(1, d.toString());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(blobInfo(rs)) : Optional.empty();
                }
            }
        });
    }

    /**
     * Records a committed blob. When the row exists already only a missing media type is filled in.
     *
     * @return true when the row was inserted
     */
    boolean insertBlob(BlobInfo info, io.cargohold.content.PutOptions.Pin pin, Instant now) throws IOException {
        try {
            return write("index " + info.digest(), c -> {
                boolean inserted;
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO blobs(digest, size, media_type, added_at) VALUES (?, ?, ?, ?) ON CONFLICT(digest) DO NOTHING")) {
                    ps.setString(1, info.digest().toString());
                    ps.setLong(2, info.size());
                    ps.setString(3, info.mediaType());
                    ps.setLong(4, info.addedAt().toEpochMilli());
                    inserted = ps.executeUpdate() == 1;
                }
                if (!inserted && info.mediaType() != null) {
                    try (PreparedStatement ps = c.prepareStatement(
                            "UPDATE blobs SET media_type = ? WHERE digest = ? AND media_type IS NULL")) {
                        ps.setString(1, info.mediaType());
                        ps.setString(2, info.digest().toString());
                        ps.executeUpdate();
                    }
                }
                if (pin != null) {
                    upsertRecord(c, new KvRecord(pin.namespace(), pin.key(), pin.value(), info.digest(), now));
                }
                return inserted;
            });
        } catch (IOException e) {
            throw notFoundOnForeignKey(e, info.digest());
        }
    }

    /** Upper bound of the range of strings starting with {@code prefix}. */
    private static String rangeEnd(String prefix) {
        char last = prefix.charAt(prefix.length() - 1);
        return prefix.substring(0, prefix.length() - 1) + (char) (last + 1);
    }

    /** Up to {@code limit} digests starting with the prefix: one index range query per algorithm. */
    List<Digest> candidates(DigestPrefix prefix, int limit) throws IOException {
        return read("resolve " + prefix, c -> {
            List<Digest> out = new ArrayList<>();
            for (DigestAlgorithm a : prefix.algorithms()) {
                String start = a.ociName() + ":" + prefix.hexPrefix();
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT digest FROM blobs WHERE digest >= ? AND digest < ? ORDER BY digest LIMIT ?")) {
                    ps.setString(1, start);
                    ps.setString(2, rangeEnd(start));
                    ps.setInt(3, limit - out.size());
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            out.add(Digest.parse(rs.getString(1)));
                        }
                    }
                }
                if (out.size() >= limit) {
                    break;
                }
            }
            return out;
        });
    }

    List<BlobInfo> list(BlobQuery q) throws IOException {
        return read("list blobs", c -> {
            StringBuilder sql = new StringBuilder("SELECT " + BLOB_COLUMNS + " FROM blobs b WHERE 1");
            List<Object> args = new ArrayList<>();
            if (q.prefix() != null) {
                List<String> ranges = new ArrayList<>();
                for (DigestAlgorithm a : q.prefix().algorithms()) {
                    String start = a.ociName() + ":" + q.prefix().hexPrefix();
                    ranges.add("(b.digest >= ? AND b.digest < ?)");
                    args.add(start);
                    args.add(rangeEnd(start));
                }
                sql.append(" AND (").append(String.join(" OR ", ranges)).append(')');
            }
            if (q.mediaType() != null) {
                sql.append(" AND b.media_type = ?");
                args.add(q.mediaType());
            }
            if (q.dataName() != null) {
                sql.append(" AND EXISTS (SELECT 1 FROM blob_data d WHERE d.digest = b.digest AND d.name = ?");
                args.add(q.dataName());
                if (q.dataValue() != null) {
                    sql.append(" AND d.value = ?");
                    args.add(q.dataValue());
                }
                sql.append(')');
            }
            sql.append(" ORDER BY b.digest LIMIT ?");
            args.add(q.limit());
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                for (int i = 0; i < args.size(); i++) {
                    ps.setObject(i + 1, args.get(i));
                }
                List<BlobInfo> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(blobInfo(rs));
                    }
                }
                return out;
            }
        });
    }

    /** Every indexed digest with its size (for fsck). */
    Map<Digest, Long> allSizes() throws IOException {
        return read("list blobs", c -> {
            Map<Digest, Long> out = new HashMap<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT digest, size FROM blobs")) {
                while (rs.next()) {
                    out.put(Digest.parse(rs.getString(1)), rs.getLong(2));
                }
            }
            return out;
        });
    }

    /** Every blob row, in one query (garbage collection, which holds the exclusive store lock). */
    Map<Digest, BlobInfo> allBlobs() throws IOException {
        return read("list blobs", c -> {
            Map<Digest, BlobInfo> out = new HashMap<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT " + BLOB_COLUMNS + " FROM blobs b")) {
                while (rs.next()) {
                    BlobInfo info = blobInfo(rs);
                    out.put(info.digest(), info);
                }
            }
            return out;
        });
    }

    /**
     * Deletes a blob's row and its data records, unless key/value records reference it.
     *
     * @return false when there was no row
     */
    boolean deleteBlob(Digest d) throws IOException {
        return write("remove " + d, c -> {
            // A fresh-blob lease only guards a new blob against gc, not against an explicit removal.
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM kv WHERE namespace = ? AND key = ?")) {
                ps.setString(1, io.cargohold.content.gc.Leases.NAMESPACE);
                ps.setString(2, io.cargohold.content.gc.Leases.freshKey(d));
                ps.executeUpdate();
            }
            List<String> refs = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT namespace, key FROM kv WHERE digest = ? ORDER BY namespace, key LIMIT 6")) {
                ps.setString(1, d.toString());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        refs.add(rs.getString(1) + "/" + rs.getString(2));
                    }
                }
            }
            if (!refs.isEmpty()) {
                String names = String.join(", ", refs.subList(0, Math.min(5, refs.size()))) + (refs.size() > 5 ? ", ..." : "");
                throw new FailedPreconditionException("blob " + d + " is referenced by key/value records (" + names
                        + "); remove them first");
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM blobs WHERE digest = ?")) {
                ps.setString(1, d.toString());
                return ps.executeUpdate() == 1;
            }
        });
    }

    // ---------------------------------------------------------------- blob data

    void setData(Digest d, String name, String value, Instant now) throws IOException {
        try {
            write("set data " + name + " on " + d, c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO blob_data(digest, name, value, updated_at) VALUES (?, ?, ?, ?) "
                                + "ON CONFLICT(digest, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")) {
                    ps.setString(1, d.toString());
                    ps.setString(2, name);
                    ps.setString(3, value);
                    ps.setLong(4, now.toEpochMilli());
                    ps.executeUpdate();
                }
                return null;
            });
        } catch (IOException e) {
            throw notFoundOnForeignKey(e, d);
        }
    }

    Optional<String> getData(Digest d, String name) throws IOException {
        return read("get data " + name + " of " + d, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT value FROM blob_data WHERE digest = ? AND name = ?")) {
                ps.setString(1, d.toString());
                ps.setString(2, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    Map<String, String> listData(Digest d) throws IOException {
        return read("list data of " + d, c -> {
            Map<String, String> out = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT name, value FROM blob_data WHERE digest = ? ORDER BY name")) {
                ps.setString(1, d.toString());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getString(1), rs.getString(2));
                    }
                }
            }
            return out;
        });
    }

    boolean removeData(Digest d, String name) throws IOException {
        return write("remove data " + name + " of " + d, c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM blob_data WHERE digest = ? AND name = ?")) {
                ps.setString(1, d.toString());
                ps.setString(2, name);
                return ps.executeUpdate() == 1;
            }
        });
    }

    // ---------------------------------------------------------------- key/value records

    private static final String KV_COLUMNS = "namespace, key, value, digest, updated_at";

    private static KvRecord kvRecord(ResultSet rs) throws SQLException, IOException {
        String digest = rs.getString(4);
        return new KvRecord(rs.getString(1), rs.getString(2), rs.getString(3), digest == null ? null : Digest.parse(digest),
                Instant.ofEpochMilli(rs.getLong(5)));
    }

    KvRecord putRecord(KvRecord r) throws IOException {
        try {
            return write("set record " + r.namespace() + "/" + r.key(), c -> {
                upsertRecord(c, r);
                return r;
            });
        } catch (IOException e) {
            throw notFoundOnForeignKey(e, r.blob());
        }
    }

    private static void upsertRecord(Connection c, KvRecord r) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO kv(namespace, key, value, digest, updated_at) VALUES (?, ?, ?, ?, ?) "
                        + "ON CONFLICT(namespace, key) DO UPDATE SET value = excluded.value, digest = excluded.digest, "
                        + "updated_at = excluded.updated_at")) {
            ps.setString(1, r.namespace());
            ps.setString(2, r.key());
            ps.setString(3, r.value());
            ps.setString(4, r.blob() == null ? null : r.blob().toString());
            ps.setLong(5, r.updatedAt().toEpochMilli());
            ps.executeUpdate();
        }
    }

    Optional<KvRecord> getRecord(String namespace, String key) throws IOException {
        return read("get record", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + KV_COLUMNS + " FROM kv WHERE namespace = ? AND key = ?")) {
                ps.setString(1, namespace);
                ps.setString(2, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(kvRecord(rs)) : Optional.empty();
                }
            }
        });
    }

    List<KvRecord> listRecords(String namespace, String keyPrefix) throws IOException {
        return read("list records", c -> {
            String sql = "SELECT " + KV_COLUMNS + " FROM kv WHERE namespace = ?"
                    + (keyPrefix.isEmpty() ? "" : " AND key >= ? AND key < ?") + " ORDER BY key";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, namespace);
                if (!keyPrefix.isEmpty()) {
                    ps.setString(2, keyPrefix);
                    ps.setString(3, rangeEnd(keyPrefix));
                }
                List<KvRecord> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(kvRecord(rs));
                    }
                }
                return out;
            }
        });
    }

    List<KvRecord> recordsReferencing(Digest d) throws IOException {
        return read("list records referencing " + d, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + KV_COLUMNS + " FROM kv WHERE digest = ? ORDER BY namespace, key")) {
                ps.setString(1, d.toString());
                List<KvRecord> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(kvRecord(rs));
                    }
                }
                return out;
            }
        });
    }

    boolean removeRecord(String namespace, String key) throws IOException {
        return write("remove record " + namespace + "/" + key, c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM kv WHERE namespace = ? AND key = ?")) {
                ps.setString(1, namespace);
                ps.setString(2, key);
                return ps.executeUpdate() == 1;
            }
        });
    }

    int removeRecords(String namespace, String keyPrefix) throws IOException {
        return write("remove records " + namespace + "/" + keyPrefix + "*", c -> {
            String sql = "DELETE FROM kv WHERE namespace = ?" + (keyPrefix.isEmpty() ? "" : " AND key >= ? AND key < ?");
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, namespace);
                if (!keyPrefix.isEmpty()) {
                    ps.setString(2, keyPrefix);
                    ps.setString(3, rangeEnd(keyPrefix));
                }
                return ps.executeUpdate();
            }
        });
    }

    /** Every record that references a blob: the roots of garbage collection. */
    List<KvRecord> recordsWithBlobs() throws IOException {
        return read("list pinning records", c -> {
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT " + KV_COLUMNS + " FROM kv WHERE digest IS NOT NULL")) {
                List<KvRecord> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(kvRecord(rs));
                }
                return out;
            }
        });
    }

    void removeRecords(List<KvRecord> records) throws IOException {
        write("remove expired records", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM kv WHERE namespace = ? AND key = ?")) {
                for (KvRecord r : records) {
                    ps.setString(1, r.namespace());
                    ps.setString(2, r.key());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    /**
     * Deletes the rows of unreferenced blobs in one transaction (a blob that a record references
     * is skipped); returns the digests whose rows went.
     */
    List<Digest> deleteUnreferencedBlobs(List<Digest> digests) throws IOException {
        return write("remove " + digests.size() + " blobs", c -> {
            List<Digest> gone = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM blobs WHERE digest = ? AND NOT EXISTS (SELECT 1 FROM kv WHERE kv.digest = ?)")) {
                for (Digest d : digests) {
                    ps.setString(1, d.toString());
                    ps.setString(2, d.toString());
                    if (ps.executeUpdate() == 1) {
                        gone.add(d);
                    }
                }
            }
            return gone;
        });
    }

    private static IOException notFoundOnForeignKey(IOException e, Digest d) {
        if (e.getCause() instanceof SQLException se && isForeignKeyViolation(se)) {
            return new NotFoundException("blob " + d + " is not in the store", e);
        }
        return e;
    }

    // ---------------------------------------------------------------- stats

    long[] counts() throws IOException {
        return read("count", c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT (SELECT count(*) FROM blobs), (SELECT coalesce(sum(size), 0) FROM blobs), "
                            + "(SELECT count(*) FROM blob_data), (SELECT count(*) FROM kv)")) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)};
            }
        });
    }

    /** What could still be read from a damaged database (each table as far as it reads), and where reading stopped. */
    record Salvage(List<KvRecord> records, List<String[]> data, Map<Digest, String> mediaTypes, String problem) {
    }

    /**
     * Reads what it can of a damaged index database, read-only: the key/value records, the blob data
     * and the media types, each table until the first error (reported in {@link Salvage#problem}).
     */
    static Salvage salvage(Path damaged) {
        List<KvRecord> records = new ArrayList<>();
        List<String[]> data = new ArrayList<>();
        Map<Digest, String> types = new HashMap<>();
        List<String> problems = new ArrayList<>();
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setReadOnly(true);
        try (Connection c = org.sqlite.JDBC.createConnection("jdbc:sqlite:" + damaged, cfg.toProperties())) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT " + KV_COLUMNS + " FROM kv")) {
                while (rs.next()) {
                    try {
                        records.add(kvRecord(rs));
                    } catch (IOException | RuntimeException bad) {
                        problems.add("a record: " + bad.getMessage());
                    }
                }
            } catch (SQLException e) {
                problems.add("records: " + e.getMessage());
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT digest, name, value FROM blob_data")) {
                while (rs.next()) {
                    data.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
                }
            } catch (SQLException e) {
                problems.add("blob data: " + e.getMessage());
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT digest, media_type FROM blobs WHERE media_type IS NOT NULL")) {
                while (rs.next()) {
                    try {
                        types.put(Digest.parse(rs.getString(1)), rs.getString(2));
                    } catch (IOException | RuntimeException bad) {
                        problems.add("a blob row: " + bad.getMessage());
                    }
                }
            } catch (SQLException e) {
                problems.add("media types: " + e.getMessage());
            }
        } catch (SQLException e) {
            problems.add(e.getMessage());
        }
        return new Salvage(records, data, types, problems.isEmpty() ? null : String.join("; ", problems));
    }

    /**
     * Restores salvaged records, data and media types for the blobs {@code present}; returns
     * {records restored, records lost, data restored, media types restored}.
     */
    int[] restore(Salvage old, java.util.Set<Digest> present) throws IOException {
        return write("restore salvaged records", c -> {
            int[] n = new int[4];
            for (KvRecord r : old.records()) {
                if (r.blob() == null || present.contains(r.blob())) {
                    upsertRecord(c, r);
                    n[0]++;
                } else {
                    n[1]++;
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO blob_data(digest, name, value, updated_at) VALUES (?, ?, ?, ?)")) {
                for (String[] d : old.data()) {
                    Digest digest;
                    try {
                        digest = Digest.parse(d[0]);
                    } catch (IOException bad) {
                        continue;
                    }
                    if (present.contains(digest)) {
                        ps.setString(1, d[0]);
                        ps.setString(2, d[1]);
                        ps.setString(3, d[2]);
                        ps.setLong(4, System.currentTimeMillis());
                        ps.executeUpdate();
                        n[2]++;
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE blobs SET media_type = ? WHERE digest = ? AND media_type IS NULL")) {
                for (var e : old.mediaTypes().entrySet()) {
                    ps.setString(1, e.getValue());
                    ps.setString(2, e.getKey().toString());
                    n[3] += ps.executeUpdate();
                }
            }
            return n;
        });
    }

    /** Bulk insert of rows (benchmarks and re-indexing); one transaction. */
    void insertBlobs(List<BlobInfo> rows) throws IOException {
        write("bulk index", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO blobs(digest, size, media_type, added_at) VALUES (?, ?, ?, ?) ON CONFLICT(digest) DO NOTHING")) {
                for (BlobInfo info : rows) {
                    ps.setString(1, info.digest().toString());
                    ps.setLong(2, info.size());
                    ps.setString(3, info.mediaType());
                    ps.setLong(4, info.addedAt().toEpochMilli());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    @Override
    public void close() {
        closed = true;
        writeLock.lock();
        try {
            if (writer != null) {
                closeQuietly(writer);
            }
        } finally {
            writeLock.unlock();
        }
        Connection c;
        while ((c = readers.pollFirst()) != null) {
            closeQuietly(c);
        }
    }
}
