package io.cargohold.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.Tools;
import io.cargohold.testkit.images.WrittenLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records we create are read by skopeo: layers, an image with a manifest and its config as big data,
 * names, a container; and a store we modified (names added and removed, layers and a container
 * created and deleted) stays usable by skopeo, which copies another image into it, inspects every
 * image, and keeps our records intact when it rewrites the record files.
 */
class WeWriteSkopeoReadsTest {
    @TempDir
    Path tmp;

    @Test
    void skopeoReadsWhatWeWroteAndKeepsWorkingOnIt() throws Exception {
        Tools.require("skopeo");
        Path g = tmp.resolve("graph");
        Path r = tmp.resolve("run");
        Store store = Store.open(StoreOptions.vfs(g, r));

        Layer base = store.createLayer(LayerOptions.of(null).withNames(List.of("ours-base")).withMetadata("base layer"));
        Path baseTree = store.layerTree(base.id());
        Files.writeString(baseTree.resolve("hello.txt"), "hello\n");
        Files.createDirectories(baseTree.resolve("etc/ours"));
        Files.writeString(baseTree.resolve("etc/ours/config.yaml"), "key: value\n");
        Layer child = store.createLayer(LayerOptions.of(base.id()).withNames(List.of("ours-child")));
        Path childTree = store.layerTree(child.id());
        assertEquals("hello\n", Files.readString(childTree.resolve("hello.txt")), "a vfs child starts as a copy of its parent");
        Files.writeString(childTree.resolve("child.txt"), "child\n");
        Files.delete(childTree.resolve("hello.txt"));
        assertTrue(Files.exists(baseTree.resolve("hello.txt")), "the parent's tree is not shared");

        Peers.OciImage oci = Peers.ociImage(List.of(base.id(), child.id()), "ours");
        Image image = store.createImage(ImageOptions.of(child.id())
                .withNames(List.of("docker.io/library/ours:latest", "localhost/ours:extra")));
        Peers.storeOciImage(store, image.id(), oci);
        assertEquals(oci.manifestDigest(), store.image(image.id()).digest(), "the manifest item sets the image digest");

        for (String name : List.of("ours:latest", "docker.io/library/ours:latest", "localhost/ours:extra", image.id())) {
            JsonNode info = Peers.inspect(g, r, name);
            assertEquals(oci.manifestDigest(), info.path("Digest").asText(), name);
            assertEquals(oci.layerDigests(), strings(info.path("Layers")), name);
            assertEquals("amd64", info.path("Architecture").asText());
            assertEquals("linux", info.path("Os").asText());
            assertEquals(List.of("PEER=ours"), strings(info.path("Env")));
            assertArrayEquals(oci.manifest(), Peers.inspectRaw(g, r, name), name);
        }
        assertArrayEquals(oci.config(), Tools.ok("skopeo", "inspect", "--config", "--raw", Peers.ref(g, r, "ours:latest")).stdout());
        // What inspect needs: without the config item only --raw works.
        Image noConfig = store.createImage(ImageOptions.of(child.id()).withNames(List.of("localhost/noconfig:latest")));
        store.setImageBigData(noConfig.id(), "manifest", oci.manifest());
        assertArrayEquals(oci.manifest(), Peers.inspectRaw(g, r, "localhost/noconfig:latest"));
        Tools.Result failed = Tools.run("skopeo", "inspect", Peers.ref(g, r, "localhost/noconfig:latest"));
        assertNotEquals(0, failed.exit());
        assertTrue(failed.stderr().contains(oci.configDigest()), failed.stderr());
        store.deleteImage(noConfig.id());

        Container ctr = store.createContainer(ContainerOptions.of(image.id()).withNames(List.of("ours-ctr")));
        assertEquals(child.id(), store.layer(ctr.layer()).parent());
        assertEquals("child\n", Files.readString(store.layerTree(ctr.layer()).resolve("child.txt")));
        assertEquals(oci.manifestDigest(), Peers.inspect(g, r, "ours:latest").path("Digest").asText(), "with a container on it");

        // ---- modify: names added and removed, a layer deleted, a container created and deleted
        store.addNames(Store.Kind.IMAGE, image.id(), List.of("localhost/ours:v9"));
        store.setNames(Store.Kind.IMAGE, image.id(), List.of("docker.io/library/ours:latest", "localhost/ours:v9"));
        store.addNames(Store.Kind.LAYER, base.id(), List.of("ours-base-2"));
        store.setMetadata(Store.Kind.IMAGE, image.id(), "{\"ours\":true}");
        Layer doomed = store.createLayer(LayerOptions.of(child.id()).withNames(List.of("doomed")));
        store.mount(doomed.id());
        store.deleteLayer(doomed.id());
        Layer spare = store.createLayer(LayerOptions.of(null).withNames(List.of("ours-spare")));
        Container temp = store.createContainer(ContainerOptions.of(image.id()).withNames(List.of("temp-ctr")));
        store.setContainerBigData(temp.id(), "state", "{}".getBytes());
        store.containerDirectory(temp.id());
        store.deleteContainer(temp.id());
        assertFalse(Files.exists(g.resolve("vfs/dir").resolve(temp.layer())));
        Layer mounted = store.createLayer(LayerOptions.of(base.id()));
        store.mount(mounted.id());

        // A name skopeo is about to give its image is on ours: skopeo must take it over.
        store.addNames(Store.Kind.IMAGE, image.id(), List.of("docker.io/library/app:latest"));
        assertEquals(oci.manifestDigest(), Peers.inspect(g, r, "app:latest").path("Digest").asText());

        WrittenLayout two = TestImages.twoTagsSharingLayers(tmp.resolve("two"));
        Tools.ok("skopeo", "copy", two.skopeoRef("latest"), Peers.ref(g, r, "app:latest"));

        // every image, by name and by ID
        assertEquals(oci.manifestDigest(), Peers.inspect(g, r, "ours:latest").path("Digest").asText());
        assertEquals(oci.manifestDigest(), Peers.inspect(g, r, "localhost/ours:v9").path("Digest").asText());
        Tools.Result gone = Tools.run("skopeo", "inspect", Peers.ref(g, r, "localhost/ours:extra"));
        assertNotEquals(0, gone.exit(), "a removed name no longer resolves");
        assertEquals(two.ref("latest").image().manifest().digest(), Peers.inspect(g, r, "app:latest").path("Digest").asText());
        for (Image i : store.images()) {
            JsonNode info = Peers.inspect(g, r, i.id());
            assertEquals(i.bigDataDigests().get("manifest"), info.path("Digest").asText(), i.names().toString());
        }

        // skopeo rewrote layers.json and images.json: our records came through intact
        Peers.Snapshot s = Peers.assertConsistent(store, Set.of());
        assertEquals(2, s.images().size());
        Image ours = s.images().get(image.id());
        assertEquals(List.of("docker.io/library/ours:latest", "localhost/ours:v9"), ours.names());
        assertEquals("{\"ours\":true}", ours.metadata());
        assertEquals(child.id(), ours.topLayer());
        assertArrayEquals(oci.manifest(), store.imageBigData(image.id(), "manifest"));
        assertArrayEquals(oci.config(), store.imageBigData(image.id(), oci.configDigest()));
        assertEquals(List.of("ours-base", "ours-base-2"), s.layers().get(base.id()).names());
        assertEquals("base layer", s.layers().get(base.id()).metadata());
        assertEquals(List.of("ours-child"), s.layers().get(child.id()).names());
        assertEquals(List.of("ours-spare"), s.layers().get(spare.id()).names());
        assertEquals(1, s.layers().get(mounted.id()).mountCount(), "mount count kept across skopeo's rewrite of mountpoints.json");
        assertFalse(s.layers().containsKey(doomed.id()));
        assertEquals(List.of(ctr.id()), new ArrayList<>(s.containers().keySet()));
        assertEquals(List.of("ours-ctr"), s.containers().get(ctr.id()).names());
        assertEquals(image.id(), s.containers().get(ctr.id()).image());
        assertEquals(5 + 3, s.layers().size(), "ours: base, child, spare, mounted, the container's; skopeo's: 3");
        assertEquals("hello\n", Files.readString(store.layerTree(base.id()).resolve("hello.txt")));
        Image app = store.image("docker.io/library/app:latest");
        assertEquals(two.ref("latest").image().diffIds(), s.chain(app.topLayer()).stream().map(Layer::uncompressedDigest).toList());

        // A second skopeo pass after more of our changes: a copy sharing layers with the first.
        store.unmount(mounted.id(), true);
        store.deleteLayer(mounted.id());
        store.setNames(Store.Kind.IMAGE, image.id(), List.of());
        Tools.ok("skopeo", "copy", two.skopeoRef("v2"), Peers.ref(g, r, "app:v2"));
        for (Image i : store.images()) {
            assertEquals(i.bigDataDigests().get("manifest"), Peers.inspect(g, r, i.id()).path("Digest").asText());
        }
        s = Peers.assertConsistent(store, Set.of());
        assertEquals(3, s.images().size());
        assertEquals(List.of(), s.images().get(image.id()).names());
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
