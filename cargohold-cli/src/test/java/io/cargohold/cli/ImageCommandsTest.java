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

        // list: a header, then one aligned row per reference; the size is the image's (config + layers), not the manifest's
        long latestSize = imageSize(w, "latest");
        long v2Size = imageSize(w, "v2");
        List<String> lines = cli.run("list").ok().lines();
        assertEquals(List.of("REPOSITORY", "TAG", "ID", "TYPE", "SIZE"), List.of(lines.get(0).split(" {2,}")));
        assertEquals(List.of("app", "latest", latest.substring(7, 19), "manifest", Output.bytes(latestSize)), List.of(lines.get(1).split(" {2,}")));
        assertEquals(List.of("app", "v2", v2.substring(7, 19), "manifest", Output.bytes(v2Size)), List.of(lines.get(2).split(" {2,}")));
        assertEquals(lines.get(0).indexOf("SIZE"), lines.get(1).indexOf(Output.bytes(latestSize)), "columns line up");
        JsonNode list = cli.run("list", "--json").ok().json();
        assertEquals(List.of("reference", "digest", "mediaType", "size", "imageSize"), fieldNames(list.get(0)));
        assertEquals(w.ref("latest").descriptor().size(), list.get(0).get("size").asLong(), "size stays the manifest's (scripts)");
        assertEquals(latestSize, list.get(0).get("imageSize").asLong());
        // --format: podman's Go-template subset
        assertEquals("app:latest " + latestSize + "\napp:v2 " + v2Size + "\n", cli.run("list", "--format", "{{.Reference}} {{ .Bytes }}").ok().out());
        assertEquals("REPOSITORY  TAG     MANIFEST SIZE\napp         latest  " + w.ref("latest").descriptor().size() + "\napp         v2      "
                + w.ref("v2").descriptor().size() + "\n", cli.run("list", "--format", "table {{.Repository}}\\t{{.Tag}}\\t{{.ManifestSize}}").ok().out());
        JsonNode row = Cli.JSON.readTree(cli.run("list", "--format", "{{json .}}").ok().lines().get(1));
        assertEquals("v2", row.get("Tag").asText());
        assertEquals(v2, row.get("Digest").asText());
        assertEquals("\"" + latest + "\"\n", cli.run("list", "--format", "{{json .Digest}}").ok().out().lines().findFirst().get() + "\n");
        cli.run("list", "--format", "{{.Nope}}").fails(ExitCodes.USAGE, "can't evaluate field Nope (fields: .Repository, .Tag");
        cli.run("list", "--format", "{{if .Tag}}x{{end}}").fails(ExitCodes.USAGE, "unsupported action \"{{if .Tag}}\"");
        cli.run("list", "--format", "{{.Tag").fails(ExitCodes.USAGE, "unclosed action");
        cli.run("list", "--json", "--format", "{{.Tag}}").fails(ExitCodes.USAGE, "--json and --format cannot be used together");

        Cli.Result inspect = cli.run("inspect", "app:v2").ok();
        assertTrue(inspect.out().contains("digest:     " + v2), inspect.out());
        assertEquals(w.ref("v2").image().layers().size(), inspect.lines().stream().filter(l -> l.startsWith("layer:")).count());
        JsonNode ij = cli.run("inspect", "--json", "app:v2").ok().json();
        assertEquals(w.ref("v2").image().config().digest(), ij.get("config").get("digest").asText());
        byte[] raw = cli.run("inspect", "--raw", "app:v2").ok().stdout();
        assertEquals(v2, Cli.sha256(raw));
        // several references: each shown (JSON: an array), every failure reported, the highest exit code
        Cli.Result both = cli.run("inspect", "app:latest", "app:v2").ok();
        assertTrue(both.out().contains("digest:     " + latest + "\n") && both.out().contains("digest:     " + v2 + "\n"), both.out());
        JsonNode arr = cli.run("inspect", "--json", "app:latest", "app:v2").ok().json();
        assertEquals(List.of(latest, v2), List.of(arr.get(0).get("digest").asText(), arr.get(1).get("digest").asText()));
        Cli.Result partly = cli.run("inspect", "app:latest", "app:gone");
        assertEquals(ExitCodes.NOT_FOUND, partly.code(), partly.err());
        assertTrue(partly.out().contains("digest:     " + latest), partly.out());
        assertTrue(partly.err().contains("app:gone: reference app:gone not found"), partly.err());
        cli.run("inspect", "--raw", "app:latest", "app:v2").fails(ExitCodes.USAGE, "--raw takes one reference");

        Path out = tmp.resolve("exported");
        JsonNode exported = cli.run("export", "--sref", "app:v2", "--dref", "v2", "--json", out.toString()).ok().json();
        // one summary shape for copy, import and export (each keeps its older fields after the shared ones)
        List<String> shared = List.of("source", "destination", "digest", "mediaType", "instances", "blobsCopied", "blobsReused", "bytesCopied",
                "seconds");
        List<String> exportFields = new java.util.ArrayList<>(shared);
        exportFields.addAll(List.of("layout", "reference", "blobs", "written", "bytesWritten"));
        assertEquals(exportFields, fieldNames(exported));
        assertEquals("cargohold:app:v2", exported.get("source").asText());
        assertEquals("oci:" + out + ":v2", exported.get("destination").asText());
        assertEquals(v2, exported.get("digest").asText());
        List<String> importFields = new java.util.ArrayList<>(shared);
        importFields.addAll(List.of("reference", "size", "blobs", "bytes", "newBlobs"));
        assertEquals(importFields, fieldNames(all.get(1)));
        assertEquals("cargohold:app:v2", all.get(1).get("destination").asText());
        assertEquals(shared, fieldNames(cli.run("copy", "--json", "cargohold:app:v2", "cargohold:app:copied").ok().json()));
        cli.run("rm", "app:copied").ok();
        assertTrue(Files.readString(out.resolve("index.json")).contains("\"org.opencontainers.image.ref.name\":\"v2\""));
        assertArrayEquals(Files.readAllBytes(w.blobPath(v2)), Files.readAllBytes(out.resolve("blobs/sha256/" + v2.substring(7))));

        Cli.Result check = cli.run("check", "app:latest").ok();
        assertTrue(check.out().endsWith("complete\n"), check.out());
        JsonNode checks = cli.run("check", "--json", "app:latest", "app:v2").ok().json();
        assertEquals(2, checks.size());
        assertTrue(checks.get(1).get("complete").asBoolean());
        Cli.Result checkMissing = cli.run("check", "app:latest", "app:gone");
        assertEquals(ExitCodes.NOT_FOUND, checkMissing.code());
        assertTrue(checkMissing.out().contains("app:latest: ") && checkMissing.err().contains("app:gone: reference app:gone not found"),
                checkMissing.out() + checkMissing.err());

        assertEquals("removed app:v2\n", cli.run("rm", "--ref", "app:v2").ok().out(), "rm says what it removed");
        cli.run("rm", "--ref", "app:v2").fails(ExitCodes.NOT_FOUND, "reference app:v2 not found");
        // several at once: each is tried, every failure reported, the first failure's exit code
        cli.run("copy", "cargohold:app:latest", "cargohold:app:a").ok();
        cli.run("copy", "cargohold:app:latest", "cargohold:app:b").ok();
        Cli.Result several = cli.run("rm", "app:a", "app:gone", "app:b");
        assertEquals(ExitCodes.NOT_FOUND, several.code(), several.err());
        assertEquals("removed app:a\nremoved app:b\n", several.out());
        assertTrue(several.err().contains("reference app:gone not found"), several.err());
        assertEquals("app:latest\n", cli.run("list", "--format", "{{.Reference}}").ok().out());
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
        // the worst of several: corrupt (5) beats not found (3)
        assertEquals(ExitCodes.CORRUPT, cli.run("check", "app:gone", "app:latest").code());
        // sizes come from the descriptors: a missing layer does not change it; a missing manifest does:
        // list still lists the reference, without a size, and says why
        assertTrue(cli.run("list").ok().out().contains(Output.bytes(latestSize) + "\n"));
        Files.delete(tmp.resolve("store/blobs/sha256/" + latest.substring(7)));
        Cli.Result listBroken = cli.run("list");
        assertEquals(0, listBroken.code());
        assertTrue(listBroken.out().contains(" ?\n"), listBroken.out());
        assertTrue(listBroken.err().contains("app:latest: no size: "), listBroken.err());
    }

    @Test
    void namesAreMatchedAsPodmanMatchesThem() throws IOException {
        WrittenLayout w = TestImages.twoTagsSharingLayers(tmp.resolve("layout"));
        String latest = w.ref("latest").digest();
        String v2 = w.ref("v2").digest();
        cli.run("import", "--sref", "latest", "--dref", "app:latest", w.dir().toString()).ok();
        cli.run("import", "--sref", "v2", "--dref", "quay.io/team/tool:v2", w.dir().toString()).ok();
        // stored as given; found by every name that normalises to the same one (containers/image's rules)
        for (String name : List.of("app", "app:latest", "library/app", "docker.io/library/app:latest", "index.docker.io/library/app",
                "app@" + latest)) {
            assertEquals(latest, cli.run("inspect", "--json", name).ok().json().get("digest").asText(), name);
        }
        assertEquals(v2, cli.run("inspect", "--json", "quay.io/team/tool@" + v2).ok().json().get("digest").asText());
        cli.run("inspect", "tool:v2").fails(ExitCodes.NOT_FOUND, "reference tool:v2 not found (nor docker.io/library/tool:v2)");
        cli.run("inspect", "app:v2").fails(ExitCodes.NOT_FOUND, "docker.io/library/app:v2");
        cli.run("inspect", "app@" + v2).fails(ExitCodes.NOT_FOUND, "not found");
        cli.run("check", "docker.io/library/app").ok();
        cli.run("copy", "-q", "cargohold:docker.io/library/app:latest", "oci:" + tmp.resolve("out") + ":x").ok();
        // two stored names that normalise alike: the exact one is found, the others are ambiguous
        cli.run("import", "--sref", "latest", "--dref", "docker.io/library/app:latest", w.dir().toString()).ok();
        assertEquals(latest, cli.run("inspect", "--json", "app:latest").ok().json().get("digest").asText());
        cli.run("inspect", "app").fails(ExitCodes.USAGE, "app names 2 references (app:latest, docker.io/library/app:latest)");
        // rm says which stored name it removed
        assertEquals("removed docker.io/library/app:latest\n", cli.run("rm", "docker.io/library/app:latest").ok().out());
        assertEquals("removed app:latest\n", cli.run("rm", "library/app").ok().out());
        cli.run("inspect", "app").fails(ExitCodes.NOT_FOUND, "not found");
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
        assertEquals(List.of("REPOSITORY  TAG  ID  TYPE  SIZE"), cli.run("list").ok().lines(), "nothing was stored: the header alone");
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

    /** The image's configs and layers, as the test layout wrote them. */
    private static long imageSize(WrittenLayout w, String ref) {
        var image = w.ref(ref).image();
        return image.config().size() + image.layers().stream().mapToLong(l -> l.size()).sum();
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> out = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
