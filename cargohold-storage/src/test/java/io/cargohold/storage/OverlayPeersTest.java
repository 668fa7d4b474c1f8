package io.cargohold.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.storage.archive.Compression;
import io.cargohold.storage.internal.PosixFs;
import io.cargohold.storage.internal.driver.KernelMounts;
import io.cargohold.testkit.images.Descriptor;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.Tools;
import io.cargohold.testkit.images.WrittenLayout;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * podman 4.3.1 and skopeo 1.9.3 share an overlay store with us: an image whose layers we applied is
 * listed by podman, which creates a container on it and mounts it (the image's files in its merged
 * directory); an image skopeo wrote with overlay is read, diffed (byte for byte its diff IDs) and
 * mounted by us. Root only (kernel overlay mounts), as the tools need it here.
 */
class OverlayPeersTest {
    @TempDir
    Path tmp;
    private Path g;
    private Path r;
    private final List<Store> stores = new ArrayList<>();

    @BeforeEach
    void root() {
        org.junit.jupiter.api.Assumptions.assumeTrue(PosixFs.geteuid() == 0, "kernel overlay mounts need root");
        g = tmp.resolve("graph");
        r = tmp.resolve("run");
    }

    private Store open() throws Exception {
        Store s = Store.open(StoreOptions.of(g, r, "overlay"));
        stores.add(s);
        return s;
    }

    @AfterEach
    void unmountHome() throws Exception {
        for (Store s : stores) {
            s.shutdown(true);
        }
        // the tools leave the home's private bind mount behind, as upstream's library does; it goes last
        for (KernelMounts.MountInfo m : KernelMounts.mountsUnder(tmp).reversed()) {
            KernelMounts.unmount(m.mountPoint(), KernelMounts.MNT_DETACH);
        }
    }

    /**
     * The overlay home is a private mount after every start of the driver, also when something made it
     * shared in between (the start skips mount(2) only when mountinfo shows it private already).
     */
    @Test
    void theHomeIsAPrivateMountAfterEveryStart() throws Exception {
        Path home = g.resolve("overlay");
        Store.open(StoreOptions.of(g, r, "overlay")).close();
        assertTrue(KernelMounts.mountAt(home).isPrivate(), KernelMounts.mountAt(home).optional());
        int id = KernelMounts.mountAt(home).id();
        Store.open(StoreOptions.of(g, r, "overlay")).close();
        assertEquals(id, KernelMounts.mountAt(home).id(), "no second bind mount");
        KernelMounts.mount("", home.toString(), "none", KernelMounts.MS_SHARED, null);
        assertFalse(KernelMounts.mountAt(home).isPrivate());
        Store.open(StoreOptions.of(g, r, "overlay")).close();
        assertTrue(KernelMounts.mountAt(home).isPrivate(), KernelMounts.mountAt(home).optional());
        assertEquals(id, KernelMounts.mountAt(home).id());
    }

    @Test
    void podmanCreatesAndMountsAContainerOnAnImageWeWrote() throws Exception {
        Tools.require("podman");
        Map<String, String> env = Tools.containersEnv(tmp.resolve("podman-env"), g, r, "overlay");
        List<String> podman = new ArrayList<>(List.of("podman"));
        podman.addAll(Tools.podmanIsolation(tmp.resolve("podman-state"), g, r, "overlay"));

        io.cargohold.testkit.images.Image img = TestImages.smallImage(TestImages.DEFAULT_SEED, io.cargohold.testkit.images.Compression.GZIP);
        Store store = open();
        String parent = null;
        for (Descriptor d : img.layers()) {
            parent = store.createLayer(LayerOptions.of(parent), img.blobs().get(d.digest()).open()).id();
        }
        String name = "localhost/small:latest";
        String imageId = img.config().digest().substring("sha256:".length());
        Image ours = store.createImage(ImageOptions.of(parent).withId(imageId).withNames(List.of(name)).withDigest(img.manifest().digest()));
        store.setImageBigData(ours.id(), img.config().digest(), img.configJson());
        store.setImageBigData(ours.id(), "manifest", img.manifestJson());

        JsonNode images = Peers.JSON.readTree(Tools.ok(env, podman, "images", "--format", "json").out());
        assertEquals(1, images.size(), images.toString());
        assertEquals(imageId, images.get(0).path("Id").asText());
        String theirs = Tools.ok(env, podman, "create", "--name", "on-ours", "--network", "none", name, "/bin/true").out().trim();
        String merged = Tools.ok(env, podman, "mount", "on-ours").out().trim();
        try {
            assertEquals(g.resolve("overlay").toAbsolutePath().toString(), Path.of(merged).getParent().getParent().toString());
            assertTrue(KernelMounts.isMountPoint(Path.of(merged)));
            assertTrue(Files.isRegularFile(Path.of(merged, "etc/os-release")), "the image's files in podman's mount");
            // the container's layer is ours to read too
            Container c = store.container("on-ours");
            assertEquals(theirs, c.id());
            assertEquals(parent, store.layer(c.layer()).parent());
        } finally {
            Tools.ok(env, podman, "umount", "on-ours");
        }
        assertFalse(KernelMounts.isMountPoint(Path.of(merged)));
        // and a container we make and mount, podman lists
        Container mine = store.createContainer(ContainerOptions.of(imageId).withNames(List.of("ours")));
        Path ourMount = store.mount(mine.layer());
        try {
            assertTrue(Files.isRegularFile(ourMount.resolve("etc/os-release")));
        } finally {
            store.unmount(mine.layer(), false);
        }
        JsonNode ps = Peers.JSON.readTree(Tools.ok(env, podman, "ps", "--all", "--external", "--format", "json").out());
        List<String> listed = new ArrayList<>();
        ps.forEach(p -> listed.add(p.path("Id").asText()));
        assertTrue(listed.containsAll(List.of(theirs, mine.id())), listed.toString());
        Tools.ok(env, podman, "rm", "on-ours");
        store.deleteContainer(mine.id());
        Tools.ok(env, podman, "rmi", name);
        assertEquals(List.of(), store.layers());
        try (var s = Files.list(g.resolve("overlay/l"))) {
            assertEquals(List.of(), s.toList(), "no short link left");
        }
    }

    @Test
    void anImageSkopeoWroteWithOverlayIsReadDiffedAndMountedByUs() throws Exception {
        Tools.require("skopeo");
        WrittenLayout two = TestImages.twoTagsSharingLayers(tmp.resolve("two"));
        Tools.ok("skopeo", "copy", two.skopeoRef("latest"),
                "containers-storage:[overlay@" + g.toAbsolutePath() + "+" + r.toAbsolutePath() + "]app:latest");
        Store store = open();
        Image image = store.image("docker.io/library/app:latest");
        List<Layer> chain = new ArrayList<>();
        for (String id = image.topLayer(); id != null && !id.isEmpty(); id = store.layer(id).parent()) {
            chain.addFirst(store.layer(id));
        }
        assertEquals(two.ref("latest").image().diffIds(), chain.stream().map(Layer::uncompressedDigest).toList());
        for (Layer l : chain) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            store.diff(null, l.id(), Compression.NONE, out);
            assertEquals(l.uncompressedDigest(), "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(out.toByteArray())),
                    "our diff of skopeo's layer " + l.id() + " is its diff ID");
            assertTrue(Files.isRegularFile(g.resolve("overlay").resolve(l.id()).resolve("link")));
        }
        Path root = store.mount(image.topLayer());
        try {
            assertEquals("1.0.0\n", Files.readString(root.resolve("opt/app/release/VERSION"), StandardCharsets.UTF_8));
            assertTrue(Files.isRegularFile(root.resolve("etc/os-release")));
        } finally {
            store.unmount(image.topLayer(), false);
        }
        assertFalse(KernelMounts.isMountPoint(g.resolve("overlay").resolve(image.topLayer()).resolve("merged")));
    }
}
