package io.cargohold.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.errors.NotFoundException;
import io.cargohold.testkit.images.Compression;
import io.cargohold.testkit.images.Descriptor;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * podman 4.3.1 shares a store we wrote (it cannot run containers here, but it lists, inspects,
 * creates and removes them): an image whose layers we applied and whose record, manifest and config
 * we wrote is listed and inspected by podman with our IDs, digests and diff IDs; a container podman
 * creates on it is seen by our engine (record, names, layer over the image's top layer, tree); one we
 * create is seen by podman ({@code ps --external}); podman removes its container and, once ours is
 * gone, the image with its layers, and our engine sees the store it left. podman runs as root here
 * with cgroupfs, no events, no network and its configuration and temporary files in the test's
 * directory ({@link Tools#podmanIsolation}, {@link Tools#containersEnv}).
 */
class PodmanSharesTheStoreTest {
    @TempDir
    Path tmp;

    @Test
    void podmanListsInspectsCreatesAndRemovesOnAStoreWeWrote() throws Exception {
        Tools.require("podman");
        Path g = tmp.resolve("graph");
        Path r = tmp.resolve("run");
        Map<String, String> env = Tools.containersEnv(tmp.resolve("podman-env"), g, r);
        List<String> podman = new ArrayList<>(List.of("podman"));
        podman.addAll(Tools.podmanIsolation(tmp.resolve("podman-state"), g, r));

        // ---- we write the image: layers applied from the image's blobs, the record, manifest and config
        io.cargohold.testkit.images.Image img = TestImages.smallImage(TestImages.DEFAULT_SEED, Compression.GZIP);
        Store store = Store.open(StoreOptions.vfs(g, r));
        String parent = null;
        List<String> layerIds = new ArrayList<>();
        for (Descriptor d : img.layers()) {
            Layer l = store.createLayer(LayerOptions.of(parent), img.blobs().get(d.digest()).open());
            layerIds.add(l.id());
            parent = l.id();
        }
        String name = "localhost/small:latest";
        String imageId = img.config().digest().substring("sha256:".length());
        Image ours = store.createImage(ImageOptions.of(parent).withId(imageId).withNames(List.of(name))
                .withDigest(img.manifest().digest()));
        store.setImageBigData(ours.id(), img.config().digest(), img.configJson());
        store.setImageBigData(ours.id(), "manifest", img.manifestJson());

        // ---- podman lists and inspects it
        JsonNode images = json(Tools.ok(env, podman, "images", "--format", "json"));
        assertEquals(1, images.size(), images.toString());
        assertEquals(imageId, images.get(0).path("Id").asText());
        assertEquals(List.of(name), strings(images.get(0).path("Names")));
        JsonNode inspect = json(Tools.ok(env, podman, "image", "inspect", name)).get(0);
        assertEquals(imageId, inspect.path("Id").asText());
        assertEquals(img.manifest().digest(), inspect.path("Digest").asText());
        assertEquals(img.diffIds(), strings(inspect.path("RootFS").path("Layers")));
        assertEquals(img.platform().architecture(), inspect.path("Architecture").asText());

        // ---- podman creates a container on it; our engine sees it
        String theirs = Tools.ok(env, podman, "create", "--name", "made-by-podman", "--network", "none", name, "/bin/true").out().trim();
        JsonNode c = json(Tools.ok(env, podman, "container", "inspect", "made-by-podman")).get(0);
        assertEquals(theirs, c.path("Id").asText());
        assertEquals(imageId, c.path("Image").asText());
        assertEquals("created", c.path("State").path("Status").asText());
        Container seen = store.container("made-by-podman");
        assertEquals(theirs, seen.id());
        assertEquals(imageId, seen.image());
        assertEquals(List.of("made-by-podman"), seen.names());
        Layer rw = store.layer(seen.layer());
        assertEquals(parent, rw.parent(), "the container's layer sits on the image's top layer");
        assertTrue(Files.isDirectory(store.layerTree(rw.id())), "its tree is where the vfs driver keeps it");
        Peers.assertConsistent(Store.open(StoreOptions.vfs(g, r)), Set.of());

        // ---- a container we create is seen by podman (storage containers: ps --external)
        Container mine = store.createContainer(ContainerOptions.of(imageId).withNames(List.of("made-by-us")));
        JsonNode ps = json(Tools.ok(env, podman, "ps", "--all", "--external", "--format", "json"));
        List<String> listed = new ArrayList<>();
        ps.forEach(p -> listed.add(p.path("Id").asText()));
        assertTrue(listed.containsAll(List.of(theirs, mine.id())), "podman ps --all --external: " + listed);

        // ---- podman removes its container; we remove ours; podman removes the image and its layers
        Tools.ok(env, podman, "rm", "made-by-podman");
        assertThrows(NotFoundException.class, () -> store.container(theirs));
        assertThrows(NotFoundException.class, () -> store.layer(rw.id()));
        assertFalse(Files.exists(g.resolve("vfs/dir").resolve(rw.id())), "podman removed the container's tree");
        store.deleteContainer(mine.id());
        Tools.ok(env, podman, "rmi", name);
        assertEquals(List.of(), store.images());
        assertEquals(List.of(), store.layers(), "podman removed the layers we applied");
        for (String id : layerIds) {
            assertFalse(Files.exists(g.resolve("vfs/dir").resolve(id)), "tree of layer " + id);
        }
        Peers.assertConsistent(Store.open(StoreOptions.vfs(g, r)), Set.of());
        assertEquals("[]", Tools.ok(env, podman, "images", "--format", "json").out().replaceAll("\\s", ""));
        System.out.println("podman shares the store: listed and inspected our image " + imageId.substring(0, 12) + " ("
                + layerIds.size() + " layers we applied), created " + theirs.substring(0, 12)
                + " which we read, saw ours " + mine.id().substring(0, 12) + ", removed its container and the image");
    }

    private static JsonNode json(Tools.Result r) throws java.io.IOException {
        return Peers.JSON.readTree(new String(r.stdout(), StandardCharsets.UTF_8));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
