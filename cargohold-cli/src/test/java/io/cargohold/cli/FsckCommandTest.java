package io.cargohold.cli;

import static io.cargohold.cli.Cli.sha256;
import static io.cargohold.cli.Cli.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.content.BlobStore;
import io.cargohold.content.BlobStores;
import io.cargohold.content.BlobWriter;
import io.cargohold.content.WriterOptions;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cargohold fsck} on healthy and damaged stores. */
class FsckCommandTest {
    private static final List<String> JSON_FIELDS = List.of("blobsChecked", "bytesHashed", "damage", "missing", "corrupt",
            "databaseProblems", "unindexed", "tempFiles", "strayFiles", "repaired", "ingests", "expiredIngests",
            "indexJson", "adopted");

    @TempDir
    Path tmp;

    Cli cli;
    Path root;
    byte[] first = utf8("first blob\n");
    byte[] second = utf8("the second blob\n");
    String d1 = sha256(first);
    String d2 = sha256(second);

    @BeforeEach
    void twoBlobs() {
        cli = new Cli(tmp.resolve("store"));
        root = cli.root.toAbsolutePath().normalize();
        cli.withStdin(first, "blob", "put", "-").ok();
        cli.withStdin(second, "blob", "put", "--media-type", "text/plain", "-").ok();
    }

    private Path blobFile(String digest) {
        String[] parts = digest.split(":");
        return root.resolve("blobs").resolve(parts[0]).resolve(parts[1]);
    }

    private String bytesHashed() {
        return (first.length + second.length) + " B";
    }

    @Test
    void healthyStore() {
        assertEquals("2 blobs checked, " + bytesHashed() + " hashed: no damage\n", cli.run("fsck").ok().out());
        assertEquals("2 blobs checked, 0 B hashed: no damage\n", cli.run("fsck", "--quick").ok().out());

        JsonNode json = cli.run("fsck", "--json").ok().json();
        assertEquals(JSON_FIELDS, Cli.fieldNames(json));
        assertEquals(2, json.get("blobsChecked").asLong());
        assertEquals(first.length + second.length, json.get("bytesHashed").asLong());
        assertFalse(json.get("damage").asBoolean());
        for (String list : JSON_FIELDS.subList(3, 9)) {
            assertTrue(json.get(list).isArray() && json.get(list).isEmpty(), list);
        }
        assertFalse(json.get("repaired").asBoolean());
        assertTrue(cli.run("fsck", "--json", "--repair").ok().json().get("repaired").asBoolean());
        cli.run("fsck", "--frobnicate").fails(ExitCodes.USAGE, "Unknown option: '--frobnicate'");
    }

    @Test
    void deletedBlobFileIsMissing() throws IOException {
        Files.delete(blobFile(d1));

        Cli.Result r = cli.run("fsck");
        assertEquals(ExitCodes.CORRUPT, r.code());
        assertEquals("", r.err());
        assertEquals(List.of("missing: " + d1 + " (indexed, file gone)",
                "1 blobs checked, " + second.length + " B hashed: DAMAGE FOUND"), r.lines());

        JsonNode json = cli.run("fsck", "--json").json();
        assertTrue(json.get("damage").asBoolean());
        assertEquals(List.of(d1), strings(json.get("missing")));

        // --repair cannot bring it back: still damage.
        assertEquals(ExitCodes.CORRUPT, cli.run("fsck", "--repair").code());
        cli.run("blob", "get", d1).fails(ExitCodes.CORRUPT, "is indexed but its file " + blobFile(d1) + " is missing");
        assertArrayEquals(second, cli.run("blob", "get", d2).ok().stdout());
    }

    @Test
    void flippedByteIsCorrupt() throws IOException {
        Path f = blobFile(d2);
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        byte[] damaged = second.clone();
        damaged[4] ^= 1;
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(damaged, 4, 1), 4);
        }
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("r--r--r--"));

        Cli.Result r = cli.run("fsck");
        assertEquals(ExitCodes.CORRUPT, r.code());
        assertEquals(List.of("corrupt: " + d2 + ": content hashes to " + sha256(damaged),
                "2 blobs checked, " + bytesHashed() + " hashed: DAMAGE FOUND"), r.lines());

        JsonNode json = cli.run("fsck", "--json").json();
        assertTrue(json.get("damage").asBoolean());
        assertEquals(1, json.get("corrupt").size());
        JsonNode problem = json.get("corrupt").get(0);
        assertEquals(List.of("digest", "reason"), Cli.fieldNames(problem));
        assertEquals(d2, problem.get("digest").asText());
        assertEquals("content hashes to " + sha256(damaged), problem.get("reason").asText());

        // --quick checks sizes only, so a same-size flip goes unnoticed.
        assertEquals(ExitCodes.OK, cli.run("fsck", "--quick").ok().code());
        // A truncated file is caught by --quick too.
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(3);
        }
        Cli.Result quick = cli.run("fsck", "--quick");
        assertEquals(ExitCodes.CORRUPT, quick.code());
        assertEquals("corrupt: " + d2 + ": size on disk is 3 bytes, the index records " + second.length, quick.lines().get(0));
    }

    @Test
    void leftoverIngestFileIsReportedThenRemovedByRepair() throws IOException {
        Path leftover = Files.writeString(root.resolve("ingest").resolve("1234abcd-99999.tmp"), "half a blob");

        Cli.Result r = cli.run("fsck").ok();
        assertEquals(List.of("temp file: " + leftover + " (use --repair)",
                "2 blobs checked, " + bytesHashed() + " hashed: no damage"), r.lines());
        assertTrue(Files.exists(leftover), "fsck without --repair changes nothing");
        assertEquals(List.of(leftover.toString()), strings(cli.run("fsck", "--json", "--quick").ok().json().get("tempFiles")));

        assertEquals("temp file: " + leftover + " (repaired)", cli.run("fsck", "--repair").ok().lines().get(0));
        assertFalse(Files.exists(leftover));
        assertEquals(List.of("2 blobs checked, " + bytesHashed() + " hashed: no damage"), cli.run("fsck").ok().lines());
    }

    @Test
    void resumableIngestsAreListedAndAreNeitherDamageNorLeftovers() throws IOException {
        try (BlobStore s = BlobStores.open(root); BlobWriter w = s.writer("layer-x", WriterOptions.defaults().withExpectedSize(100))) {
            w.write(new byte[40]);
        }
        List<String> lines = cli.run("fsck", "--repair").ok().lines();
        assertEquals(2, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("ingest: layer-x, 40 of 100 bytes, updated "), lines.get(0));
        assertTrue(lines.get(0).endsWith(" (resumable)"), lines.get(0));
        JsonNode json = cli.run("fsck", "--json", "--quick").ok().json();
        assertEquals(List.of("ref", "offset", "total", "started", "updated"), Cli.fieldNames(json.get("ingests").get(0)));
        assertEquals("layer-x", json.get("ingests").get(0).get("ref").asText());
        assertEquals(40, json.get("ingests").get(0).get("offset").asLong());
        assertEquals(0, json.get("expiredIngests").size());
        assertTrue(cli.run("status").ok().lines().contains("ingests:        1 (40 B, resumable writes)"));
        assertEquals(1, cli.run("status", "--json").ok().json().get("ingests").asLong());
    }

    @Test
    void otherCommandsCleanLeftoverIngestFilesWhenIdle() throws IOException {
        Path leftover = Files.writeString(root.resolve("ingest").resolve("feed-1.tmp"), "junk");
        cli.run("status").ok();
        assertFalse(Files.exists(leftover));
    }

    @Test
    void unindexedBlobFileIsReindexedByRepair() throws IOException {
        byte[] content = utf8("copied in by hand\n");
        String d = sha256(content);
        Files.write(blobFile(d), content);

        Cli.Result r = cli.run("fsck").ok();
        assertEquals(List.of("unindexed: " + d + " (use --repair)",
                "3 blobs checked, " + (first.length + second.length + content.length) + " B hashed: no damage"), r.lines());
        assertEquals(List.of(d1, d2).stream().sorted().toList(), firstColumn(cli.run("blob", "ls").ok()));
        cli.run("blob", "get", d).fails(ExitCodes.NOT_FOUND, "not found");
        // --quick still hashes unindexed files before vouching for them
        assertEquals(List.of(d), strings(cli.run("fsck", "--quick", "--json").ok().json().get("unindexed")));

        assertEquals("unindexed: " + d + " (repaired)", cli.run("fsck", "--repair").ok().lines().get(0));
        assertTrue(cli.run("blob", "ls").ok().lines().contains(d + "\t" + content.length + "\t-"));
        assertArrayEquals(content, cli.run("blob", "get", d).ok().stdout());
        assertEquals(List.of("3 blobs checked, " + (first.length + second.length + content.length) + " B hashed: no damage"),
                cli.run("fsck").ok().lines());
    }

    @Test
    void fileNamedLikeADigestButWithOtherContentIsNotIndexed() throws IOException {
        byte[] content = utf8("not what the name says");
        String claimed = sha256(utf8("something else"));
        Files.write(blobFile(claimed), content);

        Cli.Result r = cli.run("fsck", "--repair");
        assertEquals(ExitCodes.CORRUPT, r.code());
        assertEquals("corrupt: " + claimed + ": content hashes to " + sha256(content), r.lines().get(0));
        cli.run("blob", "get", claimed).fails(ExitCodes.NOT_FOUND, "not found");
    }

    @Test
    void strayFilesAreReportedAndLeftAlone() throws IOException {
        Path stray = Files.writeString(root.resolve("blobs").resolve("sha256").resolve("README"), "hello");

        assertEquals("stray file: " + stray + " (left alone)", cli.run("fsck").ok().lines().get(0));
        assertEquals(List.of(stray.toString()), strings(cli.run("fsck", "--repair", "--json").ok().json().get("strayFiles")));
        assertTrue(Files.exists(stray));
    }

    @Test
    void rebuildIndexRecoversFromAGarbledDatabase() throws IOException {
        cli.run("blob", "data", "set", d1, "label", "lost with the old index").ok();
        Path db = root.resolve("cargohold.db");
        try (FileChannel ch = FileChannel.open(db, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(utf8("this is no SQLite header, just garbage!!")), 0);
        }

        String damaged = "index database " + db + " is damaged";
        cli.run("blob", "ls").fails(ExitCodes.CORRUPT, damaged);
        Cli.Result status = cli.run("status").fails(ExitCodes.CORRUPT, damaged);
        assertTrue(status.err().contains("cargohold fsck --rebuild-index"), status.err());
        cli.run("fsck").fails(ExitCodes.CORRUPT, damaged);

        Cli.Result rebuilt = cli.run("fsck", "--rebuild-index");
        assertEquals(ExitCodes.OK, rebuilt.code(), rebuilt.err());
        assertEquals("2 blobs checked, " + bytesHashed() + " hashed: no damage\n", rebuilt.out());
        String movedPrefix = "cargohold: moved the old index database to " + root.resolve("cargohold.db.corrupt-");
        assertTrue(rebuilt.err().startsWith(movedPrefix), rebuilt.err());
        Path moved = Path.of(rebuilt.err().lines().findFirst().orElseThrow().substring("cargohold: moved the old index database to ".length()));
        assertTrue(rebuilt.err().contains("the old database could not be read in full"), rebuilt.err());
        assertTrue(Files.isRegularFile(moved));
        assertEquals("this is no SQLite header", new String(Files.readAllBytes(moved), 0, 24, java.nio.charset.StandardCharsets.UTF_8));

        // The blob list is back (media types and data records lived only in the old index).
        assertEquals(List.of(d1, d2).stream().sorted().map(d -> d + "\t" + (d.equals(d1) ? first : second).length + "\t-").toList(),
                cli.run("blob", "ls").ok().lines());
        assertEquals("", cli.run("blob", "data", "ls", d1).ok().out());
        // The blobs themselves are untouched.
        assertArrayEquals(first, Files.readAllBytes(blobFile(d1)));
        assertArrayEquals(second, cli.run("blob", "get", d2).ok().stdout());
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(blobFile(d1))));
        cli.run("fsck").ok();

        // A second rebuild in the same second keeps both old databases.
        Cli.Result again = cli.run("fsck", "--rebuild-index");
        assertEquals(ExitCodes.OK, again.code(), again.err());
        Path movedAgain = Path.of(again.err().lines().findFirst().orElseThrow().substring("cargohold: moved the old index database to ".length()));
        assertTrue(Files.isRegularFile(movedAgain));
        assertTrue(Files.isRegularFile(moved), "the first kept copy is not overwritten");
        org.junit.jupiter.api.Assertions.assertNotEquals(moved, movedAgain);
    }

    @Test
    void rebuildIndexNeedsAStore() {
        Cli elsewhere = new Cli(tmp.resolve("no-store-here"));
        elsewhere.run("fsck", "--rebuild-index").fails(ExitCodes.NOT_FOUND, "no store at " + tmp.resolve("no-store-here"));
    }

    private static List<String> strings(JsonNode array) {
        assertTrue(array.isArray(), array::toString);
        return Stream.iterate(0, i -> i < array.size(), i -> i + 1).map(i -> array.get(i).asText()).toList();
    }

    private static List<String> firstColumn(Cli.Result r) {
        return r.lines().stream().map(l -> l.split("\t")[0]).toList();
    }
}
