package io.cargohold.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.WrittenDockerArchive;
import io.cargohold.testkit.images.WrittenLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image commands through Main.run: import, export, list, inspect, rm, check, gc. */
class ImageCommandsTest {
    @TempDir
    Path tmp;
    Cli cli;

    @BeforeEach
    void setUp() {
        cli = new Cli(tmp.resolve("store"));
    }

    @Test
    void importListInspectExportCheckRmGc() throws IOException {
        WrittenLayout w = TestImages.twoTagsSharingLayers(tmp.resolve("layout"));
        String latest = w.ref("latest").digest();
        String v2 = w.ref("v2").digest();

        Cli.Result imported = cli.run("import", "--sref", "latest", "--dref", "app:latest", w.dir().toString()).ok();
        assertTrue(imported.out().startsWith("app:latest\t" + latest + "\t"), imported.out());
        JsonNode all = cli.run("import", "--all", "--repo", "app", "--json", w.dir().toString()).ok().json();
        assertEquals(2, all.size());
        assertEquals(0, all.get(0).get("newBlobs").asInt(), "app:latest was there already");
        assertEquals("app:v2", all.get(1).get("reference").asText());
        assertEquals(v2, all.get(1).get("digest").asText());

        assertEquals(List.of("app:latest\t" + latest + "\tapplication/vnd.oci.image.manifest.v1+json\t" + w.ref("latest").descriptor().size(),
                "app:v2\t" + v2 + "\tapplication/vnd.oci.image.manifest.v1+json\t" + w.ref("v2").descriptor().size()),
                cli.run("list").ok().lines());
        JsonNode list = cli.run("list", "--json").ok().json();
        assertEquals(List.of("reference", "digest", "mediaType", "size"), fieldNames(list.get(0)));

        Cli.Result inspect = cli.run("inspect", "app:v2").ok();
        assertTrue(inspect.out().contains("digest:     " + v2), inspect.out());
        assertEquals(w.ref("v2").image().layers().size(), inspect.lines().stream().filter(l -> l.startsWith("layer:")).count());
        JsonNode ij = cli.run("inspect", "--json", "app:v2").ok().json();
        assertEquals(w.ref("v2").image().config().digest(), ij.get("config").get("digest").asText());
        byte[] raw = cli.run("inspect", "--raw", "app:v2").ok().stdout();
        assertEquals(v2, Cli.sha256(raw));

        Path out = tmp.resolve("exported");
        cli.run("export", "--sref", "app:v2", "--dref", "v2", out.toString()).ok();
        assertTrue(Files.readString(out.resolve("index.json")).contains("\"org.opencontainers.image.ref.name\":\"v2\""));
        assertArrayEquals(Files.readAllBytes(w.blobPath(v2)), Files.readAllBytes(out.resolve("blobs/sha256/" + v2.substring(7))));

        Cli.Result check = cli.run("check", "app:latest").ok();
        assertTrue(check.out().endsWith("complete\n"), check.out());

        assertEquals("removed app:v2\n", cli.run("rm", "--ref", "app:v2").ok().out(), "rm says what it removed");
        cli.run("rm", "--ref", "app:v2").fails(ExitCodes.NOT_FOUND, "reference app:v2 not found");
        // several at once: each is tried, every failure reported, the first failure's exit code
        cli.run("copy", "cargohold:app:latest", "cargohold:app:a").ok();
        cli.run("copy", "cargohold:app:latest", "cargohold:app:b").ok();
        Cli.Result several = cli.run("rm", "app:a", "app:gone", "app:b");
        assertEquals(ExitCodes.NOT_FOUND, several.code(), several.err());
        assertEquals("removed app:a\nremoved app:b\n", several.out());
        assertTrue(several.err().contains("reference app:gone not found"), several.err());
        assertTrue(cli.run("list").ok().out().contains("app:latest") && !cli.run("list").ok().out().contains("app:a\t"));
        JsonNode dry = cli.run("gc", "--dry-run", "--json").ok().json();
        assertTrue(dry.get("dryRun").asBoolean());
        int count = dry.get("count").asInt();
        assertTrue(count > 0);
        Cli.Result gc = cli.run("gc").ok();
        assertTrue(gc.out().contains("freed " + count + " blobs"), gc.out());
        assertEquals(0, cli.run("gc", "--json").ok().json().get("count").asInt());
        cli.run("check", "app:latest").ok();

        // damage: a missing layer makes check exit 5 and name it
        String layer = w.ref("latest").image().layers().getFirst().digest();
        Files.delete(tmp.resolve("store/blobs/sha256/" + layer.substring(7)));
        Cli.Result broken = cli.run("check", "app:latest");
        assertEquals(ExitCodes.CORRUPT, broken.code());
        assertTrue(broken.out().contains("missing: " + layer), broken.out());
        JsonNode bj = cli.run("check", "--json", "app:latest").json();
        assertFalse(bj.get("complete").asBoolean());
    }

    @Test
    void multiArchAndDockerArchive() throws IOException {
        WrittenLayout m = TestImages.multiArch(tmp.resolve("multi"));
        cli.run("import", "--sref", "latest", "--dref", "multi:1", m.dir().toString()).ok();
        Cli.Result inspect = cli.run("inspect", "multi:1").ok();
        assertEquals(2, inspect.lines().stream().filter(l -> l.startsWith("manifest:")).count(), inspect.out());
        assertTrue(inspect.out().contains("linux/arm64/v8"), inspect.out());

        WrittenDockerArchive a = TestImages.dockerArchive(tmp.resolve("app.tar"));
        JsonNode r = cli.run("import", "--docker-archive", "--dref", "fromdocker:1", "--json", a.file().toString()).ok().json();
        assertEquals("fromdocker:1", r.get(0).get("reference").asText());
        cli.run("check", "fromdocker:1").ok();
    }

    @Test
    void badInvocationsAndBadInput() throws IOException {
        WrittenLayout w = TestImages.small(tmp.resolve("layout"));
        String dir = w.dir().toString();
        cli.run("import", dir).fails(ExitCodes.USAGE, "give --sref REF");
        cli.run("import", "--sref", "latest", "--dref", "Bad:Tag", dir).fails(ExitCodes.USAGE, "invalid reference \"Bad:Tag\"");
        cli.run("import", "--sref", "latest", dir).fails(ExitCodes.USAGE, "needs a :tag");
        cli.run("import", "--all", "--sref", "x", dir).fails(ExitCodes.USAGE, "--all takes no --sref");
        cli.run("import", "--sref", "latest", "--dref", "a:1", tmp.resolve("nope").toString()).fails(ExitCodes.NOT_FOUND, "no such directory");
        cli.run("import", "--sref", "nope", "--dref", "a:1", dir).fails(ExitCodes.NOT_FOUND, "has no reference \"nope\" (it has: latest)");
        Files.delete(w.blobPath(w.ref("latest").image().config().digest()));
        cli.run("import", "--sref", "latest", "--dref", "a:1", dir).fails(ExitCodes.CORRUPT, "is incomplete");
        cli.run("list").ok();
        assertEquals("", cli.run("list").out(), "nothing was stored");
        cli.run("export", "--sref", "a:1", tmp.resolve("o").toString()).fails(ExitCodes.NOT_FOUND, "reference a:1 not found");
        cli.run("check", "a:1").fails(ExitCodes.NOT_FOUND, "reference a:1 not found");
        cli.run("inspect", "a:1").fails(ExitCodes.NOT_FOUND, "reference a:1 not found");
        cli.run("rm").fails(ExitCodes.USAGE, "");
    }

    @Test
    void badInputToTheImportAliasesHasTheTablesExitCodesAndChangesNothing() throws IOException {
        WrittenLayout ok = TestImages.small(tmp.resolve("ok"));
        cli.run("import", "--sref", "latest", "--dref", "ok:1", ok.dir().toString()).ok();
        String listBefore = cli.run("list").ok().out();
        String indexBefore = Files.readString(tmp.resolve("store/index.json"));

        WrittenLayout lying = TestImages.small(tmp.resolve("lying"), 9);
        String layer = lying.ref("latest").image().layers().getLast().digest();
        byte[] b = Files.readAllBytes(lying.blobPath(layer));
        b[b.length / 2] ^= 1;
        Files.write(lying.blobPath(layer), b);
        cli.run("import", "--sref", "latest", "--dref", "bad:1", lying.dir().toString()).fails(ExitCodes.CORRUPT, "blob " + layer + ": digest mismatch");

        WrittenLayout odd = TestImages.small(tmp.resolve("odd"), 10);
        Path index = odd.dir().resolve("index.json");
        Files.writeString(index, Files.readString(index).replace("application/vnd.oci.image.manifest.v1+json", "application/vnd.example.thing"));
        cli.run("import", "--sref", "latest", "--dref", "bad:2", odd.dir().toString()).fails(ExitCodes.USAGE, "not an image manifest or index");

        cli.run("import", "--docker-archive", tmp.resolve("none.tar").toString()).fails(ExitCodes.NOT_FOUND, "no such file");
        assertEquals(listBefore, cli.run("list").ok().out(), "nothing stored");
        assertEquals(indexBefore, Files.readString(tmp.resolve("store/index.json")));
        cli.run("check", "ok:1").ok();
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> out = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
