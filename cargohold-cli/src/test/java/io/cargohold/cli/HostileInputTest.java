package io.cargohold.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.content.StoreOptions;
import io.cargohold.digest.Digest;
import io.cargohold.oci.MediaTypes;
import io.cargohold.oci.OciStore;
import io.cargohold.oci.graph.DescriptorWalker;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.WrittenLayout;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, "no hang, no crash, a clear error" and "input validation", through the real CLI: files
 * that are not regular files (real FIFOs made by mkfifo, directories, links out of the layout) are
 * refused at once with their path, a 10,000-deep index is exit 5, a reference labelled as a layer
 * is incomplete, blob get never writes what it knows is wrong, and bad arguments are usage errors.
 */
class HostileInputTest {
    /** Generous: the refusals are immediate; a regression would block for ever without it. */
    private static final Duration HANG = Duration.ofSeconds(60);

    @TempDir
    Path tmp;
    Cli cli;

    @BeforeEach
    void setUp() {
        cli = new Cli(tmp.resolve("store"));
    }

    private static void mkfifo(Path p) throws IOException, InterruptedException {
        Process proc = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        assertEquals(0, proc.waitFor());
        assertTrue(Files.exists(p) && !Files.isRegularFile(p), p + " is a FIFO");
    }

    @Test
    void aFifoInALayoutOrAsAnArchiveIsRefusedAtOnceNamingIt() throws Exception {
        for (String name : List.of("index.json", "oci-layout")) {
            WrittenLayout w = TestImages.small(tmp.resolve("fifo-" + name));
            Files.delete(w.dir().resolve(name));
            mkfifo(w.dir().resolve(name));
            Cli.Result r = assertTimeoutPreemptively(HANG, () -> cli.run("import", "--sref", "latest", "--dref", "x:1", w.dir().toString()));
            r.fails(5, name + " is not a regular file (a FIFO, socket or device)");
            assertTrue(r.err().contains(w.dir().toString()), r.err());
        }
        WrittenLayout blob = TestImages.small(tmp.resolve("fifo-blob"));
        Path layer = blob.dir().resolve("blobs/sha256/" + Digest.parse(blob.ref("latest").image().layers().getFirst().digest()).hex());
        Files.delete(layer);
        mkfifo(layer);
        assertTimeoutPreemptively(HANG, () -> cli.run("import", "--sref", "latest", "--dref", "x:1", blob.dir().toString()))
                .fails(5, "is not a regular file (a FIFO, socket or device)");
        Path fifo = tmp.resolve("archive.tar");
        mkfifo(fifo);
        assertTimeoutPreemptively(HANG, () -> cli.run("import", "--docker-archive", fifo.toString()))
                .fails(2, fifo + " is not a regular file");
        assertTimeoutPreemptively(HANG, () -> cli.run("copy", "oci-archive:" + fifo, "cargohold:x:1"))
                .fails(2, fifo + " is not a regular file");
        assertEquals("REPOSITORY  TAG  ID  TYPE  SIZE\n", cli.run("list").ok().out(), "nothing was stored (the header alone)");
    }

    @Test
    void directoriesAndLinksOutOfTheLayoutAreRefused() throws IOException {
        WrittenLayout dir = TestImages.small(tmp.resolve("dir"));
        Files.delete(dir.dir().resolve("index.json"));
        Files.createDirectory(dir.dir().resolve("index.json"));
        cli.run("import", "--sref", "latest", "--dref", "x:1", dir.dir().toString()).fails(5, "index.json is not a regular file (a directory)");

        WrittenLayout link = TestImages.small(tmp.resolve("link"));
        Path outside = tmp.resolve("outside.json");
        Files.writeString(outside, "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.delete(link.dir().resolve("oci-layout"));
        Files.createSymbolicLink(link.dir().resolve("oci-layout"), outside);
        cli.run("import", "--sref", "latest", "--dref", "x:1", link.dir().toString())
                .fails(5, "oci-layout is not a regular file (a symbolic link)");
        cli.run("import", "--docker-archive", tmp.toString()).fails(2, "is not a regular file (a directory)");
    }

    /** Wraps the layout's "latest" in {@code levels} indexes and names the outermost "deep". */
    private static void nest(WrittenLayout w, int levels) throws IOException {
        String mediaType = w.ref("latest").descriptor().mediaType();
        String digest = w.ref("latest").digest();
        long size = w.ref("latest").descriptor().size();
        for (int i = 0; i < levels; i++) {
            byte[] index = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[{\"mediaType\":\""
                    + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + size + "}]}").getBytes(StandardCharsets.UTF_8);
            Digest d = Digest.sha256(index);
            Files.write(w.dir().resolve("blobs/sha256/" + d.hex()), index);
            mediaType = MediaTypes.OCI_INDEX;
            digest = d.toString();
            size = index.length;
        }
        Files.writeString(w.dir().resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" + mediaType
                + "\",\"digest\":\"" + digest + "\",\"size\":" + size + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"deep\"}}]}");
    }

    @Test
    void aTenThousandDeepIndexIsExitFiveNotAStackOverflow() throws IOException {
        WrittenLayout w = TestImages.small(tmp.resolve("deep"));
        nest(w, 10_000);
        cli.run("import", "--sref", "deep", "--dref", "deep:1", w.dir().toString()).fails(5, "nested more than");
        cli.run("copy", "--all", "oci:" + w.dir() + ":deep", "oci:" + tmp.resolve("copy") + ":deep").fails(5, "nested more than");
        assertEquals("REPOSITORY  TAG  ID  TYPE  SIZE\n", cli.run("list").ok().out());
    }

    /**
     * The default width limit ({@value DescriptorWalker#MAX_BLOBS} blobs per walk) with real files
     * through the CLI: an index of 10 manifests of 25,000 layers each (every manifest under the 4 MiB
     * document limit; the layers are never read, the walk fails first) is exit 5 naming the limit and
     * the source, and nothing is stored.
     */
    @Test
    void aGraphOfMoreThanTheDefaultBlobLimitIsExitFive() throws IOException {
        Path dir = tmp.resolve("wide");
        Files.createDirectories(dir.resolve("blobs/sha256"));
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        int manifests = 10;
        int layers = 25_000;
        assertTrue(manifests * (layers + 2) + 1 > DescriptorWalker.MAX_BLOBS);
        StringBuilder index = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[");
        for (int m = 0; m < manifests; m++) {
            StringBuilder b = new StringBuilder(layers * 150);
            b.append("{\"schemaVersion\":2,\"mediaType\":\"").append(MediaTypes.OCI_MANIFEST).append("\",\"config\":")
                    .append(fakeDescriptor(MediaTypes.OCI_CONFIG, m, 999_999)).append(",\"layers\":[");
            for (int i = 0; i < layers; i++) {
                b.append(i == 0 ? "" : ",").append(fakeDescriptor(MediaTypes.OCI_LAYER, m, i));
            }
            byte[] raw = b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
            Digest d = Digest.sha256(raw);
            Files.write(dir.resolve("blobs/sha256/" + d.hex()), raw);
            index.append(m == 0 ? "" : ",").append("{\"mediaType\":\"").append(MediaTypes.OCI_MANIFEST).append("\",\"digest\":\"")
                    .append(d).append("\",\"size\":").append(raw.length).append("}");
        }
        byte[] raw = index.append("]}").toString().getBytes(StandardCharsets.UTF_8);
        Digest top = Digest.sha256(raw);
        Files.write(dir.resolve("blobs/sha256/" + top.hex()), raw);
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" + MediaTypes.OCI_INDEX
                + "\",\"digest\":\"" + top + "\",\"size\":" + raw.length
                + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"wide\"}}]}");
        cli.run("import", "--sref", "wide", "--dref", "wide:1", dir.toString())
                .fails(5, "the graph of oci:" + dir + ":wide names more than " + DescriptorWalker.MAX_BLOBS + " blobs (the walker's limit");
        cli.run("copy", "--all", "oci:" + dir + ":wide", "oci:" + tmp.resolve("copy") + ":wide")
                .fails(5, "names more than " + DescriptorWalker.MAX_BLOBS + " blobs");
        assertEquals("REPOSITORY  TAG  ID  TYPE  SIZE\n", cli.run("list").ok().out(), "nothing stored (the header alone)");
        assertFalse(Files.exists(tmp.resolve("copy")), "the copy created nothing");
    }

    /** A descriptor of a blob that does not exist (the walk never reads leaves), distinct per (m, i). */
    private static String fakeDescriptor(String mediaType, int m, int i) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"sha256:" + String.format("%064x", m * 1_000_000L + i) + "\",\"size\":1}";
    }

    @Test
    void aReferenceLabelledAsALayerIsIncompleteNotComplete() throws IOException {
        WrittenLayout w = TestImages.small(tmp.resolve("layout"));
        cli.run("import", "--sref", "latest", "--dref", "good:1", w.dir().toString()).ok();
        // A reference record as an older version or another writer could have left it: the manifest
        // labelled as a layer. It is written below the OCI layer, as the CLI refuses the namespace.
        try (OciStore oci = OciStore.open(cli.root, StoreOptions.defaults())) {
            String d = w.ref("latest").digest();
            oci.blobs().putRecord(OciStore.REFS, "bad:1", "{\"mediaType\":\"" + MediaTypes.OCI_LAYER_GZIP + "\",\"digest\":\"" + d
                    + "\",\"size\":" + w.ref("latest").descriptor().size() + "}", Digest.parse(d));
        }
        Cli.Result check = cli.run("check", "bad:1");
        assertEquals(5, check.code(), check.err());
        assertTrue(check.out().contains("labelled " + MediaTypes.OCI_LAYER_GZIP), check.out());
        assertTrue(check.out().contains("1 problems"), check.out());
        cli.run("check", "good:1").ok();
    }

    private static String tree(Path dir) {
        try (var s = Files.walk(dir)) {
            return s.map(p -> dir.relativize(p) + (Files.isRegularFile(p) ? " " + p.toFile().length() : "")).toList().toString();
        } catch (IOException e) {
            return e.toString();
        }
    }

    /**
     * Adds to {@code w} a copy of tag {@code from}'s manifest whose config ({@code layer} false) or first
     * layer names the manifest of tag {@code target}, labelled {@code label}, and names it {@code name}
     * in index.json; returns the new manifest's digest.
     */
    private static Digest lie(WrittenLayout w, String name, String from, boolean layer, String label, String target) throws IOException {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var m = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(w.blobPath(w.ref(from).digest()).toFile());
        var d = (com.fasterxml.jackson.databind.node.ObjectNode) (layer ? m.get("layers").get(0) : m.get("config"));
        d.put("mediaType", label);
        d.put("digest", w.ref(target).digest());
        d.put("size", w.ref(target).descriptor().size());
        byte[] raw = mapper.writeValueAsBytes(m);
        Digest digest = Digest.sha256(raw);
        Files.write(w.dir().resolve("blobs/sha256/" + digest.hex()), raw);
        var index = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(w.dir().resolve("index.json").toFile());
        var entry = ((com.fasterxml.jackson.databind.node.ArrayNode) index.get("manifests")).addObject();
        entry.put("mediaType", MediaTypes.OCI_MANIFEST).put("digest", digest.toString()).put("size", raw.length);
        entry.putObject("annotations").put(MediaTypes.REF_NAME_ANNOTATION, name);
        Files.write(w.dir().resolve("index.json"), mapper.writeValueAsBytes(index));
        return digest;
    }

    /**
     * A manifest hidden as a config or as a layer (a media-type lie) is refused at import and in copy,
     * exit 5, whether its bytes stream in or are already in the store (found present, not read by the
     * copy: the import's commit looks at them), and nothing is stored or created; a reference to such
     * an image (written below the OCI layer) is incomplete for {@code check}, not complete.
     */
    @Test
    void aManifestHiddenAsAConfigOrALayerIsRefusedAtImportAndCheckReportsIt() throws IOException {
        WrittenLayout w = TestImages.twoTagsSharingLayers(tmp.resolve("layout"));
        cli.run("import", "--sref", "latest", "--dref", "good:1", w.dir().toString()).ok();
        Digest cfgNew = lie(w, "config-new", "latest", false, MediaTypes.OCI_CONFIG, "v2");
        Digest cfgStored = lie(w, "config-stored", "latest", false, MediaTypes.OCI_CONFIG, "latest");
        Digest layerNew = lie(w, "layer-new", "latest", true, MediaTypes.OCI_LAYER_GZIP, "v2");
        Digest layerStored = lie(w, "layer-stored", "v2", true, MediaTypes.OCI_LAYER_GZIP, "latest");
        byte[] indexBefore = Files.readAllBytes(cli.root.resolve("index.json"));
        for (String name : List.of("config-new", "config-stored")) {
            cli.run("import", "--sref", name, "--dref", "bad:1", w.dir().toString())
                    .fails(5, "is an image manifest labelled as a config (" + MediaTypes.OCI_CONFIG + ")");
        }
        for (String name : List.of("layer-new", "layer-stored")) {
            cli.run("import", "--sref", name, "--dref", "bad:1", w.dir().toString())
                    .fails(5, "is an image manifest labelled as a layer (" + MediaTypes.OCI_LAYER_GZIP + ")");
            cli.run("copy", "--all", "oci:" + w.dir() + ":" + name, "oci:" + tmp.resolve("copy") + ":x")
                    .fails(5, "is an image manifest labelled as a layer");
            assertFalse(Files.exists(tmp.resolve("copy")), () -> name + ": the copy created nothing: " + tree(tmp.resolve("copy")));
        }
        cli.run("copy", "oci:" + w.dir() + ":config-new", "oci:" + tmp.resolve("copy") + ":x")
                .fails(5, "is an image manifest labelled as a config");
        assertFalse(Files.exists(tmp.resolve("copy")), () -> "the copies created nothing: " + tree(tmp.resolve("copy")));
        assertEquals(2, cli.run("list").ok().lines().size(), "the header and good:1 alone");
        assertTrue(java.util.Arrays.equals(indexBefore, Files.readAllBytes(cli.root.resolve("index.json"))));
        assertEquals("", cli.run("blob", "ls", "--prefix", layerNew.toString()).ok().out(), "a refused import leaves none of its blobs");

        // References to such images, as an older version could have stored them: check says incomplete.
        for (Digest d : List.of(cfgNew, cfgStored, layerNew, layerStored)) {
            cli.run("blob", "put", "--media-type", MediaTypes.OCI_MANIFEST, w.dir().resolve("blobs/sha256/" + d.hex()).toString()).ok();
        }
        cli.run("blob", "put", "--media-type", MediaTypes.OCI_MANIFEST, w.blobPath(w.ref("v2").digest()).toString()).ok();
        try (OciStore oci = OciStore.open(cli.root, StoreOptions.defaults())) {
            for (var e : Map.of("cfg-new:1", cfgNew, "cfg-stored:1", cfgStored, "layer-new:1", layerNew, "layer-stored:1", layerStored).entrySet()) {
                long size = Files.size(w.dir().resolve("blobs/sha256/" + e.getValue().hex()));
                oci.blobs().putRecord(OciStore.REFS, e.getKey(), "{\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"digest\":\""
                        + e.getValue() + "\",\"size\":" + size + "}", e.getValue());
            }
        }
        for (String ref : List.of("cfg-new:1", "cfg-stored:1", "layer-new:1", "layer-stored:1")) {
            Cli.Result check = cli.run("check", ref);
            assertEquals(5, check.code(), ref + ": " + check.out() + check.err());
            String role = ref.startsWith("cfg") ? "config" : "layer";
            assertTrue(check.out().contains("an image manifest labelled as a " + role), check.out());
            if (!ref.equals("layer-stored:1")) { // that one is v2's, whose own config and last layer were never stored
                assertTrue(check.out().contains("1 problems"), check.out());
            }
            Cli.Result json = cli.run("check", "--json", ref);
            assertFalse(json.json().path("complete").asBoolean(true), json.out());
        }
        cli.run("check", "good:1").ok();
    }

    /**
     * A copy into a new layout that fails in one layer while its siblings are being copied in parallel
     * leaves nothing, every time: the failure interrupts the siblings, and an interrupt during a journal
     * write used to close the journal's channel, so its abort failed before removing the layout (2 of 20
     * rounds left an empty layout before the journal wrote through a stream).
     */
    @Test
    void aParallelCopyFailingInOneLayerLeavesNoLayoutBehind() throws IOException {
        WrittenLayout w = TestImages.twoTagsSharingLayers(tmp.resolve("layout"));
        lie(w, "layer-new", "latest", true, MediaTypes.OCI_LAYER_GZIP, "v2");
        StringBuilder left = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            Cli.Result r = cli.run("copy", "--all", "oci:" + w.dir() + ":layer-new", "oci:" + tmp.resolve("copy") + ":x");
            assertEquals(5, r.code(), r.err());
            if (Files.exists(tmp.resolve("copy"))) {
                left.append("round ").append(i).append(": ").append(tree(tmp.resolve("copy"))).append('\n');
                deleteTree(tmp.resolve("copy"));
            }
        }
        assertEquals("", left.toString());
    }

    private static void deleteTree(Path p) throws IOException {
        try (var s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }

    @Test
    void blobGetWritesNothingItKnowsIsWrong() throws IOException {
        byte[] a = Cli.utf8("first blob\n");
        byte[] b = Cli.utf8("second, longer blob\n");
        Path fa = tmp.resolve("a");
        Path fb = tmp.resolve("b");
        Files.write(fa, a);
        Files.write(fb, b);
        cli.run("blob", "put", fa.toString()).ok();
        cli.run("blob", "put", fb.toString()).ok();
        Path fileA = cli.root.resolve("blobs/sha256/" + Cli.sha256(a).substring(7));
        Path fileB = cli.root.resolve("blobs/sha256/" + Cli.sha256(b).substring(7));

        // A link where the blob should be: refused before a byte is written, also with -o.
        Files.delete(fileA);
        Files.createSymbolicLink(fileA, fileB);
        cli.run("blob", "get", Cli.sha256(a)).fails(5, "is not a regular file (a symbolic link)");
        Path out = tmp.resolve("out");
        cli.run("blob", "get", "-o", out.toString(), Cli.sha256(a)).fails(5, "is not a regular file");
        assertFalse(Files.exists(out));

        // A file of the wrong size: refused before a byte is written.
        Files.delete(fileA);
        Files.write(fileA, Cli.utf8("first blob, grown\n"));
        cli.run("blob", "get", Cli.sha256(a)).fails(5, "bytes on disk, " + a.length + " recorded");

        // Same size, other content: only the end of the stream can tell; -o leaves no file.
        Files.delete(fileA);
        Files.write(fileA, Cli.utf8("FIRST BLOB\n"));
        cli.run("blob", "get", "-o", out.toString(), Cli.sha256(a)).fails(5, "its content hashes to");
        assertFalse(Files.exists(out));
        try (var s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith("out")), "no temp file left beside -o");
        }
    }

    @Test
    void aDirectoryWhereAFileWasExpectedIsNamedWithWhatToDo() throws IOException {
        Cli db = new Cli(tmp.resolve("db"));
        Files.createDirectories(db.root.resolve("cargohold.db"));
        db.run("list").fails(1, "cannot open the store at " + db.root + ": " + db.root.resolve("cargohold.db")
                + " is a directory where a file was expected; move it away");
        Cli ingest = new Cli(tmp.resolve("ingest"));
        Files.createDirectories(ingest.root);
        Files.writeString(ingest.root.resolve("ingest"), "not a directory");
        ingest.run("status").fails(1, ingest.root.resolve("ingest") + " is a file where a directory was expected; move it away");
    }

    @Test
    void badArgumentsAreUsageErrors() throws IOException {
        Cli.raw(new byte[0], Map.of("HOME", tmp.toString()), "--root", "", "list").fails(2, "--root must not be empty");
        Cli.raw(new byte[0], Map.of("HOME", tmp.toString(), "CARGOHOLD_ROOT", ""), "list").fails(2, "$CARGOHOLD_ROOT is set but empty");
        cli.run("--lock-timeout", "-1", "list").fails(2, "--lock-timeout must be a number of seconds, 0 or more");
        cli.run("list", "--lock-timeout", "-0.5").fails(2, "--lock-timeout must be");
        cli.run("--lock-timeout", "0", "list").ok();

        WrittenLayout w = TestImages.small(tmp.resolve("layout"));
        cli.run("import", "--sref", "latest", "--dref", "Bad:1", w.dir().toString()).fails(2, "invalid reference \"Bad:1\"");
        cli.run("import", "--sref", "latest", "--dref", "app:1", "").fails(2, "SOURCE must not be empty");
        cli.run("import", "--sref", "latest", "--dref", "app:1", w.dir().toString()).ok();
        for (String bad : List.of("bad ref!", "-lead", "a//b", "trailing:", "x..y:1")) {
            cli.run("export", "--sref", "app:1", "--dref", bad, tmp.resolve("out").toString()).fails(2, "invalid oci reference name");
            cli.run("copy", "cargohold:app:1", "oci:" + tmp.resolve("out") + ":" + bad).fails(2, "invalid oci reference name");
        }
        assertFalse(Files.exists(tmp.resolve("out")), "nothing exported");
        cli.run("export", "--sref", "app:1", "").fails(2, "DIR must not be empty");
        cli.run("export", "--sref", "app:1", "--dref", "example.com/app:v1.0", tmp.resolve("out").toString()).ok();
        cli.run("copy", "", "cargohold:x:1").fails(2, "invalid image name");

        Map<String, String> graceEnv = new java.util.HashMap<>(cli.env);
        graceEnv.put("CARGOHOLD_FRESH_BLOB_GRACE", "-1");
        Cli.raw(new byte[0], graceEnv, "--root", cli.root.toString(), "status").fails(2, "$CARGOHOLD_FRESH_BLOB_GRACE must be");
        // The grace period is configurable: at 0 a put's blob is garbage at once, by default it is kept.
        Path loose = tmp.resolve("loose");
        Files.writeString(loose, "a blob nothing references");
        cli.run("blob", "put", loose.toString()).ok();
        assertTrue(cli.run("gc").ok().out().contains("freed 0 blobs"), "kept by its fresh-blob lease");
        graceEnv.put("CARGOHOLD_FRESH_BLOB_GRACE", "0");
        Files.writeString(loose, "another blob nothing references");
        Cli.raw(new byte[0], graceEnv, "--root", cli.root.toString(), "blob", "put", loose.toString()).ok();
        assertTrue(cli.run("gc").ok().out().contains("freed 1 blobs"), "no lease at a grace period of 0");

        cli.run("kv", "set", "refs", "x:1", "{}").fails(2, "namespace \"refs\" is reserved");
        cli.run("kv", "rm", "refs", "app:1").fails(2, "namespace \"refs\" is reserved");
        cli.run("kv", "set", "leases", "l/1", "2030-01-01T00:00:00Z").fails(2, "namespace \"leases\" is reserved");
        cli.run("kv", "get", "refs", "app:1").ok();
    }

    @Test
    void aMalformedReferenceRecordIsReportedSkippedAndRemovable() throws IOException {
        WrittenLayout w = TestImages.small(tmp.resolve("layout"));
        cli.run("import", "--sref", "latest", "--dref", "app:1", w.dir().toString()).ok();
        try (OciStore oci = OciStore.open(cli.root, StoreOptions.defaults())) {
            oci.blobs().putRecord(OciStore.REFS, "broken:1", "{\"bad", null);
            oci.blobs().putRecord(OciStore.REFS, "Not A Name", "{}", null);
        }
        Cli.Result list = cli.run("list");
        assertEquals(0, list.code(), list.err());
        assertEquals(2, list.lines().size(), list.out()); // the header and app:1
        assertTrue(list.lines().get(1).matches("app +1 +.*"), list.out());
        assertTrue(list.err().contains("skipped a malformed reference record \"broken:1\""), list.err());
        assertTrue(list.err().contains("skipped a malformed reference record \"Not A Name\""), list.err());
        cli.run("rm", "--ref", "broken:1").ok();
        cli.run("rm", "--ref", "Not A Name").ok();
        cli.run("list").ok();
        cli.run("rm", "--ref", "Not A Name").fails(2, "invalid reference");
    }

    @Test
    void aDockerArchiveWhoseConfigIsNotAnImageConfigIsRefused() throws IOException {
        Map<String, String> configs = Map.of(
                "manifest", "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"layers\":[]}",
                "rootfs-of-no-type", "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"diff_ids\":[]}}",
                "no-platform", "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
        for (var e : configs.entrySet()) {
            Path tar = tmp.resolve(e.getKey() + ".tar");
            try (OutputStream o = Files.newOutputStream(tar); TarArchiveOutputStream t = new TarArchiveOutputStream(o)) {
                add(t, "manifest.json", "[{\"Config\":\"config.json\",\"RepoTags\":[\"x:1\"],\"Layers\":[]}]");
                add(t, "config.json", e.getValue());
            }
            cli.run("import", "--docker-archive", tar.toString()).fails(5, "config.json");
        }
        assertEquals("REPOSITORY  TAG  ID  TYPE  SIZE\n", cli.run("list").ok().out());
    }

    private static void add(TarArchiveOutputStream t, String name, String content) throws IOException {
        byte[] b = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(b.length);
        t.putArchiveEntry(e);
        t.write(b);
        t.closeArchiveEntry();
    }
}
