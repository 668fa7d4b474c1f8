package io.cargohold.content.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.content.BlobProvider.Verify;
import io.cargohold.content.PutOptions;
import io.cargohold.digest.Digest;
import io.cargohold.errors.FailedPreconditionException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationTest {
    @TempDir
    Path root;

    /** A store whose database is at schema version 1, holding a blob, a data record and a kv record. */
    private Digest storeAtVersion1() throws IOException {
        byte[] data = "old".getBytes(StandardCharsets.UTF_8);
        Digest d = Digest.sha256(data);
        BlobDirectory dir = new BlobDirectory(root);
        Files.createDirectories(root);
        dir.initialise();
        try (IndexDatabase db = IndexDatabase.open(dir.database(), true)) {
            db.createSchemaAtVersion(1);
        }
        try (LocalBlobStore v1 = openWithoutMigration(dir)) {
            v1.put(new ByteArrayInputStream(data), PutOptions.defaults());
            v1.setData(d, "label", "kept");
            v1.putRecord("refs", "app:1", "desc", d);
        }
        return d;
    }

    /** Writes through the current code against a v1 schema (the tables used here exist in v1). */
    private LocalBlobStore openWithoutMigration(BlobDirectory dir) throws IOException {
        // Pretend to be current for a moment so open() does not migrate, then restore version 1.
        setUserVersion(dir.database(), Migrations.current());
        LocalBlobStore s = TestStores.open(root);
        setUserVersion(dir.database(), 1);
        return s;
    }

    private static void setUserVersion(Path db, int v) throws IOException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("PRAGMA user_version = " + v);
        } catch (java.sql.SQLException e) {
            throw new IOException(e);
        }
    }

    private static List<String> indexes(Path db) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    @Test
    void anOlderSchemaIsMigratedForwardKeepingEverything() throws Exception {
        Digest d = storeAtVersion1();
        BlobDirectory dir = new BlobDirectory(root);
        assertEquals(List.of(), indexes(dir.database()));
        try (LocalBlobStore s = TestStores.open(root)) {
            assertEquals(Migrations.current(), s.stats().schemaVersion());
            assertEquals("kept", s.getData(d, "label").orElseThrow());
            assertEquals(d, s.getRecord("refs", "app:1").orElseThrow().blob());
            try (InputStream in = s.open(d, Verify.CONTENT)) {
                assertArrayEquals("old".getBytes(StandardCharsets.UTF_8), in.readAllBytes());
            }
            assertThrows(FailedPreconditionException.class, () -> s.delete(d));
        }
        assertEquals(List.of("blob_data_by_name", "blobs_by_media_type", "kv_by_digest"), indexes(dir.database()));
        assertFalse(Files.exists(LocalBlobStore.backupPath(dir)), "the backup goes once the migration has committed");
    }

    @Test
    void aBackupLeftByACrashedMigrationIsReplacedAndTheMigrationRedone() throws Exception {
        Digest d = storeAtVersion1();
        BlobDirectory dir = new BlobDirectory(root);
        Files.writeString(LocalBlobStore.backupPath(dir), "stale backup of a crashed migration");
        try (LocalBlobStore s = TestStores.open(root)) {
            assertEquals(Migrations.current(), s.stats().schemaVersion());
            assertTrue(s.contains(d));
        }
        assertFalse(Files.exists(LocalBlobStore.backupPath(dir)));
    }

    @Test
    void aFailedMigrationRollsBackAndKeepsTheBackup() throws Exception {
        Digest d = storeAtVersion1();
        BlobDirectory dir = new BlobDirectory(root);
        // An object in the way of step 2 makes it fail half-way (after its first statement).
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.database()); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE blobs_by_media_type (x)");
        }
        assertThrows(IOException.class, () -> TestStores.open(root));
        Path backup = LocalBlobStore.backupPath(dir);
        assertTrue(Files.exists(backup), "the backup stays until a migration commits");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + backup); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT digest FROM blobs")) {
            assertTrue(rs.next());
            assertEquals(d.toString(), rs.getString(1));
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.database()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA user_version")) {
            rs.next();
            assertEquals(1, rs.getInt(1), "the failed migration rolled back");
        }
        assertEquals(List.of(), indexes(dir.database()), "no step-2 index survived the rollback");
        // Once the obstacle is gone the next open migrates and drops the backup.
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.database()); Statement s = c.createStatement()) {
            s.execute("DROP TABLE blobs_by_media_type");
        }
        try (LocalBlobStore s = TestStores.open(root)) {
            assertEquals(Migrations.current(), s.stats().schemaVersion());
            assertEquals("kept", s.getData(d, "label").orElseThrow());
        }
        assertFalse(Files.exists(backup));
    }

    @Test
    void aNewerSchemaIsRefusedAndLeftAlone() throws Exception {
        try (LocalBlobStore s = TestStores.open(root)) {
            s.put(new ByteArrayInputStream(new byte[] {1}), PutOptions.defaults());
        }
        BlobDirectory dir = new BlobDirectory(root);
        setUserVersion(dir.database(), 99);
        var e = assertThrows(FailedPreconditionException.class, () -> TestStores.open(root));
        assertTrue(e.getMessage().contains("schema version 99, newer than this cargohold understands"), e.getMessage());
        setUserVersion(dir.database(), Migrations.current());
        try (LocalBlobStore s = TestStores.open(root)) {
            assertEquals(1, s.stats().blobs());
        }
    }
}
