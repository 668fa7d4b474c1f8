package io.cargohold.cli;

import static io.cargohold.cli.Cli.sha256;
import static io.cargohold.cli.Cli.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cargohold blob data ...}, {@code cargohold kv ...} and {@code cargohold status}. */
class DataKvStatusCommandsTest {
    @TempDir
    Path tmp;

    Cli cli;

    @BeforeEach
    void setUp() {
        cli = new Cli(tmp.resolve("store"));
    }

    @Test
    void blobDataSetGetLsRm() {
        byte[] content = utf8("annotated");
        String d = sha256(content);
        cli.withStdin(content, "blob", "put", "-").ok();
        String prefix = d.substring(7, 17);

        assertEquals("", cli.run("blob", "data", "set", prefix, "label", "first").ok().out());
        cli.run("blob", "data", "set", d, "label", "second").ok(); // replaces
        cli.run("blob", "data", "set", d, "atime", "2025-01-01T00:00:00Z").ok();
        cli.run("blob", "data", "set", d, "empty", "").ok();

        assertEquals("second\n", cli.run("blob", "data", "get", prefix, "label").ok().out());
        assertEquals("\n", cli.run("blob", "data", "get", d, "empty").ok().out());
        assertEquals("atime=2025-01-01T00:00:00Z\nempty=\nlabel=second\n", cli.run("blob", "data", "ls", prefix).ok().out());

        JsonNode json = cli.run("blob", "data", "ls", "--json", d).ok().json();
        assertEquals(List.of("atime", "empty", "label"), Cli.fieldNames(json));
        assertEquals("second", json.get("label").asText());
        assertEquals("", json.get("empty").asText());

        assertEquals("", cli.run("blob", "data", "rm", prefix, "label").ok().out());
        cli.run("blob", "data", "get", d, "label").fails(ExitCodes.NOT_FOUND, "blob " + d + " has no data record \"label\"");
        cli.run("blob", "data", "rm", d, "label").fails(ExitCodes.NOT_FOUND, "has no data record \"label\"");
        assertEquals("atime=2025-01-01T00:00:00Z\nempty=\n", cli.run("blob", "data", "ls", d).ok().out());

        String absent = sha256(utf8("absent"));
        cli.run("blob", "data", "set", absent, "label", "x").fails(ExitCodes.NOT_FOUND, "blob " + absent + " not found");
        cli.run("blob", "data", "get", absent, "label").fails(ExitCodes.NOT_FOUND, "not found");
        cli.run("blob", "data", "ls", absent).fails(ExitCodes.NOT_FOUND, "not found");
        cli.run("blob", "data", "rm", absent, "label").fails(ExitCodes.NOT_FOUND, "not found");
        cli.run("blob", "data", "set", d, "", "x").fails(ExitCodes.USAGE, "data name must not be empty");
        cli.run("blob", "data", "set", d, "label").fails(ExitCodes.USAGE, "Missing required parameter");
        cli.run("blob", "data", "set", "sha256:zz", "label", "x").fails(ExitCodes.USAGE, "invalid digest prefix");
        cli.run("blob", "data").fails(ExitCodes.USAGE, "Missing required subcommand");

        assertEquals("data records:   2", cli.run("status").ok().lines().get(3));
    }

    @Test
    void kvSetGetLsRm() {
        byte[] content = utf8("manifest body");
        String d = sha256(content);
        cli.withStdin(content, "blob", "put", "-").ok();
        Instant before = Instant.now().minusSeconds(1);

        assertEquals("", cli.run("kv", "set", "notes", "app:v1", "one").ok().out());
        cli.run("kv", "set", "notes", "app:v2", "two", "--blob", d.substring(0, 14)).ok();
        cli.run("kv", "set", "notes", "lib:v1", "three").ok();
        cli.run("kv", "set", "tags", "app:v1", "other namespace").ok();

        assertEquals("one\n", cli.run("kv", "get", "notes", "app:v1").ok().out());
        assertEquals("other namespace\n", cli.run("kv", "get", "tags", "app:v1").ok().out());

        JsonNode plain = cli.run("kv", "get", "--json", "notes", "app:v1").ok().json();
        assertEquals(List.of("namespace", "key", "value", "blob", "updated"), Cli.fieldNames(plain));
        assertEquals("notes", plain.get("namespace").asText());
        assertEquals("app:v1", plain.get("key").asText());
        assertEquals("one", plain.get("value").asText());
        assertTrue(plain.get("blob").isNull());
        assertTrue(!Instant.parse(plain.get("updated").asText()).isBefore(before));
        JsonNode pinned = cli.run("kv", "get", "notes", "app:v2", "--json").ok().json();
        assertEquals(d, pinned.get("blob").asText(), "the prefix was resolved to the full digest");

        assertEquals(List.of("app:v1\tone", "app:v2\ttwo\t" + d, "lib:v1\tthree"), cli.run("kv", "ls", "notes").ok().lines());
        assertEquals(List.of("app:v1\tone", "app:v2\ttwo\t" + d), cli.run("kv", "ls", "notes", "--prefix", "app:").ok().lines());
        assertEquals(List.of(), cli.run("kv", "ls", "notes", "--prefix", "zzz").ok().lines());
        assertEquals(List.of(), cli.run("kv", "ls", "nothing-here").ok().lines());
        JsonNode rows = cli.run("kv", "ls", "--json", "notes", "--prefix", "app:").ok().json();
        assertEquals(2, rows.size());
        assertEquals(List.of("namespace", "key", "value", "blob", "updated"), Cli.fieldNames(rows.get(0)));
        assertEquals("app:v1", rows.get(0).get("key").asText());
        assertEquals(d, rows.get(1).get("blob").asText());

        cli.run("kv", "set", "notes", "app:v1", "replaced").ok();
        assertEquals("replaced\n", cli.run("kv", "get", "notes", "app:v1").ok().out());
        assertEquals("kv records:     5", cli.run("status").ok().lines().get(4), "four records and the put's fresh-blob lease");

        assertEquals("", cli.run("kv", "rm", "notes", "app:v1").ok().out());
        cli.run("kv", "get", "notes", "app:v1").fails(ExitCodes.NOT_FOUND, "no record \"app:v1\" in namespace \"notes\"");
        cli.run("kv", "rm", "notes", "app:v1").fails(ExitCodes.NOT_FOUND, "no record \"app:v1\" in namespace \"notes\"");
        assertEquals("other namespace\n", cli.run("kv", "get", "tags", "app:v1").ok().out());

        String absent = sha256(utf8("absent"));
        cli.run("kv", "set", "notes", "x", "y", "--blob", absent).fails(ExitCodes.NOT_FOUND, "blob " + absent + " not found");
        cli.run("kv", "set", "notes", "x", "y", "--blob", "nothex").fails(ExitCodes.USAGE, "invalid digest prefix");
        cli.run("kv", "get", "notes", "x").fails(ExitCodes.NOT_FOUND, "no record");
        cli.run("kv", "set", "", "k", "v").fails(ExitCodes.USAGE, "namespace must not be empty");
        cli.run("kv", "set", "notes", "", "v").fails(ExitCodes.USAGE, "key must not be empty");
        cli.run("kv", "ls").fails(ExitCodes.USAGE, "Missing required parameter");
        cli.run("kv").fails(ExitCodes.USAGE, "Missing required subcommand");
    }

    @Test
    void statusTextAndJson() throws Exception {
        Path root = cli.root.toAbsolutePath().normalize();
        List<String> empty = cli.run("status").ok().lines();
        assertEquals("root:           " + root, empty.get(0));
        assertTrue(empty.get(1).matches("schema version: [1-9][0-9]*"), empty.get(1));
        assertEquals(List.of("blobs:          0 (0 B)", "data records:   0", "kv records:     0"), empty.subList(2, 5));
        assertEquals("ingests:        0 (0 B, resumable writes)", empty.get(5));
        assertEquals(6, empty.size());
        assertTrue(Files.isRegularFile(root.resolve("cargohold.db")), "status creates the store");
        assertTrue(Files.isRegularFile(root.resolve("oci-layout")));

        byte[] big = new byte[1536];
        byte[] small = utf8("0123456789");
        cli.withStdin(big, "blob", "put", "-").ok();
        cli.withStdin(small, "blob", "put", "-").ok();
        cli.run("blob", "data", "set", sha256(small), "n", "v").ok();
        cli.run("kv", "set", "notes", "k", "v").ok();

        // Sizes are formatted the same whatever the default locale (a German one would say "1,5").
        Locale saved = Locale.getDefault();
        List<String> lines;
        try {
            Locale.setDefault(Locale.GERMANY);
            lines = cli.run("status").ok().lines();
        } finally {
            Locale.setDefault(saved);
        }
        assertEquals(List.of("blobs:          2 (1.5 KiB)", "data records:   1", "kv records:     3"), lines.subList(2, 5)); // the record and the puts' two fresh-blob leases

        JsonNode json = cli.run("status", "--json").ok().json();
        assertEquals(List.of("root", "schemaVersion", "blobs", "bytes", "dataRecords", "kvRecords", "ingests", "ingestBytes"),
                Cli.fieldNames(json));
        assertEquals(root.toString(), json.get("root").asText());
        assertEquals(empty.get(1), "schema version: " + json.get("schemaVersion").asInt());
        assertEquals(2, json.get("blobs").asLong());
        assertEquals(1536 + 10, json.get("bytes").asLong());
        assertEquals(1, json.get("dataRecords").asLong());
        assertEquals(3, json.get("kvRecords").asLong(), "the record and the two puts' fresh-blob leases");
    }
}
