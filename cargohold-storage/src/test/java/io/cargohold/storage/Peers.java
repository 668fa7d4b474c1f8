package io.cargohold.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cargohold.digest.Digest;
import io.cargohold.testkit.images.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Shared pieces of the peer tests (stores shared with skopeo and with our own worker processes):
 * skopeo references, strict JSON reading of the record files, minimal OCI manifests/configs for
 * images whose layers have no diffs, the store-wide invariants, and the bookkeeping of what a
 * worker process reported.
 */
final class Peers {
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Peers() {
    }

    // ------------------------------------------------------------------ skopeo

    /** {@code containers-storage:[vfs@G+R]NAME}. */
    static String ref(Path graph, Path run, String name) {
        return "containers-storage:[vfs@" + graph.toAbsolutePath() + "+" + run.toAbsolutePath() + "]" + name;
    }

    /** {@code skopeo inspect}, parsed; fails the test on a non-zero exit. */
    static JsonNode inspect(Path graph, Path run, String name) throws IOException {
        return JSON.readTree(Tools.ok("skopeo", "inspect", ref(graph, run, name)).stdout());
    }

    /** {@code skopeo inspect --raw}: the manifest bytes as stored. */
    static byte[] inspectRaw(Path graph, Path run, String name) {
        return Tools.ok("skopeo", "inspect", "--raw", ref(graph, run, name)).stdout();
    }

    /** The platform skopeo picks from a multi-arch index on this machine. */
    static io.cargohold.testkit.images.Platform hostPlatform() {
        return switch (System.getProperty("os.arch")) {
            case "aarch64", "arm64" -> io.cargohold.testkit.images.Platform.LINUX_ARM64_V8;
            default -> io.cargohold.testkit.images.Platform.LINUX_AMD64;
        };
    }

    static String sha256(byte[] b) {
        return Digest.sha256(b).toString();
    }

    // ------------------------------------------------------------------ OCI JSON for our own images

    /** A config and a manifest pointing at it; the layer descriptors name made-up digests (no blobs). */
    record OciImage(byte[] config, String configDigest, byte[] manifest, String manifestDigest, List<String> layerDigests) {
    }

    /** An amd64/linux OCI image whose "layers" are the SHA-256 of each seed string, base first. */
    static OciImage ociImage(List<String> layerSeeds, String envValue) {
        try {
            List<String> diffIds = new ArrayList<>();
            for (String s : layerSeeds) {
                diffIds.add(sha256(s.getBytes(StandardCharsets.UTF_8)));
            }
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("architecture", "amd64");
            config.put("os", "linux");
            config.put("config", Map.of("Env", List.of("PEER=" + envValue), "Labels", Map.of("io.cargohold.peer", envValue)));
            config.put("rootfs", Map.of("type", "layers", "diff_ids", diffIds));
            byte[] configBytes = JSON.writeValueAsBytes(config);
            String configDigest = sha256(configBytes);
            List<Object> layers = new ArrayList<>();
            for (String d : diffIds) {
                layers.add(descriptor("application/vnd.oci.image.layer.v1.tar", d, 1024));
            }
            Map<String, Object> manifest = new LinkedHashMap<>();
            manifest.put("schemaVersion", 2);
            manifest.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
            manifest.put("config", descriptor("application/vnd.oci.image.config.v1+json", configDigest, configBytes.length));
            manifest.put("layers", layers);
            byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
            return new OciImage(configBytes, configDigest, manifestBytes, sha256(manifestBytes), diffIds);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Map<String, Object> descriptor(String mediaType, String digest, long size) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mediaType", mediaType);
        m.put("digest", digest);
        m.put("size", size);
        return m;
    }

    /** Stores what skopeo inspect needs: the config under its digest, then the manifest. */
    static void storeOciImage(Store store, String imageId, OciImage oci) throws IOException {
        store.setImageBigData(imageId, oci.configDigest(), oci.config());
        store.setImageBigData(imageId, "manifest", oci.manifest());
    }

    // ------------------------------------------------------------------ record files on disk

    /** The strictly parsed JSON array of a record file (absent = empty), failing on anything malformed. */
    static JsonNode rawArray(Path file) {
        try {
            byte[] raw = Files.readAllBytes(file);
            JsonNode n = JSON.readTree(raw);
            assertNotNull(n, file + " is empty");
            assertTrue(n.isArray(), file + " is not a JSON array");
            return n;
        } catch (NoSuchFileException e) {
            return JSON.createArrayNode();
        } catch (IOException e) {
            return fail(file + " is not valid JSON: " + e.getMessage());
        }
    }

    static Path layersJson(Path graph) {
        return graph.resolve("vfs-layers/layers.json");
    }

    /** IDs of the records of layers.json whose {@code flags.incomplete} is boolean true. */
    static List<String> incompleteOnDisk(Path graph) {
        List<String> out = new ArrayList<>();
        for (JsonNode l : rawArray(layersJson(graph))) {
            if (l.path("flags").path("incomplete").asBoolean(false) && l.path("flags").path("incomplete").isBoolean()) {
                out.add(l.path("id").asText());
            }
        }
        return out;
    }

    /** Every record file (and mountpoints.json) parses as a JSON array. */
    static void recordFilesAreValidJson(Path graph, Path run) {
        rawArray(layersJson(graph));
        rawArray(graph.resolve("vfs-images/images.json"));
        rawArray(graph.resolve("vfs-containers/containers.json"));
        rawArray(run.resolve("vfs-layers/mountpoints.json"));
    }

    /** The directory names under {@code G/vfs/dir}. */
    static Set<String> trees(Path graph) throws IOException {
        Path dir = graph.resolve("vfs/dir");
        if (!Files.isDirectory(dir)) {
            return Set.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }

    // ------------------------------------------------------------------ invariants

    /** One consistent-enough view of a quiet store (nobody else writing while it is taken). */
    record Snapshot(Map<String, Layer> layers, Map<String, Image> images, Map<String, Container> containers) {
        /** The layer chain of a top layer, base first. */
        List<Layer> chain(String top) {
            List<Layer> out = new ArrayList<>();
            String id = top;
            while (id != null && !id.isEmpty()) {
                Layer l = layers.get(id);
                assertNotNull(l, "layer " + id + " of a chain is missing");
                out.addFirst(l);
                id = l.parent();
                assertTrue(out.size() <= layers.size(), "a parent cycle at " + top);
            }
            return out;
        }
    }

    static Snapshot snapshot(Store store) throws IOException {
        Map<String, Layer> layers = new LinkedHashMap<>();
        for (Layer l : store.layers()) {
            assertEquals(null, layers.put(l.id(), l), "layer ID listed twice: " + l.id());
        }
        Map<String, Image> images = new LinkedHashMap<>();
        for (Image i : store.images()) {
            assertEquals(null, images.put(i.id(), i), "image ID listed twice: " + i.id());
        }
        Map<String, Container> containers = new LinkedHashMap<>();
        for (Container c : store.containers()) {
            assertEquals(null, containers.put(c.id(), c), "container ID listed twice: " + c.id());
        }
        return new Snapshot(layers, images, containers);
    }

    /**
     * The invariants of a quiet store: no name on two records of a kind, no incomplete layer (listed
     * or on disk), every layer's parent exists, every image's top layer exists, every container's
     * image exists and its layer exists (unless {@code containersMayLackLayer} allows it: a container
     * whose deletion was interrupted after its layer went, as upstream also leaves it), a tree at
     * {@code G/vfs/dir/ID} for every layer and no tree without a layer.
     */
    static Snapshot assertConsistent(Store store, Set<String> containersMayLackLayer) throws IOException {
        Snapshot s = snapshot(store);
        Path graph = store.graphRoot();
        assertEquals(List.of(), incompleteOnDisk(graph), "incomplete layers left in layers.json after a listing");
        uniqueNames("layer", s.layers().values().stream().map(l -> Map.entry(l.id(), l.names())).toList());
        uniqueNames("image", s.images().values().stream().map(i -> Map.entry(i.id(), i.names())).toList());
        uniqueNames("container", s.containers().values().stream().map(c -> Map.entry(c.id(), c.names())).toList());
        for (Layer l : s.layers().values()) {
            assertFalse(l.flags().containsKey("incomplete"), "listed layer " + l.id() + " is flagged incomplete: " + l.flags());
            if (l.parent() != null && !l.parent().isEmpty()) {
                assertTrue(s.layers().containsKey(l.parent()), "layer " + l.id() + " has a missing parent " + l.parent());
            }
            assertTrue(Files.isDirectory(graph.resolve("vfs/dir").resolve(l.id())), "layer " + l.id() + " has no tree");
        }
        Set<String> orphans = new TreeSet<>(trees(graph));
        orphans.removeAll(s.layers().keySet());
        assertEquals(Set.of(), orphans, "trees under G/vfs/dir without a layer record");
        for (Image i : s.images().values()) {
            if (i.topLayer() != null) {
                assertTrue(s.layers().containsKey(i.topLayer()), "image " + i.id() + " " + i.names() + " has a missing top layer "
                        + i.topLayer());
            }
        }
        for (Container c : s.containers().values()) {
            if (!c.image().isEmpty()) {
                assertTrue(s.images().containsKey(c.image()), "container " + c.id() + " has a missing image " + c.image());
            }
            if (!containersMayLackLayer.contains(c.id())) {
                assertTrue(s.layers().containsKey(c.layer()), "container " + c.id() + " has a missing layer " + c.layer());
            }
        }
        return s;
    }

    private static void uniqueNames(String kind, List<Map.Entry<String, List<String>>> records) {
        Map<String, String> owner = new HashMap<>();
        for (var r : records) {
            assertEquals(r.getValue().size(), new HashSet<>(r.getValue()).size(), kind + " " + r.getKey() + " has a name twice");
            for (String n : r.getValue()) {
                String prev = owner.put(n, r.getKey());
                assertEquals(null, prev, kind + " name " + n + " is on two records: " + prev + " and " + r.getKey());
            }
        }
    }

    // ------------------------------------------------------------------ what workers reported

    /**
     * Replays the event lines of {@link StorePeerWorker}s: which records must exist (with which names,
     * when known for sure) and which must be gone. A record whose deletion started is no longer
     * expected either way until the deletion is reported done; one whose names were being changed
     * when the worker died has unknown names until a later report.
     */
    static final class Expected {
        /** kind → id → names (null = unknown). */
        final Map<Store.Kind, Map<String, Set<String>>> present = new HashMap<>();
        final Map<Store.Kind, Set<String>> gone = new HashMap<>();
        /** container id → its layer id. */
        final Map<String, String> containerLayer = new HashMap<>();
        /** containers whose deletion started (their layer may already be gone). */
        final Set<String> containersBeingDeleted = new HashSet<>();
        int created;
        int deleted;
        /** Every line replayed, for failure messages. */
        final List<String> log = new ArrayList<>();

        Expected() {
            for (Store.Kind k : Store.Kind.values()) {
                present.put(k, new LinkedHashMap<>());
                gone.put(k, new HashSet<>());
            }
        }

        void replay(List<String> lines) {
            lines.forEach(this::apply);
        }

        void apply(String line) {
            log.add(line);
            String[] f = line.split(" ");
            switch (f[0]) {
                case "LAYER" -> { // LAYER id parent name
                    present.get(Store.Kind.LAYER).put(f[1], names(f[3]));
                    created++;
                }
                case "IMAGE" -> { // IMAGE id layer name
                    present.get(Store.Kind.IMAGE).put(f[1], names(f[3]));
                    created++;
                }
                case "CONTAINER" -> { // CONTAINER id image layer name
                    present.get(Store.Kind.CONTAINER).put(f[1], names(f[4]));
                    present.get(Store.Kind.LAYER).put(f[3], new LinkedHashSet<>());
                    containerLayer.put(f[1], f[3]);
                    created++;
                }
                case "RM" -> { // RM kind id
                    Store.Kind k = Store.Kind.valueOf(f[1]);
                    present.get(k).remove(f[2]);
                    if (k == Store.Kind.CONTAINER) {
                        containersBeingDeleted.add(f[2]);
                        String layer = containerLayer.get(f[2]);
                        if (layer != null) {
                            present.get(Store.Kind.LAYER).remove(layer);
                        }
                    }
                }
                case "RMOK" -> { // RMOK kind id [containerLayer]
                    Store.Kind k = Store.Kind.valueOf(f[1]);
                    gone.get(k).add(f[2]);
                    if (k == Store.Kind.CONTAINER) {
                        containersBeingDeleted.remove(f[2]);
                        if (f.length > 3) {
                            gone.get(Store.Kind.LAYER).add(f[3]);
                        }
                    }
                    deleted++;
                }
                case "NAMING" -> { // NAMING kind id
                    Map<String, Set<String>> m = present.get(Store.Kind.valueOf(f[1]));
                    if (m.containsKey(f[2])) {
                        m.put(f[2], null);
                    }
                }
                case "NAMES" -> { // NAMES kind id n1,n2|-
                    Map<String, Set<String>> m = present.get(Store.Kind.valueOf(f[1]));
                    if (m.containsKey(f[2])) {
                        m.put(f[2], names(f[3]));
                    }
                }
                default -> {
                    // READY, TICK, DONE, ...
                }
            }
        }

        /** The replayed lines about one record (and the READY lines that separate workers' lives). */
        String trail(String id) {
            StringBuilder b = new StringBuilder();
            for (String l : log) {
                if (l.contains(id) || l.startsWith("READY")) {
                    b.append("  ").append(l).append('\n');
                }
            }
            return b.toString();
        }

        private static Set<String> names(String joined) {
            return joined.equals("-") ? new LinkedHashSet<>() : new LinkedHashSet<>(List.of(joined.split(",")));
        }

        /** Every expected record is in the snapshot (with its names when known); every deleted one is not. */
        void assertHeldBy(Snapshot s, String when) {
            for (Store.Kind k : Store.Kind.values()) {
                for (var e : present.get(k).entrySet()) {
                    List<String> actual = switch (k) {
                        case LAYER -> s.layers().containsKey(e.getKey()) ? s.layers().get(e.getKey()).names() : null;
                        case IMAGE -> s.images().containsKey(e.getKey()) ? s.images().get(e.getKey()).names() : null;
                        case CONTAINER -> s.containers().containsKey(e.getKey()) ? s.containers().get(e.getKey()).names() : null;
                    };
                    assertNotNull(actual, when + ": reported " + k + " " + e.getKey() + " is missing; its history:\n" + trail(e.getKey()));
                    if (e.getValue() != null) {
                        assertEquals(e.getValue(), new LinkedHashSet<>(actual), when + ": names of " + k + " " + e.getKey()
                                + "; its history:\n" + trail(e.getKey()));
                    }
                }
                for (String id : gone.get(k)) {
                    boolean there = switch (k) {
                        case LAYER -> s.layers().containsKey(id);
                        case IMAGE -> s.images().containsKey(id);
                        case CONTAINER -> s.containers().containsKey(id);
                    };
                    assertFalse(there, when + ": " + k + " " + id + " was reported deleted but is back; its history:\n" + trail(id));
                }
            }
        }
    }
}
