package io.cargohold.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.testkit.images.ImageInfo;
import io.cargohold.testkit.images.Platform;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.Tools;
import io.cargohold.testkit.images.WrittenLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stores written by skopeo (containers/storage, vfs) are read by our library: images with skopeo's
 * names, layer chains whose diff digests are the configs' diff_ids, one record per shared layer,
 * manifest and config big data byte-identical to what skopeo serves and to the source blobs, trees at
 * {@code G/vfs/dir/ID} with the layers' content.
 */
class SkopeoWritesWeReadTest {
    @TempDir
    Path tmp;

    @Test
    void imagesCopiedBySkopeoAreReadByUs() throws Exception {
        Tools.require("skopeo");
        WrittenLayout two = TestImages.twoTagsSharingLayers(tmp.resolve("two"));
        WrittenLayout multi = TestImages.multiArch(tmp.resolve("multi"));
        Path g = tmp.resolve("graph");
        Path r = tmp.resolve("run");
        // A store we opened before skopeo wrote anything must see skopeo's writes (lock tokens).
        Store early = Store.open(StoreOptions.vfs(g, r));
        assertEquals(List.of(), early.images());
        assertEquals(List.of(), early.layers());

        Tools.ok("skopeo", "copy", two.skopeoRef("latest"), Peers.ref(g, r, "app:latest"));
        Tools.ok("skopeo", "copy", two.skopeoRef("v2"), Peers.ref(g, r, "app:v2"));
        Tools.ok("skopeo", "copy", multi.skopeoRef("latest"), Peers.ref(g, r, "multi:latest"));
        Platform host = Peers.hostPlatform();
        Map<String, ImageInfo> expected = Map.of(
                "docker.io/library/app:latest", two.ref("latest").image(),
                "docker.io/library/app:v2", two.ref("v2").image(),
                "docker.io/library/multi:latest", multi.ref("latest").image(host));

        Store fresh = Store.open(StoreOptions.vfs(g, r));
        for (Store store : List.of(early, fresh)) {
            Peers.Snapshot s = Peers.assertConsistent(store, Set.of());
            assertEquals(3, s.images().size(), "images: " + s.images().values());
            Set<String> names = new HashSet<>();
            s.images().values().forEach(i -> names.addAll(i.names()));
            assertEquals(expected.keySet(), names);
            // base, app, release 1, release 2, arch layer: shared layers are one record each
            assertEquals(5, s.layers().size(), "layers: " + s.layers().keySet());
            Map<String, List<Layer>> chains = new java.util.HashMap<>();
            for (var e : expected.entrySet()) {
                Image image = store.image(e.getKey());
                assertEquals(List.of(e.getKey()), image.names());
                ImageInfo info = e.getValue();
                assertNotNull(image.topLayer(), e.getKey() + " has no top layer");
                List<Layer> chain = s.chain(image.topLayer());
                chains.put(e.getKey(), chain);
                assertTrue(chain.getFirst().parent() == null || chain.getFirst().parent().isEmpty(), "chain ends in a base layer");
                assertEquals(info.diffIds(), chain.stream().map(Layer::uncompressedDigest).toList(),
                        e.getKey() + ": diff digests along the chain, base first");
                for (int i = 0; i < chain.size(); i++) {
                    Layer l = chain.get(i);
                    assertEquals(info.layers().get(i).digest(), l.compressedDigest(), "compressed digest of " + l.id());
                    assertEquals(info.layers().get(i).size(), l.compressedSize());
                    assertEquals(2, l.compression(), "gzip");
                    assertTrue(l.uncompressedSize() > 0);
                    assertTrue(Files.isDirectory(g.resolve("vfs/dir").resolve(l.id())), "tree of " + l.id());
                    assertEquals(g.resolve("vfs/dir").resolve(l.id()), store.layerTree(l.id()));
                }

                byte[] manifest = store.imageBigData(image.id(), "manifest");
                assertArrayEquals(Peers.inspectRaw(g, r, e.getKey()), manifest, e.getKey() + ": manifest vs skopeo inspect --raw");
                assertArrayEquals(Files.readAllBytes(layout(e.getKey(), two, multi).blobPath(info.manifest().digest())), manifest);
                assertEquals(info.manifest().digest(), Peers.sha256(manifest));
                byte[] config = store.imageBigData(image.id(), info.config().digest());
                assertArrayEquals(Files.readAllBytes(layout(e.getKey(), two, multi).blobPath(info.config().digest())), config,
                        e.getKey() + ": config item (key = config digest) vs the layout's config blob");
                assertTrue(image.bigDataNames().containsAll(List.of("manifest", info.config().digest())), image.bigDataNames().toString());
                assertEquals((long) config.length, image.bigDataSizes().get(info.config().digest()));
                assertTrue(image.digests().contains(info.manifest().digest()), image.digests().toString());
                assertTrue(store.imagesByDigest(info.manifest().digest()).stream().anyMatch(i -> i.id().equals(image.id())));
            }
            // shared: app:latest and app:v2 share base and app; multi shares the base
            List<Layer> latest = chains.get("docker.io/library/app:latest");
            List<Layer> v2 = chains.get("docker.io/library/app:v2");
            List<Layer> arch = chains.get("docker.io/library/multi:latest");
            assertEquals(latest.subList(0, 2), v2.subList(0, 2));
            assertEquals(latest.getFirst().id(), arch.getFirst().id());
            assertFalse(latest.get(2).id().equals(v2.get(2).id()));
            // The multi-arch image is findable by the index digest skopeo copied from, too.
            String indexDigest = multi.ref("latest").digest();
            Image m = store.image("docker.io/library/multi:latest");
            assertEquals(indexDigest, m.digest(), "skopeo records the digest it was asked to copy (the index)");
            assertEquals(List.of(m.id()), store.imagesByDigest(indexDigest).stream().map(Image::id).toList());

            // tree content: the layers were applied (a vfs child tree holds its parent's files, whiteouts applied)
            Path latestTop = store.layerTree(latest.get(2).id());
            Path v2Top = store.layerTree(v2.get(2).id());
            assertEquals("1.0.0\n", Files.readString(latestTop.resolve("opt/app/release/VERSION")));
            assertEquals("2.0.0\n", Files.readString(v2Top.resolve("opt/app/release/VERSION")));
            assertTrue(Files.exists(latestTop.resolve("opt/app/conf/logging.json")));
            assertFalse(Files.exists(v2Top.resolve("opt/app/conf/logging.json")), "v2's whiteout");
            assertTrue(Files.isRegularFile(store.layerTree(latest.getFirst().id()).resolve("etc/os-release")));
            assertTrue(Files.isRegularFile(store.layerTree(arch.get(1).id()).resolve("opt/arch/ARCH")));
        }
        // Our reads changed nothing skopeo depends on.
        for (String name : expected.keySet()) {
            assertEquals(expected.get(name).manifest().digest(), Peers.inspect(g, r, name).path("Digest").asText());
        }
    }

    private static WrittenLayout layout(String name, WrittenLayout two, WrittenLayout multi) {
        return name.contains("multi") ? multi : two;
    }
}
