package io.cargohold.copy.storage;

import static io.cargohold.copy.storage.StorageFixtures.JSON;
import static io.cargohold.copy.storage.StorageFixtures.copy;
import static io.cargohold.copy.storage.StorageFixtures.ref;
import static io.cargohold.copy.storage.StorageFixtures.skopeoCopy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cargohold.copy.CopyOptions;
import io.cargohold.copy.CopyResult;
import io.cargohold.copy.Platforms;
import io.cargohold.digest.Digest;
import io.cargohold.errors.CorruptException;
import io.cargohold.testkit.images.Compression;
import io.cargohold.testkit.images.ImageBuilder;
import io.cargohold.testkit.images.Layer;
import io.cargohold.testkit.images.LayerBuilder;
import io.cargohold.testkit.images.OciLayoutWriter;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.Tools;
import io.cargohold.testkit.images.WrittenLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images copied into containers-storage by us: read by skopeo and podman, identical to what skopeo
 * 1.9.3 writes for the same copies (records, items, names, metadata, trees), shared layers reused, and
 * lying blobs or configs refused with the store left as it was.
 */
class StorageDestinationTest {
    @TempDir
    Path tmp;

    private Path g(String name) {
        return tmp.resolve(name + "-graph");
    }

    private Path r(String name) {
        return tmp.resolve(name + "-run");
    }

    @Test
    void anImageWeCopiedIsSeenBySkopeoAndPodman() throws Exception {
        Tools.require("skopeo");
        Tools.require("podman");
        WrittenLayout small = TestImages.small(tmp.resolve("small"));
        Path g = g("ours");
        Path r = r("ours");
        CopyResult res = copy(tmp, small.skopeoRef("latest"), ref(g, r, "app:latest"));
        String manifestDigest = small.ref("latest").digest();
        assertEquals(manifestDigest, res.manifestDigest().toString(), "the manifest is kept as it was");

        JsonNode inspect = JSON.readTree(Tools.ok("skopeo", "inspect", ref(g, r, "app:latest")).stdout());
        assertEquals(manifestDigest, inspect.get("Digest").asText());
        assertEquals(small.ref("latest").image().layers().stream().map(d -> d.digest()).toList(),
                JSON.convertValue(inspect.get("Layers"), List.class));

        Path back = tmp.resolve("back");
        skopeoCopy(ref(g, r, "app:latest"), "oci:" + back + ":latest");
        assertEquals(small.ref("latest").image().diffIds(), StorageFixtures.diffIds(StorageFixtures.ociConfig(back, "latest")));

        String imageId = Digest.parse(small.ref("latest").image().config().digest()).hex();
        Map<String, JsonNode> podman = StorageFixtures.podmanImages(g, r);
        assertEquals(List.of(imageId), List.copyOf(podman.keySet()));
        JsonNode p = podman.get(imageId);
        assertEquals(List.of("docker.io/library/app:latest"), JSON.convertValue(p.get("Names"), List.class));
        assertEquals(manifestDigest, p.get("Digest").asText());
        StorageFixtures.assertNoIncompleteLayers(g);
    }

    @Test
    void sideBySideWithSkopeoTheStoresAreTheSame() throws Exception {
        Tools.require("skopeo");
        WrittenLayout small = TestImages.small(tmp.resolve("small"));
        WrittenLayout docker = TestImages.dockerSchema2(tmp.resolve("docker"));
        WrittenLayout two = TestImages.twoTagsSharingLayers(tmp.resolve("two"));
        WrittenLayout edge = TestImages.hardlinksWhiteoutsOddNames(tmp.resolve("edge"));
        WrittenLayout multi = TestImages.multiArch(tmp.resolve("multi"));
        WrittenLayout cross = crossParentLayouts(tmp.resolve("cross"));
        record Step(String from, String name, String arch) {
        }
        List<Step> steps = List.of(
                new Step(small.skopeoRef("latest"), "app:latest", null),
                new Step(docker.skopeoRef("latest"), "dock:1", null), // the same config: the same image, another name
                new Step(two.skopeoRef("latest"), "localhost:5000/two", null),
                new Step(two.skopeoRef("v2"), "localhost:5000/two:v2", null),
                new Step(edge.skopeoRef("latest"), "quay.io/edge/cases:1.0", null),
                new Step(multi.skopeoRef("latest"), "multi:arm", "arm64"),
                new Step(multi.skopeoRef("latest"), "multi:amd", "amd64"),
                new Step(cross.skopeoRef("one"), "cross:one", null),
                new Step(cross.skopeoRef("two"), "cross:two", null), // its second layer is the first's base: copied from it
                new Step(small.skopeoRef("latest"), "app:again", null),
                new Step(small.skopeoRef("latest"), "app@" + small.ref("latest").digest(), null), // a digested name
                new Step(multi.skopeoRef("latest"), "multi@" + multi.ref("latest").digest(), "arm64")); // by the list's digest
        for (Step s : steps) {
            if (s.arch() == null) {
                skopeoCopy(s.from(), ref(g("skopeo"), r("skopeo"), s.name()));
                copy(tmp, s.from(), ref(g("ours"), r("ours"), s.name()));
            } else {
                skopeoCopy("--override-arch", s.arch(), s.from(), ref(g("skopeo"), r("skopeo"), s.name()));
                copy(tmp, s.from(), ref(g("ours"), r("ours"), s.name()),
                        CopyOptions.defaults().withPlatform(Platforms.parse("linux/" + s.arch())));
            }
        }
        StorageFixtures.assertSameStores(g("skopeo"), r("skopeo"), g("ours"), r("ours"));
        // what skopeo 1.9.3 writes, spelled out for the multi-arch pull: the index under manifest-<list digest>
        JsonNode arm = imageNamed(g("ours"), "docker.io/library/multi:arm");
        String listDigest = multi.ref("latest").digest();
        String armManifest = multi.ref("latest").images().stream().filter(i -> i.platform().architecture().equals("arm64"))
                .findFirst().orElseThrow().manifest().digest();
        assertEquals(List.of("sha256:" + arm.get("id").asText(), "manifest-" + listDigest, "manifest-" + armManifest, "manifest",
                        "signature-" + Digest.parse(armManifest).hex()),
                JSON.convertValue(arm.get("big-data-names"), List.class));
        assertEquals("{\"signatures-sizes\":{\"" + armManifest + "\":[]}}", arm.get("metadata").asText());
        assertEquals(listDigest, arm.get("digest").asText());
        // zstd layers on their own (their DiffIDs are small's: in one store they would be reused, never applied)
        WrittenLayout zstd = TestImages.zstd(tmp.resolve("zstd"));
        skopeoCopy(zstd.skopeoRef("latest"), ref(g("skopeo-z"), r("skopeo-z"), "zstd:latest"));
        copy(tmp, zstd.skopeoRef("latest"), ref(g("ours-z"), r("ours-z"), "zstd:latest"));
        StorageFixtures.assertSameStores(g("skopeo-z"), r("skopeo-z"), g("ours-z"), r("ours-z"));
    }

    private static JsonNode imageNamed(Path graph, String name) throws IOException {
        for (JsonNode i : StorageFixtures.imagesJson(graph)) {
            for (JsonNode n : i.path("names")) {
                if (n.asText().equals(name)) {
                    return i;
                }
            }
        }
        throw new AssertionError("no image named " + name);
    }

    /** {@code one} = [A], {@code two} = [B, A]: A again, on another parent, so its layer ID differs. */
    static WrittenLayout crossParentLayouts(Path dir) throws IOException {
        Layer a = LayerBuilder.create().dirs("opt/a").file("opt/a/file.txt", "layer a\n").randomFile("opt/a/data", 20_000, 7).build();
        Layer b = LayerBuilder.create().dirs("opt/b").file("opt/b/file.txt", "layer b\n").build();
        return new OciLayoutWriter(dir)
                .tag("one", ImageBuilder.create().cmd("/bin/sh").layer(a, Compression.GZIP).build())
                .tag("two", ImageBuilder.create().cmd("/bin/true").layer(b, Compression.GZIP).layer(a, Compression.GZIP).build())
                .write();
    }

    @Test
    void theSecondTagReusesTheSharedLayers() throws Exception {
        WrittenLayout two = TestImages.twoTagsSharingLayers(tmp.resolve("two"));
        Path g = g("ours");
        Path r = r("ours");
        CopyResult first = copy(tmp, two.skopeoRef("latest"), ref(g, r, "app:latest"));
        assertEquals(0, first.blobsReused());
        Map<String, JsonNode> before = recordsWithCreated(g);
        assertEquals(3, before.size());
        CopyResult second = copy(tmp, two.skopeoRef("v2"), ref(g, r, "app:v2"));
        assertEquals(2, second.blobsReused(), "base and app layers");
        assertEquals(2, second.blobsCopied(), "the release layer and the config");
        Map<String, JsonNode> after = recordsWithCreated(g);
        assertEquals(4, after.size(), "one record per layer: " + after.keySet());
        for (var e : before.entrySet()) {
            assertEquals(e.getValue(), after.get(e.getKey()), "layer " + e.getKey() + " untouched (never re-applied)");
        }
        try (Stream<Path> trees = Files.list(g.resolve("vfs/dir"))) {
            assertEquals(4, trees.count());
        }
        // a third copy of either tag moves nothing
        CopyResult again = copy(tmp, two.skopeoRef("latest"), ref(g, r, "app:latest"));
        assertEquals(3, again.blobsReused());
        assertEquals(after, recordsWithCreated(g));
        assertEquals(2, StorageFixtures.imagesJson(g).size());
    }

    private static Map<String, JsonNode> recordsWithCreated(Path g) throws IOException {
        Map<String, JsonNode> out = new java.util.TreeMap<>();
        StorageFixtures.layersJson(g).forEach(l -> out.put(l.get("id").asText(), l));
        return out;
    }

    @Test
    void aDigestInTheDestinationNameMustBeTheManifests() throws Exception {
        WrittenLayout small = TestImages.small(tmp.resolve("small"));
        Path g = g("ours");
        Path r = r("ours");
        String wrong = Digest.sha256("another manifest".getBytes()).toString();
        io.cargohold.errors.InvalidArgumentException e = assertThrows(io.cargohold.errors.InvalidArgumentException.class,
                () -> copy(tmp, small.skopeoRef("latest"), ref(g, r, "app@" + wrong)));
        assertEquals("Manifest to be saved does not match expected digest " + wrong, e.getMessage());
        assertEquals(0, StorageFixtures.imagesJson(g).size(), "no image (its layers stay, as upstream's)");
    }

    @Test
    void anImageWithTheSameIdOnAnotherTopLayerIsAnError() throws Exception {
        WrittenLayout small = TestImages.small(tmp.resolve("small"));
        Path g = g("ours");
        Path r = r("ours");
        String id = Digest.parse(small.ref("latest").image().config().digest()).hex();
        io.cargohold.storage.Store store = io.cargohold.storage.Store.open(io.cargohold.storage.StoreOptions.vfs(g, r));
        store.createImage(io.cargohold.storage.ImageOptions.of(null).withId(id).withNames(List.of("other")));
        String before = Files.readString(g.resolve("vfs-images/images.json"));
        io.cargohold.errors.AlreadyExistsException e = assertThrows(io.cargohold.errors.AlreadyExistsException.class,
                () -> copy(tmp, small.skopeoRef("latest"), ref(g, r, "app:latest")));
        assertEquals("image with ID \"" + id + "\" already exists, but uses a different top layer: that ID is already in use",
                e.getMessage());
        assertEquals(before, Files.readString(g.resolve("vfs-images/images.json")), "the image is left alone");
        // as upstream: the layers stay (the rerun of a corrected copy reuses them)
        assertEquals(small.ref("latest").image().layers().size(), StorageFixtures.layersJson(g).size());
    }

    // ------------------------------------------------------------------ lies

    /** A copy of a layout whose reference {@code tag} has its manifest and config rewritten by {@code edit}. */
    static Path lyingLayout(Path src, Path dst, String tag, UnaryOperator<ObjectNode> editConfig) throws IOException {
        copyTree(src, dst);
        JsonNode index = JSON.readTree(dst.resolve("index.json").toFile());
        for (JsonNode d : index.path("manifests")) {
            if (!tag.equals(d.path("annotations").path("org.opencontainers.image.ref.name").asText())) {
                continue;
            }
            ObjectNode manifest = (ObjectNode) JSON.readTree(StorageFixtures.blob(dst, d.get("digest").asText()));
            ObjectNode config = (ObjectNode) JSON.readTree(StorageFixtures.blob(dst, manifest.path("config").path("digest").asText()));
            byte[] newConfig = JSON.writeValueAsBytes(editConfig.apply(config));
            ((ObjectNode) manifest.get("config")).put("digest", writeBlob(dst, newConfig)).put("size", newConfig.length);
            byte[] newManifest = JSON.writeValueAsBytes(manifest);
            ((ObjectNode) d).put("digest", writeBlob(dst, newManifest)).put("size", newManifest.length);
        }
        Files.write(dst.resolve("index.json"), JSON.writeValueAsBytes(index));
        return dst;
    }

    static String writeBlob(Path layout, byte[] b) throws IOException {
        String d = Digest.sha256(b).toString();
        Files.write(layout.resolve("blobs/sha256").resolve(d.substring(7)), b);
        return d;
    }

    static void copyTree(Path src, Path dst) throws IOException {
        try (Stream<Path> s = Files.walk(src)) {
            for (Path p : s.toList()) {
                Path t = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                    t.toFile().setWritable(true);
                }
            }
        }
    }

    /** What a failed copy must leave as it was: the record files, the trees, the tar-split files. */
    private static List<String> storeState(Path g) throws IOException {
        List<String> out = new java.util.ArrayList<>();
        for (String f : List.of("vfs-layers/layers.json", "vfs-images/images.json")) {
            out.add(Files.exists(g.resolve(f)) ? Files.readString(g.resolve(f)) : "(none)");
        }
        for (String d : List.of("vfs/dir", "vfs-layers", "vfs-images")) {
            if (Files.isDirectory(g.resolve(d))) {
                try (Stream<Path> s = Files.list(g.resolve(d))) {
                    out.add(d + ": " + s.map(p -> p.getFileName().toString()).sorted().toList());
                }
            }
        }
        return out;
    }

    @Test
    void aLayerWhoseBlobOrDiffIdLiesFailsTheCopyAndChangesNothing() throws Exception {
        WrittenLayout two = TestImages.twoTagsSharingLayers(tmp.resolve("two"));
        Path g = g("ours");
        Path r = r("ours");
        copy(tmp, two.skopeoRef("latest"), ref(g, r, "app:latest"));
        List<String> before = storeState(g);

        // v2's config names another DiffID for its release 2 layer (one no layer has: a DiffID that names an
        // existing chain is that layer, reused without reading the blob, as the config says)
        List<String> ids = two.ref("v2").image().diffIds();
        String lie = Digest.sha256("not the release 2 layer".getBytes()).toString();
        Path diffLie = lyingLayout(two.dir(), tmp.resolve("diff-lie"), "v2", c -> {
            ((ArrayNode) c.path("rootfs").path("diff_ids")).set(ids.size() - 1, lie);
            return c;
        });
        CorruptException e = assertThrows(CorruptException.class,
                () -> copy(tmp, "oci:" + diffLie + ":v2", ref(g, r, "app:v2")));
        assertTrue(e.getMessage().contains("layer 2 (blob " + two.ref("v2").image().layers().get(2).digest() + ", DiffID " + lie
                + "): layer diff digest mismatch: the uncompressed diff hashes to " + ids.getLast() + ", expected " + lie), e.getMessage());
        assertEquals(before, storeState(g));

        // v2's release layer blob replaced by other bytes: the manifest's digest no longer matches
        Path blobLie = tmp.resolve("blob-lie");
        copyTree(two.dir(), blobLie);
        String rel2 = two.ref("v2").image().layers().get(2).digest();
        String other = two.ref("latest").image().layers().get(2).digest();
        Path target = blobLie.resolve("blobs/sha256").resolve(rel2.substring(7));
        Files.delete(target);
        Files.copy(blobLie.resolve("blobs/sha256").resolve(other.substring(7)), target);
        CorruptException e2 = assertThrows(CorruptException.class,
                () -> copy(tmp, "oci:" + blobLie + ":v2", ref(g, r, "app:v2")));
        assertTrue(e2.getMessage().contains("digest mismatch") || e2.getMessage().contains("size mismatch"), e2.getMessage());
        assertTrue(e2.getMessage().contains(rel2), e2.getMessage());
        assertEquals(before, storeState(g));

        // a lying base layer in an empty store leaves it without any layer
        Path g2 = g("empty");
        Path baseLie = lyingLayout(two.dir(), tmp.resolve("base-lie"), "latest", c -> {
            ((ArrayNode) c.path("rootfs").path("diff_ids")).set(0, lie);
            return c;
        });
        assertThrows(CorruptException.class, () -> copy(tmp, "oci:" + baseLie + ":latest", ref(g2, r("empty"), "app:latest")));
        assertEquals(0, StorageFixtures.layersJson(g2).size());
        assertEquals(0, StorageFixtures.imagesJson(g2).size());
        try (Stream<Path> s = Files.list(g2.resolve("vfs/dir"))) {
            assertEquals(0, s.count());
        }
        // and the honest copy still works afterwards
        copy(tmp, two.skopeoRef("v2"), ref(g, r, "app:v2"));
        StorageFixtures.assertNoIncompleteLayers(g);
        assertEquals(4, StorageFixtures.layersJson(g).size());
    }
}
