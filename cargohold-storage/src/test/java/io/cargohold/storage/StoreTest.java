package io.cargohold.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cargohold.errors.AlreadyExistsException;
import io.cargohold.errors.FailedPreconditionException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.testkit.ChildJvm;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    @TempDir
    Path tmp;
    Path g;
    Path r;
    Store store;

    @BeforeEach
    void open() throws Exception {
        g = tmp.resolve("graph");
        r = tmp.resolve("run");
        store = Store.open(StoreOptions.vfs(g, r));
    }

    static String sha256(byte[] b) throws Exception {
        return "sha256:" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void initialisationCreatesUpstreamsLayout() {
        for (String p : List.of("storage.lock", "userns.lock", "mounts", "tmp", "vfs", "vfs-images/images.lock",
                "vfs-containers/containers.lock")) {
            assertTrue(Files.exists(g.resolve(p)), p);
        }
        assertTrue(Files.isDirectory(r.resolve("vfs-containers")));
        assertTrue(Files.isDirectory(r.resolve("vfs-locks")));
        assertFalse(Files.exists(g.resolve("vfs-layers")), "created lazily, as upstream does");
    }

    @Test
    void layersTreesRecordsAndTokens() throws Exception {
        Layer base = store.createLayer(LayerOptions.of(null).withNames(List.of("base", "base")).withMetadata("m"));
        assertEquals(64, base.id().length());
        assertEquals(List.of("base"), base.names());
        Path baseTree = g.resolve("vfs/dir/" + base.id());
        assertEquals("r-xr-xr-x", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(baseTree)));
        // populate the base tree with what layers contain
        Files.setAttribute(baseTree, "unix:mode", 0755);
        Files.writeString(baseTree.resolve("file"), "content");
        Files.setAttribute(baseTree.resolve("file"), "unix:uid", 1000);
        Files.setAttribute(baseTree.resolve("file"), "unix:mode", 04755); // after chown, which clears setuid
        Files.createLink(baseTree.resolve("hardlink"), baseTree.resolve("file"));
        Files.createSymbolicLink(baseTree.resolve("symlink"), Path.of("file"));
        Files.createDirectories(baseTree.resolve("dir/sub"));
        Files.setLastModifiedTime(baseTree.resolve("dir/sub"), java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_123L));
        new ProcessBuilder("mkfifo", baseTree.resolve("fifo").toString()).start().waitFor();
        Files.getFileAttributeView(baseTree.resolve("file"), java.nio.file.attribute.UserDefinedFileAttributeView.class)
                .write("test", java.nio.ByteBuffer.wrap("xv".getBytes(StandardCharsets.UTF_8)));

        Layer child = store.createLayer(LayerOptions.of("base").withNames(List.of("child")));
        assertEquals(base.id(), child.parent());
        Path ct = g.resolve("vfs/dir/" + child.id());
        assertEquals("content", Files.readString(ct.resolve("file")));
        assertEquals(04755, (int) Files.getAttribute(ct.resolve("file"), "unix:mode") & 07777, "setuid survives the copy");
        assertEquals(1000, Files.getAttribute(ct.resolve("file"), "unix:uid"));
        assertEquals(Files.getAttribute(ct.resolve("file"), "unix:ino"), Files.getAttribute(ct.resolve("hardlink"), "unix:ino"),
                "hard links stay linked");
        assertEquals(Path.of("file"), Files.readSymbolicLink(ct.resolve("symlink")));
        assertTrue(Files.readAttributes(ct.resolve("fifo"), java.nio.file.attribute.BasicFileAttributes.class, NOFOLLOW).isOther(),
                "the FIFO is recreated");
        assertEquals(1_000_000_000_123L, Files.getLastModifiedTime(ct.resolve("dir/sub")).toMillis());
        var user = Files.getFileAttributeView(ct.resolve("file"), java.nio.file.attribute.UserDefinedFileAttributeView.class);
        java.nio.ByteBuffer xb = java.nio.ByteBuffer.allocate(8);
        user.read("test", xb);
        assertEquals("xv", new String(xb.array(), 0, xb.position(), StandardCharsets.UTF_8), "user.* xattrs are copied");

        String layersJson = Files.readString(g.resolve("vfs-layers/layers.json"));
        assertTrue(layersJson.startsWith("[{\"id\":\"" + base.id() + "\",\"names\":[\"base\"],\"metadata\":\"m\",\"created\":\""), layersJson);
        assertFalse(layersJson.contains("incomplete"));
        assertFalse(layersJson.contains(" ") || layersJson.endsWith("\n"), "compact");
        assertEquals(64, Files.size(g.resolve("vfs-layers/layers.lock")), "the token was written");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(g.resolve("vfs-layers/layers.json"))));
        assertEquals("[]", Files.readString(r.resolve("vfs-layers/mountpoints.json")));

        // lookups: id, name, unique prefix; ambiguous or unknown = not known
        assertEquals(child.id(), store.layer("child").id());
        assertEquals(child.id(), store.layer(child.id().substring(0, 10)).id());
        assertEquals("layer not known", assertThrows(NotFoundException.class, () -> store.layer("nope")).getMessage());
        assertThrows(NotFoundException.class, () -> store.layer(""));

        // deletion rules
        assertEquals("layer has children", assertThrows(FailedPreconditionException.class, () -> store.deleteLayer("base")).getMessage());
        store.deleteLayer("child");
        assertFalse(Files.exists(ct));
        store.deleteLayer("base");
        assertEquals(List.of(), store.layers());
        assertEquals("[]", Files.readString(g.resolve("vfs-layers/layers.json")));
    }

    @Test
    void namesAreUniquePerKindAndMoveOnAddOrSet() throws Exception {
        Layer a = store.createLayer(LayerOptions.of(null).withNames(List.of("n1", "n2")));
        Layer b = store.createLayer(LayerOptions.of(null));
        assertThrows(AlreadyExistsException.class, () -> store.createLayer(LayerOptions.of(null).withNames(List.of("n1"))));
        assertThrows(AlreadyExistsException.class, () -> store.createLayer(LayerOptions.of(null).withId(a.id())));
        store.addNames(Store.Kind.LAYER, b.id(), List.of("n2", "n3"));
        assertEquals(List.of("n1"), store.layer(a.id()).names());
        assertEquals(List.of("n2", "n3"), store.layer(b.id()).names());
        store.setNames(Store.Kind.LAYER, b.id(), List.of("x"));
        assertEquals(List.of("x"), store.layer(b.id()).names());
        // the same name may be an image's too; image names keep a history, newest first
        Image i = store.createImage(ImageOptions.of(a.id()).withNames(List.of("n1")));
        assertEquals(a.id(), i.topLayer());
        store.addNames(Store.Kind.IMAGE, i.id(), List.of("p", "q"));
        Image j = store.image("q");
        assertEquals(List.of("n1", "p", "q"), j.names());
        assertEquals(List.of("q", "p", "n1"), j.namesHistory());
        // upstream's library AddNames (containers/image's): new names first, the history as it iterates them
        store.addNamesFirst(Store.Kind.IMAGE, i.id(), List.of("r", "p"));
        assertEquals(List.of("r", "p", "n1", "q"), store.image(i.id()).names());
        assertEquals(List.of("q", "n1", "p", "r"), store.image(i.id()).namesHistory());
        Image k = store.createImage(ImageOptions.of(a.id()).withNames(List.of("k")));
        store.addNamesFirst(Store.Kind.IMAGE, k.id(), List.of("q"));
        assertEquals(List.of("q", "k"), store.image(k.id()).names(), "a name moves from another image");
        assertEquals(List.of("r", "p", "n1"), store.image(i.id()).names());
        store.setMetadata(Store.Kind.IMAGE, "p", "meta");
        assertEquals("meta", store.image(i.id()).metadata());
        assertEquals("layer is in use by an image", assertThrows(FailedPreconditionException.class, () -> store.deleteLayer(a.id())).getMessage());
    }

    @Test
    void imageBigDataAndDigests() throws Exception {
        Image i = store.createImage(ImageOptions.of(null).withNames(List.of("img")));
        assertNull(i.topLayer());
        byte[] m1 = "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8);
        store.setImageBigData("img", "manifest", m1);
        store.setImageBigData("img", "big-item-1", new byte[] {1, 2, 3});
        Image after = store.image("img");
        assertEquals(sha256(m1), after.digest(), "a manifest item sets an empty image digest");
        assertEquals(3L, after.bigDataSizes().get("big-item-1"));
        assertTrue(Files.exists(g.resolve("vfs-images/" + i.id() + "/=YmlnLWl0ZW0tMQ==")));
        assertArrayEquals(m1, store.imageBigData(i.id(), "manifest"));
        byte[] m2 = "{\"schemaVersion\":2,\"x\":1}".getBytes(StandardCharsets.UTF_8);
        store.setImageBigData("img", "manifest", m2);
        Image again = store.image("img");
        assertEquals(sha256(m1), again.digest(), "once set, the digest stays (upstream quirk)");
        assertEquals(List.of(sha256(m1), sha256(m2)), again.digests());
        assertEquals(1, store.imagesByDigest(sha256(m1)).size());
        assertEquals(1, store.imagesByDigest(sha256(m2)).size());
        assertThrows(io.cargohold.errors.InvalidArgumentException.class, () -> store.setImageBigData("img", "", new byte[0]));
        assertThrows(io.cargohold.errors.InvalidArgumentException.class,
                () -> store.createImage(ImageOptions.of(null).withDigest("sha256:XYZ")));
        JsonNode rec = JSON.readTree(Files.readAllBytes(g.resolve("vfs-images/images.json"))).get(0);
        assertEquals(List.of("id", "digest", "names", "big-data-names", "big-data-sizes", "big-data-digests", "created"),
                fieldNames(rec));
    }

    static List<String> fieldNames(JsonNode n) {
        List<String> out = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void containersOwnALayerOverTheImagesTopLayer() throws Exception {
        Layer top = store.createLayer(LayerOptions.of(null));
        Files.writeString(store.layerTree(top.id()).resolve("f"), "x", java.nio.file.StandardOpenOption.CREATE);
        Image i = store.createImage(ImageOptions.of(top.id()).withNames(List.of("img")));
        Container c = store.createContainer(ContainerOptions.of("img").withNames(List.of("ctr")).withMetadata("md"));
        assertEquals(i.id(), c.image());
        Layer cl = store.layer(c.layer());
        assertEquals(top.id(), cl.parent());
        assertEquals("x", Files.readString(store.layerTree(cl.id()).resolve("f")));
        assertEquals(java.util.Map.of("MountLabel", "", "ProcessLabel", ""), c.flags());
        assertEquals(c.id(), store.container(c.layer()).id(), "a container is found by its layer's ID");
        Path ud = store.containerDirectory("ctr");
        Path rd = store.containerRunDirectory("ctr");
        assertTrue(Files.isDirectory(ud) && Files.isDirectory(rd));
        store.setContainerBigData("ctr", "config", "{}".getBytes(StandardCharsets.UTF_8));
        assertEquals("image used by " + store.container("ctr").id() + ": image is in use by a container",
                assertThrows(FailedPreconditionException.class, () -> store.deleteImage("img")).getMessage());
        assertEquals("layer is in use by a container",
                assertThrows(FailedPreconditionException.class, () -> store.deleteLayer(cl.id())).getMessage());
        assertEquals("would-be parent layer is a container",
                assertThrows(FailedPreconditionException.class, () -> store.createLayer(LayerOptions.of(cl.id()))).getMessage());
        store.deleteContainer("ctr");
        assertThrows(NotFoundException.class, () -> store.layer(cl.id()));
        assertFalse(Files.exists(g.resolve("vfs-containers/" + c.id())));
        assertFalse(Files.exists(r.resolve("vfs-containers/" + c.id())));
        store.deleteImage("img");
        assertEquals(List.of(), store.images());
        JsonNode containers = JSON.readTree(Files.readAllBytes(g.resolve("vfs-containers/containers.json")));
        assertEquals(0, containers.size());
    }

    @Test
    void mountCountsLiveInTheRunRoot() throws Exception {
        Layer l = store.createLayer(LayerOptions.of(null));
        Path p = store.mount(l.id());
        assertEquals(g.resolve("vfs/dir/" + l.id()), p);
        store.mount(l.id());
        assertEquals(2, store.layer(l.id()).mountCount());
        JsonNode mp = JSON.readTree(Files.readAllBytes(r.resolve("vfs-layers/mountpoints.json")));
        assertEquals("[{\"id\":\"" + l.id() + "\",\"path\":\"" + p + "\",\"count\":2}]", mp.toString());
        assertTrue(store.unmount(l.id(), false));
        assertFalse(store.unmount(l.id(), false));
        assertEquals(0, store.layer(l.id()).mountCount());
        assertEquals("[]", Files.readString(r.resolve("vfs-layers/mountpoints.json")));
        store.mount(l.id());
        assertFalse(store.unmount(l.id(), true), "force unmounts fully");
    }

    @Test
    void incompleteLayersAreDeletedOnLoad() throws Exception {
        Layer keep = store.createLayer(LayerOptions.of(null));
        Layer half = store.createLayer(LayerOptions.of(null));
        Path tree = g.resolve("vfs/dir/" + half.id());
        // as if a process died half-way: the flag set and the tree still there
        String json = Files.readString(g.resolve("vfs-layers/layers.json"));
        String id = "\"id\":\"" + half.id() + "\",";
        String flagged = json.replace("\"created\"", "\"flags\":{\"x\":1},\"created\"");
        int at = json.indexOf(id);
        int end = json.indexOf('}', at);
        String fixed = json.substring(0, end) + ",\"flags\":{\"incomplete\":true}" + json.substring(end);
        assertTrue(fixed.length() > flagged.length() - 100);
        Files.writeString(g.resolve("vfs-layers/layers.json"), fixed);
        Store other = Store.open(StoreOptions.vfs(g, r));
        assertEquals(List.of(keep.id()), other.layers().stream().map(Layer::id).toList());
        assertFalse(Files.exists(tree), "its tree went too");
        assertFalse(Files.readString(g.resolve("vfs-layers/layers.json")).contains(half.id()), "and the file was rewritten");
    }

    @Test
    void changesByAnotherProcessAreSeenThroughTheToken() throws Exception {
        assertEquals(List.of(), store.layers());
        try (ChildJvm child = ChildJvm.start(CreateLayerMain.class, g.toString(), r.toString(), "from-child")) {
            assertEquals(0, child.waitFor(120), child.stderr());
        }
        assertEquals(List.of("from-child"), store.layers().getFirst().names());
    }

    /** Child-process main: creates one named layer. */
    public static final class CreateLayerMain {
        public static void main(String[] a) throws Exception {
            Store s = Store.open(StoreOptions.vfs(Path.of(a[0]), Path.of(a[1])));
            s.createLayer(LayerOptions.of(null).withNames(List.of(a[2])));
        }
    }

    @Test
    void idMappedLayersShiftOwnersOfTheCopiedTree() throws Exception {
        Layer base = store.createLayer(LayerOptions.of(null));
        Path bt = store.layerTree(base.id());
        Files.setAttribute(bt, "unix:mode", 0755);
        Files.writeString(bt.resolve("root-file"), "r");
        Files.writeString(bt.resolve("user-file"), "u");
        Files.setAttribute(bt.resolve("user-file"), "unix:uid", 1000);
        Files.setAttribute(bt.resolve("user-file"), "unix:gid", 1000);
        List<IdMap> map = List.of(new IdMap(0, 100000, 65536));
        Layer mapped = store.createLayer(LayerOptions.of(base.id()).withIdMaps(map, map));
        Path mt = store.layerTree(mapped.id());
        assertEquals(100000, Files.getAttribute(mt.resolve("root-file"), "unix:uid"));
        assertEquals(101000, Files.getAttribute(mt.resolve("user-file"), "unix:uid"));
        assertEquals(101000, Files.getAttribute(mt.resolve("user-file"), "unix:gid"));
        assertEquals(100000, Files.getAttribute(mt, "unix:uid"));
        assertEquals(map, store.layer(mapped.id()).uidMap());
        assertTrue(Files.readString(g.resolve("vfs-layers/layers.json"))
                .contains("\"uidmap\":[{\"container_id\":0,\"host_id\":100000,\"size\":65536}]"));
        // a child of the mapped layer with the same maps copies owners unchanged
        Layer grandchild = store.createLayer(LayerOptions.of(mapped.id()));
        assertEquals(101000, Files.getAttribute(store.layerTree(grandchild.id()).resolve("user-file"), "unix:uid"));
    }

    @Test
    void additionalReadOnlyStoresAreReadNeverWritten() throws Exception {
        Path lower = tmp.resolve("lower");
        Store low = Store.open(StoreOptions.vfs(lower, tmp.resolve("lower-run")));
        Layer ll = low.createLayer(LayerOptions.of(null));
        Files.setAttribute(low.layerTree(ll.id()), "unix:mode", 0755);
        Files.writeString(low.layerTree(ll.id()).resolve("from-lower"), "l");
        Image li = low.createImage(ImageOptions.of(ll.id()).withNames(List.of("lowerimage")).withMetadata("lm"));
        byte[] lowerImages = Files.readAllBytes(lower.resolve("vfs-images/images.json"));

        Store upper = Store.open(StoreOptions.vfs(g, r).withImageStores(List.of(lower)));
        assertTrue(upper.layer(ll.id()).readOnly());
        assertTrue(upper.image("lowerimage").readOnly());
        assertThrows(FailedPreconditionException.class, () -> upper.deleteLayer(ll.id()));
        Container c = upper.createContainer(ContainerOptions.of("lowerimage"));
        assertEquals("l", Files.readString(upper.layerTree(c.layer()).resolve("from-lower")), "the container layer copies the lower tree");
        upper.addNames(Store.Kind.IMAGE, "lowerimage", List.of("newimage"));
        Image copy = upper.image("newimage");
        assertEquals(li.id(), copy.id());
        assertFalse(copy.readOnly());
        assertEquals("lm", copy.metadata());
        assertArrayEquals(lowerImages, Files.readAllBytes(lower.resolve("vfs-images/images.json")), "the lower store is untouched");
        upper.deleteContainer(c.id());
        upper.deleteImage("newimage");
        assertTrue(upper.image(li.id()).readOnly(), "the lower image shows again");
    }

    @Test
    void layerBigData() throws Exception {
        Layer l = store.createLayer(LayerOptions.of(null));
        store.setLayerBigData(l.id(), "big-item-1", new ByteArrayInputStream("data".getBytes(StandardCharsets.UTF_8)));
        try (var in = store.layerBigData(l.id(), "big-item-1")) {
            assertEquals("data", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        assertEquals(List.of("big-item-1"), store.layer(l.id()).bigDataNames());
        assertThrows(NotFoundException.class, () -> store.layerBigData(l.id(), "nope"));
        store.deleteLayer(l.id());
        assertFalse(Files.exists(g.resolve("vfs-layers/" + l.id())));
    }
}
