package io.cargohold.copy.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cargohold.copy.CopyContext;
import io.cargohold.copy.CopyOptions;
import io.cargohold.copy.CopyResult;
import io.cargohold.copy.ImageCopier;
import io.cargohold.copy.Transports;
import io.cargohold.storage.Store;
import io.cargohold.storage.StoreOptions;
import io.cargohold.storage.archive.Compression;
import io.cargohold.testkit.fs.TreeSnapshot;
import io.cargohold.testkit.images.Tools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Shared pieces of the containers-storage transport tests: references, copies through the engine,
 * skopeo and podman calls, the record files read as JSON, and the comparison of two stores (ours and
 * skopeo's) record by record, item by item and tree by tree.
 */
final class StorageFixtures {
    static final ObjectMapper JSON = new ObjectMapper();

    private StorageFixtures() {
    }

    /** {@code containers-storage:[vfs@G+R]NAME}. */
    static String ref(Path graph, Path run, String name) {
        return "containers-storage:[vfs@" + graph.toAbsolutePath() + "+" + run.toAbsolutePath() + "]" + name;
    }

    static CopyContext context(Path tmp) {
        return CopyContext.of(tmp.resolve("cargohold"), null);
    }

    /** Our copy, through the engine and the standard transports. */
    static CopyResult copy(Path tmp, String from, String to, CopyOptions options) throws IOException {
        Transports t = Transports.standard();
        return ImageCopier.copy(t.parse(from), t.parse(to), context(tmp), options);
    }

    static CopyResult copy(Path tmp, String from, String to) throws IOException {
        return copy(tmp, from, to, CopyOptions.defaults());
    }

    /** {@code skopeo copy -q ARGS... FROM TO}, failing the test on a non-zero exit. */
    static void skopeoCopy(Object... args) {
        List<Object> cmd = new ArrayList<>(List.of(Tools.require("skopeo"), "copy", "-q"));
        cmd.addAll(List.of(args));
        Tools.ok(cmd.toArray());
    }

    // ------------------------------------------------------------------ record files

    static JsonNode layersJson(Path graph) throws IOException {
        return readArray(graph.resolve("vfs-layers/layers.json"));
    }

    static JsonNode imagesJson(Path graph) throws IOException {
        return readArray(graph.resolve("vfs-images/images.json"));
    }

    private static JsonNode readArray(Path p) throws IOException {
        try {
            byte[] b = Files.readAllBytes(p);
            return b.length == 0 ? JSON.createArrayNode() : JSON.readTree(b);
        } catch (NoSuchFileException e) {
            return JSON.createArrayNode();
        }
    }

    /** Layer records by ID, without {@code created} (the time each store made it). */
    static Map<String, JsonNode> layerRecords(Path graph) throws IOException {
        Map<String, JsonNode> out = new TreeMap<>();
        for (JsonNode l : layersJson(graph)) {
            ObjectNode c = l.deepCopy();
            c.remove("created");
            out.put(l.get("id").asText(), c);
        }
        return out;
    }

    /** Image records by ID, {@code big-data-names} as a sorted set (upstream writes the config item in map order). */
    static Map<String, JsonNode> imageRecords(Path graph) throws IOException {
        Map<String, JsonNode> out = new TreeMap<>();
        for (JsonNode i : imagesJson(graph)) {
            ObjectNode c = i.deepCopy();
            ArrayNode names = JSON.createArrayNode();
            TreeSet<String> sorted = new TreeSet<>();
            i.path("big-data-names").forEach(n -> sorted.add(n.asText()));
            sorted.forEach(names::add);
            c.set("big-data-names", names);
            out.put(i.get("id").asText(), c);
        }
        return out;
    }

    /** Every layer record and tree complete: no {@code incomplete} flag, a tree for each. */
    static void assertNoIncompleteLayers(Path graph) throws IOException {
        for (JsonNode l : layersJson(graph)) {
            assertFalse(l.path("flags").has("incomplete"), "incomplete layer " + l);
            assertEquals(true, Files.isDirectory(graph.resolve("vfs/dir").resolve(l.get("id").asText())), "tree of " + l);
        }
    }

    /**
     * Two stores hold the same images the same way: layer IDs and records (but their creation time),
     * image records (big-data names as sets), big-data items byte for byte, each layer's tree and diff.
     */
    static void assertSameStores(Path expectedGraph, Path expectedRun, Path actualGraph, Path actualRun) throws IOException {
        Map<String, JsonNode> el = layerRecords(expectedGraph);
        Map<String, JsonNode> al = layerRecords(actualGraph);
        assertEquals(el.keySet(), al.keySet(), "layer IDs");
        for (String id : el.keySet()) {
            assertEquals(el.get(id), al.get(id), "layer record " + id);
        }
        Map<String, JsonNode> ei = imageRecords(expectedGraph);
        Map<String, JsonNode> ai = imageRecords(actualGraph);
        assertEquals(ei.keySet(), ai.keySet(), "image IDs");
        for (String id : ei.keySet()) {
            assertEquals(ei.get(id), ai.get(id), "image record " + id);
        }
        Store expected = Store.open(StoreOptions.vfs(expectedGraph, expectedRun));
        Store actual = Store.open(StoreOptions.vfs(actualGraph, actualRun));
        for (String id : ei.keySet()) {
            for (Iterator<JsonNode> it = ei.get(id).path("big-data-names").elements(); it.hasNext(); ) {
                String item = it.next().asText();
                assertEquals(new String(expected.imageBigData(id, item)), new String(actual.imageBigData(id, item)),
                        "item " + item + " of image " + id);
            }
        }
        for (String id : el.keySet()) {
            assertSameTree(expectedGraph.resolve("vfs/dir").resolve(id), actualGraph.resolve("vfs/dir").resolve(id));
            assertEquals(diffDigest(expected, id), diffDigest(actual, id), "diff of layer " + id);
        }
    }

    private static final java.util.regex.Pattern MTIME = java.util.regex.Pattern.compile(".*: mtime (\\d+)\\.\\d+ != (\\d+)\\.\\d+");

    /**
     * The same trees, every attribute compared; the one allowance is a directory whose mtime is in
     * both trees the time its layer was applied (one that a whiteout or a deletion changed, which no
     * tar entry sets afterwards: upstream and we both leave it at "now", a second or so apart).
     */
    static void assertSameTree(Path expected, Path actual) throws IOException {
        long recent = java.time.Instant.now().getEpochSecond() - 3600;
        List<String> d = new ArrayList<>();
        for (String line : TreeSnapshot.of(expected).differences(TreeSnapshot.of(actual))) {
            java.util.regex.Matcher m = MTIME.matcher(line);
            if (m.matches() && Long.parseLong(m.group(1)) > recent && Long.parseLong(m.group(2)) > recent) {
                continue;
            }
            d.add(line);
        }
        assertEquals(List.of(), d, "differences between " + expected + " and " + actual);
    }

    static String diffDigest(Store store, String layer) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        store.diff(null, layer, Compression.NONE, out);
        return io.cargohold.digest.Digest.sha256(out.toByteArray()).toString();
    }

    /** The config of the only image of an OCI layout reference (its manifest found through index.json). */
    static JsonNode ociConfig(Path layout, String refName) throws IOException {
        JsonNode m = ociManifest(layout, refName);
        return JSON.readTree(blob(layout, m.path("config").path("digest").asText()));
    }

    static JsonNode ociManifest(Path layout, String refName) throws IOException {
        JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
        for (JsonNode d : index.path("manifests")) {
            if (refName.equals(d.path("annotations").path("org.opencontainers.image.ref.name").asText())) {
                return JSON.readTree(blob(layout, d.path("digest").asText()));
            }
        }
        throw new AssertionError("no " + refName + " in " + layout);
    }

    static byte[] blob(Path layout, String digest) throws IOException {
        return Files.readAllBytes(layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length())));
    }

    static List<String> diffIds(JsonNode config) {
        List<String> out = new ArrayList<>();
        config.path("rootfs").path("diff_ids").forEach(d -> out.add(d.asText()));
        return out;
    }

    /** {@code podman --root G --runroot R --storage-driver vfs images --format json}, by image ID. */
    static Map<String, JsonNode> podmanImages(Path graph, Path run) throws IOException {
        Tools.Result r = Tools.ok(Tools.require("podman"), "--root", graph, "--runroot", run, "--storage-driver", "vfs", "images",
                "--format", "json");
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (JsonNode i : JSON.readTree(r.stdout())) {
            out.put(i.get("Id").asText(), i);
        }
        return out;
    }
}
