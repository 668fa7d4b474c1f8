package io.cargohold.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.Tools;
import io.cargohold.testkit.images.WrittenLayout;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, "data that must never be lost": the store root's index.json and the references. A
 * foreign writer (real skopeo) adding an entry to the root is never dropped by our next write
 * (adopted when it is a NAME:TAG with its whole graph present, else kept as it is); fsck reports a
 * malformed or disagreeing index.json and --repair mends it; fsck --rebuild-index keeps references
 * (from index.json) and other records (from what the damaged database still gives).
 */
class StoreRootLayoutTest {
    @TempDir
    Path tmp;
    Cli cli;

    @BeforeEach
    void setUp() {
        cli = new Cli(tmp.resolve("store"));
    }

    private List<String> indexNames() throws IOException {
        JsonNode index = Cli.JSON.readTree(Files.readAllBytes(cli.root.resolve("index.json")));
        List<String> names = new ArrayList<>();
        for (JsonNode m : index.path("manifests")) {
            names.add(m.path("annotations").path("org.opencontainers.image.ref.name").asText("(unnamed)"));
        }
        names.sort(null);
        return names;
    }

    @Test
    void skopeoWritingIntoTheStoreRootIsAdoptedOrKeptNeverDropped() throws IOException {
        Path skopeo = Tools.require("skopeo");
        WrittenLayout app = TestImages.small(tmp.resolve("app"));
        WrittenLayout multi = TestImages.multiArch(tmp.resolve("multi"));
        WrittenLayout other = TestImages.small(tmp.resolve("other"), 7);
        cli.run("import", "--sref", "latest", "--dref", "app:1", app.dir().toString()).ok();

        // skopeo adds a NAME:TAG (adoptable) and a bare name (not a reference of ours: kept).
        Tools.ok(skopeo, "copy", "--all", "oci:" + multi.dir() + ":latest", "oci:" + cli.root + ":foreign/multi:1");
        Tools.ok(skopeo, "copy", "oci:" + other.dir() + ":latest", "oci:" + cli.root + ":bare");
        assertEquals(List.of("app:1", "bare", "foreign/multi:1"), indexNames());

        Cli.Result fsck = cli.run("fsck", "--quick");
        assertEquals(5, fsck.code(), fsck.out() + fsck.err());
        assertTrue(fsck.out().contains("index.json: index.json entry foreign/multi:1 "), fsck.out());
        assertTrue(fsck.out().contains("foreign, can be adopted"), fsck.out());
        assertTrue(fsck.out().contains("index.json entry bare "), fsck.out());
        assertTrue(fsck.out().contains("foreign, kept as it is: its name is not a reference NAME:TAG"), fsck.out());

        // Our next write keeps both: the first becomes a reference, the second stays as skopeo wrote it.
        cli.run("import", "--sref", "latest", "--dref", "app:2", app.dir().toString()).ok();
        assertEquals(List.of("app:1", "app:2", "bare", "foreign/multi:1"), indexNames());
        assertTrue(cli.run("list", "--format", "{{.Reference}}\\t{{.Digest}}").ok().out().contains("foreign/multi:1\t" + multi.ref("latest").digest()));
        cli.run("check", "foreign/multi:1").ok();

        // gc keeps what both name; rm and gc of ours leave the foreign ones alone.
        cli.run("rm", "app:2").ok();
        cli.run("gc").ok();
        cli.run("check", "foreign/multi:1").ok();
        assertEquals(List.of("app:1", "bare", "foreign/multi:1"), indexNames());
        Tools.ok(skopeo, "inspect", "oci:" + cli.root + ":bare");
        Tools.ok(skopeo, "inspect", "--raw", "oci:" + cli.root + ":foreign/multi:1");

        // fsck now reports only the kept entry, and --repair leaves it (it is not damage to mend).
        Cli.Result after = cli.run("fsck", "--quick", "--repair");
        assertEquals(0, after.code(), after.out() + after.err());
        assertEquals(List.of("app:1", "bare", "foreign/multi:1"), indexNames());
        Tools.ok(skopeo, "inspect", "oci:" + cli.root + ":bare");
    }

    @Test
    void aMalformedOrDisagreeingIndexJsonIsReportedAndRepaired() throws IOException {
        WrittenLayout app = TestImages.twoTagsSharingLayers(tmp.resolve("app"));
        cli.run("import", "--all", "--repo", "app", app.dir().toString()).ok();
        cli.run("fsck", "--quick").ok();
        Path index = cli.root.resolve("index.json");
        byte[] good = Files.readAllBytes(index);

        // A reference missing from index.json.
        JsonNode parsed = Cli.JSON.readTree(good);
        ((com.fasterxml.jackson.databind.node.ArrayNode) parsed.get("manifests")).remove(0);
        Files.write(index, Cli.JSON.writeValueAsBytes(parsed));
        Cli.Result missing = cli.run("fsck", "--quick");
        assertEquals(5, missing.code());
        assertTrue(missing.out().contains("index.json: reference app:latest is missing from index.json (use --repair)"), missing.out());
        cli.run("fsck", "--quick", "--repair").ok();
        assertEquals(List.of("app:latest", "app:v2"), indexNames());
        cli.run("fsck", "--quick").ok();

        // Malformed: reported, repaired from the references; the bad bytes are kept aside.
        Files.writeString(index, "{\"manifests\": ");
        Cli.Result bad = cli.run("fsck", "--quick");
        assertEquals(5, bad.code());
        assertTrue(bad.out().contains("index.json: index.json is not an OCI index (use --repair)"), bad.out());
        cli.run("list").ok();
        cli.run("fsck", "--quick", "--repair");
        assertEquals(List.of("app:latest", "app:v2"), indexNames());
        try (var s = Files.list(cli.root)) {
            assertTrue(s.anyMatch(p -> p.getFileName().toString().startsWith("index.json.malformed-")));
        }
        cli.run("fsck", "--quick").ok();
    }

    @Test
    void rebuildIndexKeepsReferencesAndRecords() throws IOException {
        WrittenLayout app = TestImages.twoTagsSharingLayers(tmp.resolve("app"));
        cli.run("import", "--all", "--repo", "app", app.dir().toString()).ok();
        cli.run("kv", "set", "notes", "k1", "v1").ok();
        String manifest = app.ref("latest").digest();
        cli.run("kv", "set", "notes", "k2", "v2", "--blob", manifest).ok();
        cli.run("blob", "data", "set", manifest, "note", "hello").ok();

        // Readable but the caller asks for a rebuild: everything comes back.
        Cli.Result rebuilt = cli.run("fsck", "--rebuild-index");
        assertEquals(0, rebuilt.code(), rebuilt.out() + rebuilt.err());
        assertTrue(rebuilt.err().contains("restored from the old database: "), rebuilt.err());
        assertEquals("v1\n", cli.run("kv", "get", "notes", "k1").ok().out());
        assertEquals("v2\n", cli.run("kv", "get", "notes", "k2").ok().out());
        assertEquals("hello\n", cli.run("blob", "data", "get", manifest, "note").ok().out());
        assertEquals(2, cli.run("list", "--format", "{{.Reference}}").ok().lines().size());
        cli.run("check", "app:v2").ok();

        // Damaged beyond reading: the references come back from index.json, and say so.
        try (RandomAccessFile f = new RandomAccessFile(cli.root.resolve("cargohold.db").toFile(), "rw")) {
            f.seek(0);
            f.write("this is no longer an SQLite database, the header is gone".getBytes());
        }
        cli.run("list").fails(5, "fsck --rebuild-index");
        Cli.Result again = cli.run("fsck", "--rebuild-index");
        assertEquals(0, again.code(), again.out() + again.err());
        assertTrue(again.err().contains("restored 2 references from index.json: app:latest, app:v2"), again.err());
        assertTrue(again.err().contains("could not be read in full"), again.err());
        List<String> refs = cli.run("list", "--format", "{{.Reference}}\\t{{.Digest}}").ok().lines();
        assertEquals(2, refs.size());
        assertTrue(refs.get(0).startsWith("app:latest\t" + manifest), refs.toString());
        cli.run("check", "app:latest").ok();
        cli.run("check", "app:v2").ok();
        assertEquals(List.of("app:latest", "app:v2"), indexNames());
        assertFalse(cli.run("gc").ok().out().contains("removed:"), "every blob is reachable again");
    }
}
