package io.cargohold.storage.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.storage.Image;
import io.cargohold.storage.Layer;
import io.cargohold.storage.Store;
import io.cargohold.storage.StoreOptions;
import io.cargohold.testkit.ChildJvm;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.Tools;
import io.cargohold.testkit.images.WrittenLayout;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The damage catalogue: stores written by skopeo and by us, each damaged one way; the check must
 * report exactly the damage (no false alarm on the sound part), the repair must remove what the damage
 * made unsound and nothing else, after which the store checks clean, the untouched images are still
 * there and skopeo copies them out (reading every layer back with its digests).
 */
class StoreCheckTest {
    private static final String V2 = "docker.io/library/app:v2";
    private static final String LATEST = "docker.io/library/app:latest";
    private static final String ODD = "docker.io/library/odd:latest";
    private static final String FILE = "opt/app/release/VERSION";

    @TempDir
    static Path layouts;
    static WrittenLayout two;
    static WrittenLayout odd;
    static WrittenLayout multi;
    static WrittenLayout zstd;
    static WrittenLayout schema2;

    @TempDir
    Path tmp;

    @BeforeAll
    static void images() throws IOException {
        two = TestImages.twoTagsSharingLayers(layouts.resolve("two"));
        odd = TestImages.hardlinksWhiteoutsOddNames(layouts.resolve("odd"));
        multi = TestImages.multiArch(layouts.resolve("multi"));
        zstd = TestImages.zstd(layouts.resolve("zstd"));
        schema2 = TestImages.dockerSchema2(layouts.resolve("schema2"));
    }

    /** A store with app:latest and app:v2 (sharing two layers) and odd:latest; v2's top layer is the one damaged. */
    record Fixture(Path g, Path r, Store store, String image, String layer, Path tree) {
        CheckReport check() throws IOException {
            return store.check(CheckOptions.full(), CheckListener.NONE);
        }
    }

    Fixture fill(String writer) throws IOException {
        Path g = tmp.resolve("graph");
        Path r = tmp.resolve("run");
        Store store = Store.open(StoreOptions.vfs(g, r));
        if (writer.equals("skopeo")) {
            Tools.require("skopeo");
            Stores.skopeoCopy(two, "latest", g, r, "app:latest");
            Stores.skopeoCopy(two, "v2", g, r, "app:v2");
            Stores.skopeoCopy(odd, odd.refNames().getFirst(), g, r, "odd:latest");
        } else {
            Stores.importWithUs(store, two, two.ref("latest").image(), LATEST);
            Stores.importWithUs(store, two, two.ref("v2").image(), V2);
            Stores.importWithUs(store, odd, odd.ref(odd.refNames().getFirst()).image(), ODD);
        }
        Image v2 = store.image(V2);
        Fixture f = new Fixture(g, r, store, v2.id(), v2.topLayer(), store.layerTree(v2.topLayer()));
        CheckReport before = f.check();
        assertEquals(List.of(), before.all(), writer + "'s store before any damage");
        return f;
    }

    // ------------------------------------------------------------------ no false alarms

    @ParameterizedTest
    @ValueSource(strings = {"skopeo", "us"})
    void soundStoresCheckClean(String writer) throws IOException {
        Fixture f = fill(writer);
        if (writer.equals("skopeo")) {
            Stores.skopeoCopy(multi, "latest", f.g(), f.r(), "multi:latest");
            Stores.skopeoCopy(zstd, zstd.refNames().getFirst(), f.g(), f.r(), "zstd:latest");
            Stores.skopeoCopy(schema2, schema2.refNames().getFirst(), f.g(), f.r(), "schema2:latest");
            // GNU tar's "./" root entries: skopeo's chrooted applier leaves the root with the time of the apply
            Tools.ok("skopeo", "copy", "-q", "oci:" + Stores.gnuTarLayout(tmp.resolve("gnutar")) + ":latest",
                    Stores.ref(f.g(), f.r(), "gnutar:latest"));
        } else {
            Stores.importWithUs(f.store(), zstd, zstd.ref(zstd.refNames().getFirst()).image(), "docker.io/library/zstd:latest");
            Stores.importWithUs(f.store(), multi, multi.ref("latest").image(io.cargohold.testkit.images.Platform.LINUX_AMD64),
                    "docker.io/library/multi:latest");
        }
        for (CheckOptions o : List.of(CheckOptions.full(), CheckOptions.quick(), CheckOptions.full().withMaxUnreferencedAge(Duration.ZERO))) {
            CheckReport report = f.store().check(o, CheckListener.NONE);
            assertEquals(List.of(), report.all(), writer + ", content " + o.content());
            assertEquals(f.store().layers().size(), report.layersChecked());
            assertTrue(report.filesCompared() > 50, "compared " + report.filesCompared());
            assertEquals(o.content(), report.bytesRead() > 0);
        }
    }

    @Test
    void idMappedLayersCompareOwnersThroughTheirMaps() throws Exception {
        Store store = Store.open(StoreOptions.vfs(tmp.resolve("g"), tmp.resolve("r")));
        var base = io.cargohold.testkit.images.LayerBuilder.create().dirs("d").owner(1000, 1000).file("d/f", "x\n").owner(1000, 1000).build();
        var top = io.cargohold.testkit.images.LayerBuilder.create().dirs("e").file("e/g", "y\n").build();
        List<io.cargohold.storage.IdMap> m1 = List.of(new io.cargohold.storage.IdMap(0, 100000, 65536));
        List<io.cargohold.storage.IdMap> m2 = List.of(new io.cargohold.storage.IdMap(0, 400000, 65536));
        Layer l1;
        try (var in = base.tar().open()) {
            l1 = store.createLayer(io.cargohold.storage.LayerOptions.of(null).withIdMaps(m1, m1), in);
        }
        Layer l2;
        try (var in = top.tar().open()) {
            l2 = store.createLayer(io.cargohold.storage.LayerOptions.of(l1.id()).withIdMaps(m2, m2), in);
        }
        store.createImage(io.cargohold.storage.ImageOptions.of(l2.id()));
        assertEquals(401000, Files.getAttribute(store.layerTree(l2.id()).resolve("d/f"), "unix:uid"));
        assertEquals(List.of(), store.check(CheckOptions.full(), CheckListener.NONE).all());
        Files.setAttribute(store.layerTree(l2.id()).resolve("d/f"), "unix:uid", 101000); // the parent's host ID: wrong here
        assertEquals(List.of("layer " + l2.id() + ": /d/f(uid:401000\uFFEB101000), layer content modified"),
                messages(store.check(CheckOptions.quick(), CheckListener.NONE).layers().get(l2.id())));
    }

    @Test
    void otherProcessesWorkWhileTheCheckRunsAndItStaysRight() throws Exception {
        Fixture f = fill("skopeo");
        java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        // its own thread: the common pool (one thread on two cores) is where Tools reads skopeo's output
        var pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        var checking = pool.submit(() -> {
            try {
                return f.store().check(CheckOptions.full(), (id, done, total, bytes) -> {
                    if (done == 0) {
                        runs.incrementAndGet();
                        inside.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                });
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        pool.shutdown();
        assertTrue(inside.await(60, java.util.concurrent.TimeUnit.SECONDS));
        // the check is in the middle of its long part, holding no lock: skopeo (which opens a store only
        // with layers.lock held for writing) reads, and a writer adds a layer ...
        Stores.skopeoReads(f.g(), f.r(), "app:latest", tmp.resolve("read-while-checking"));
        Store other = Store.open(StoreOptions.vfs(f.g(), f.r()));
        Layer added = other.createLayer(io.cargohold.storage.LayerOptions.of(null));
        release.countDown();
        // ... which the check notices when it confirms its view (the records and the writers' tokens): it
        // checks again, so its report is about the store as it is now (the new layer is sound and young)
        CheckReport report = checking.get(120, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(List.of(), report.all());
        assertEquals(2, runs.get(), "one optimistic run spoiled by the writer, one more");
        assertEquals(f.store().layers().size(), report.layersChecked(), "the second run saw " + added.id());
    }

    @Test
    void aContainerWhoseLayerIsDamagedGoesOnlyWithForce() throws Exception {
        Fixture f = fill("us");
        io.cargohold.storage.Container c = f.store().createContainer(io.cargohold.storage.ContainerOptions.of(f.image()));
        deleteTree(f.store().layerTree(c.layer()));
        CheckReport report = f.check();
        String finding = "layer " + c.layer() + ": " + f.store().layerTree(c.layer()) + ": layer directory is missing";
        assertEquals(Map.of(c.layer(), List.of(finding)), messages(report.layers()));
        assertEquals(Map.of(c.id(), List.of(finding)), messages(report.containers()));
        RepairResult without = f.store().repair(report, RepairOptions.defaults());
        assertEquals(List.of("deleting layer " + c.layer() + ": layer " + c.layer() + " used by container " + c.id()
                + ": layer is in use by a container"), without.errors());
        RepairResult with = f.store().repair(f.check(), new RepairOptions(true, false));
        assertEquals(List.of(), with.errors());
        assertEquals(List.of(c.id()), with.containers());
        afterRepair(f, "us", true);
    }

    // ------------------------------------------------------------------ the catalogue

    @ParameterizedTest
    @ValueSource(strings = {"skopeo", "us"})
    void flippedByte(String writer) throws Exception {
        Fixture f = fill(writer);
        Path file = f.tree().resolve(FILE);
        keepingTimes(file, () -> {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.allocate(1);
                ch.read(b, 0);
                b.put(0, (byte) (b.get(0) ^ 0x20)).rewind();
                ch.write(b, 0);
            }
        });
        expect(f, List.of(checksum(f), digest(f)));
        // the quick check reads no content: a flipped byte with the time kept is invisible to it
        assertEquals(List.of(), f.store().check(CheckOptions.quick(), CheckListener.NONE).all());
        repairs(f, writer);
    }

    @ParameterizedTest
    @ValueSource(strings = {"skopeo", "us"})
    void truncatedFile(String writer) throws Exception {
        Fixture f = fill(writer);
        Path file = f.tree().resolve(FILE);
        long size = Files.size(file);
        keepingTimes(file, () -> {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(2);
            }
        });
        expect(f, List.of(checksum(f), digest(f), modified(f, "/" + FILE + "(size:" + size + "\uFFEB2)")));
        assertEquals(List.of(modified(f, "/" + FILE + "(size:" + size + "\uFFEB2)")),
                messages(f.store().check(CheckOptions.quick(), CheckListener.NONE).layers().get(f.layer())));
        repairs(f, writer);
    }

    @ParameterizedTest
    @ValueSource(strings = {"skopeo", "us"})
    void deletedFile(String writer) throws Exception {
        Fixture f = fill(writer);
        Path dir = f.tree().resolve(FILE).getParent();
        long before = Files.getLastModifiedTime(dir).toInstant().getEpochSecond();
        Files.delete(f.tree().resolve(FILE));
        long after = Files.getLastModifiedTime(dir).toInstant().getEpochSecond();
        // the directory the layer named changed too (its time), which the check sees as well
        expect(f, List.of(checksum(f), digest(f),
                modified(f, "/opt/app/release(mtime:0x" + Long.toHexString(before) + "\uFFEB0x" + Long.toHexString(after) + ")"),
                modified(f, "-/" + FILE)));
        repairs(f, writer);
    }

    @ParameterizedTest
    @ValueSource(strings = {"skopeo", "us"})
    void extraFile(String writer) throws Exception {
        Fixture f = fill(writer);
        Files.writeString(f.tree().resolve("opt/app/extra"), "not from any layer\n");
        expect(f, List.of(modified(f, "+/opt/app/extra")));
        repairs(f, writer);
    }

    @ParameterizedTest
    @ValueSource(strings = {"skopeo", "us"})
    void changedModeAndOwner(String writer) throws Exception {
        Fixture f = fill(writer);
        Path file = f.tree().resolve(FILE);
        int mode = (Integer) Files.getAttribute(file, "unix:mode") & 07777;
        Files.setAttribute(file, "unix:mode", 0600);
        Files.setAttribute(file, "unix:uid", 1234);
        expect(f, List.of(modified(f, "/" + FILE + "(uid:0\uFFEB1234," + String.format("mode:%04o\uFFEB0600)", mode))));
        repairs(f, writer);
    }

    @ParameterizedTest
    @ValueSource(strings = {"skopeo", "us"})
    void deletedLayerDirectory(String writer) throws Exception {
        Fixture f = fill(writer);
        deleteTree(f.tree());
        expect(f, List.of(finding(f, f.tree() + ": layer directory is missing")));
        repairs(f, writer);
    }

    @ParameterizedTest
    @ValueSource(strings = {"skopeo", "us"})
    void deletedTarSplit(String writer) throws Exception {
        Fixture f = fill(writer);
        Path ts = f.g().resolve("vfs-layers").resolve(f.layer() + ".tar-split.gz");
        Files.delete(ts);
        expect(f, List.of(finding(f, ts + ": layer tar-split data is missing")));
        repairs(f, writer);
    }

    @ParameterizedTest
    @ValueSource(strings = {"skopeo", "us"})
    void bigDataRemoved(String writer) throws Exception {
        Fixture f = fill(writer);
        Files.delete(f.g().resolve("vfs-images").resolve(f.image()).resolve("manifest"));
        expectImage(f, List.of("image " + f.image() + ": data item \"manifest\": image data item is missing"));
        repairs(f, writer);
    }

    @ParameterizedTest
    @ValueSource(strings = {"skopeo", "us"})
    void bigDataAltered(String writer) throws Exception {
        Fixture f = fill(writer);
        Path m = f.g().resolve("vfs-images").resolve(f.image()).resolve("manifest");
        byte[] b = Files.readAllBytes(m);
        b[b.length / 2] ^= 1;
        Files.write(m, b);
        expectImage(f, List.of("image " + f.image() + ": data item \"manifest\": image data item has incorrect digest"));
        repairs(f, writer);
    }

    @ParameterizedTest
    @ValueSource(strings = {"skopeo", "us"})
    void bigDataGrown(String writer) throws Exception {
        Fixture f = fill(writer);
        Path m = f.g().resolve("vfs-images").resolve(f.image()).resolve("manifest");
        Files.writeString(m, "\n", StandardOpenOption.APPEND);
        expectImage(f, List.of("image " + f.image() + ": data item \"manifest\": image data item has incorrect size"));
        repairs(f, writer);
    }

    @ParameterizedTest
    @ValueSource(strings = {"skopeo", "us"})
    void topLayerRecordRemoved(String writer) throws Exception {
        Fixture f = fill(writer);
        Path lj = f.g().resolve("vfs-layers/layers.json");
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var arr = (com.fasterxml.jackson.databind.node.ArrayNode) json.readTree(lj.toFile());
        for (int i = 0; i < arr.size(); i++) {
            if (arr.get(i).path("id").asText().equals(f.layer())) {
                arr.remove(i);
                break;
            }
        }
        Files.write(lj, json.writeValueAsBytes(arr));
        CheckReport report = f.check();
        assertEquals(Map.of(f.layer(), List.of("layer " + f.layer() + ": layer in lower level storage driver not accounted for")),
                messages(report.layers()));
        assertEquals(Map.of(f.image(), List.of("image " + f.image() + ": layer " + f.layer() + ": image layer is missing")),
                messages(report.images()));
        repairs(f, writer);
    }

    @ParameterizedTest
    @ValueSource(strings = {"skopeo", "us"})
    void layerLeftIncompleteByKillDuringApply(String writer) throws Exception {
        Fixture f = fill(writer);
        String parent = f.store().image(LATEST).topLayer();
        Path tar = tmp.resolve("layer.tar");
        io.cargohold.testkit.images.Layer layer = io.cargohold.testkit.images.LayerBuilder.create()
                .dirs("srv/big").randomFile("srv/big/a", 4 << 20, 1).randomFile("srv/big/b", 4 << 20, 2).build();
        try (var in = layer.tar().open()) {
            Files.copy(in, tar);
        }
        try (ChildJvm w = ChildJvm.start(CheckWorker.class, "apply", f.g().toString(), f.r().toString(), parent, tar.toString())) {
            w.await("APPLYING", 120);
            w.kill();
        }
        Store fresh = Store.open(StoreOptions.vfs(f.g(), f.r()));
        CheckReport report = fresh.check(CheckOptions.full(), CheckListener.NONE);
        assertEquals(1, report.layers().size(), report.all().toString());
        String id = report.layers().keySet().iterator().next();
        assertEquals(List.of("layer " + id + ": layer is incomplete"), messages(report.layers().get(id)));
        assertEquals(Map.of(), report.images());
        RepairResult result = fresh.repair(report, RepairOptions.defaults());
        assertEquals(List.of(id), result.layers());
        afterRepair(f, writer, true);
    }

    @ParameterizedTest
    @ValueSource(strings = {"skopeo", "us"})
    void mountCountLeftByKilledProcess(String writer) throws Exception {
        Fixture f = fill(writer);
        try (ChildJvm w = ChildJvm.start(CheckWorker.class, "mount", f.g().toString(), f.r().toString(), f.layer())) {
            w.await("MOUNTED", 120);
            w.kill();
        }
        CheckReport report = f.check();
        assertEquals(List.of(), report.all(), "a mount count is not damage");
        assertEquals(Map.of(f.layer(), 1), report.mounts());
        RepairResult result = f.store().repair(report, new RepairOptions(false, true));
        assertEquals(List.of(f.layer()), result.mountsReset());
        assertEquals(0, f.store().layer(f.layer()).mountCount());
        assertEquals(Map.of(), f.check().mounts());
        afterRepair(f, writer, true);
    }

    @ParameterizedTest
    @ValueSource(strings = {"skopeo", "us"})
    void corruptLayersJson(String writer) throws Exception {
        Fixture f = fill(writer);
        Path lj = f.g().resolve("vfs-layers/layers.json");
        int layers = f.store().layers().size();
        byte[] b = Files.readAllBytes(lj);
        Files.write(lj, java.util.Arrays.copyOf(b, b.length / 2));
        CheckReport report = f.check();
        assertEquals(1, report.records().size(), report.all().toString());
        assertTrue(report.records().getFirst().message().startsWith(lj + " is not valid JSON: "), report.records().toString());
        assertEquals(Problem.RECORDS_UNREADABLE, report.records().getFirst().problem());
        RepairResult result = f.store().repair(report, RepairOptions.defaults());
        assertEquals(List.of(), result.errors());
        assertEquals(layers, result.rebuiltLayers().size(), result.toString());
        assertEquals(List.of(), result.images(), "every image keeps its layers");
        assertEquals(1, Files.list(lj.getParent()).filter(p -> p.getFileName().toString().startsWith("layers.json.corrupt-")).count());
        afterRepair(f, writer, true);
        for (String name : List.of(LATEST, V2, ODD)) {
            assertEquals(Stores.chain(f.store(), name).stream().map(Layer::uncompressedDigest).toList(),
                    (name.equals(ODD) ? odd.ref(odd.refNames().getFirst()) : two.ref(name.endsWith("v2") ? "v2" : "latest"))
                            .image().diffIds());
        }
    }

    // ------------------------------------------------------------------ kill -9 during repair

    @Test
    void killedRepairIsFinishedByTheNextRepair() throws Exception {
        Tools.require("skopeo");
        java.util.Random random = new java.util.Random(5);
        for (int round = 0; round < 8; round++) {
            Path base = tmp.resolve("round" + round);
            Path g = base.resolve("graph");
            Path r = base.resolve("run");
            Stores.skopeoCopy(two, "latest", g, r, "app:latest");
            Stores.skopeoCopy(two, "v2", g, r, "app:v2");
            Stores.skopeoCopy(odd, odd.refNames().getFirst(), g, r, "odd:latest");
            Store store = Store.open(StoreOptions.vfs(g, r));
            // damage: v2's top layer modified, odd's manifest gone, three stray driver layers
            Files.writeString(store.layerTree(store.image(V2).topLayer()).resolve("extra"), "x");
            Files.delete(g.resolve("vfs-images").resolve(store.image(ODD).id()).resolve("manifest"));
            for (int i = 0; i < 3; i++) {
                store.createDriverLayer("stray" + i, store.image(LATEST).topLayer());
            }
            try (ChildJvm w = ChildJvm.start(CheckWorker.class, "repair", g.toString(), r.toString())) {
                w.await("READY", 120);
                Thread.sleep(100 + random.nextInt(1200));
                w.kill();
            }
            Store fresh = Store.open(StoreOptions.vfs(g, r));
            CheckReport report = fresh.check(CheckOptions.full(), CheckListener.NONE);
            RepairResult result = fresh.repair(report, new RepairOptions(true, true));
            assertEquals(List.of(), result.errors(), "round " + round);
            assertEquals(List.of(), fresh.check(CheckOptions.full().withMaxUnreferencedAge(Duration.ZERO), CheckListener.NONE).all(),
                    "round " + round);
            assertEquals(List.of(LATEST), fresh.images().stream().flatMap(i -> i.names().stream()).toList(), "round " + round);
            assertEquals(List.of(), fresh.driverLayers().stream().filter(id -> id.startsWith("stray")).toList());
            Stores.skopeoReads(g, r, "app:latest", base.resolve("out"));
        }
    }

    // ------------------------------------------------------------------ helpers

    private static String finding(Fixture f, String text) {
        return "layer " + f.layer() + ": " + text;
    }

    private static String checksum(Fixture f) throws IOException {
        return finding(f, "file integrity checksum failed for \"" + entryName(f) + "\"");
    }

    private static String digest(Fixture f) {
        return finding(f, "layer content incorrect digest");
    }

    private static String modified(Fixture f, String what) {
        return finding(f, what + ", layer content modified");
    }

    /** The file's name as the layer tar has it ({@code ./opt/…} or {@code opt/…}), read back through our diff. */
    private static String entryName(Fixture f) throws IOException {
        try (var in = Files.newInputStream(f.g().resolve("vfs-layers").resolve(f.layer() + ".tar-split.gz"));
             var gz = new java.util.zip.GZIPInputStream(in)) {
            for (String line : new String(gz.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                var n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
                if (n.path("type").asInt() == 1 && n.path("name").asText().endsWith(FILE)) {
                    return n.path("name").asText();
                }
            }
        }
        throw new AssertionError("no " + FILE + " in the layer's tar-split");
    }

    /** The check finds exactly {@code layerFindings} on the damaged layer, the image carries them, nothing else is reported. */
    private static void expect(Fixture f, List<String> layerFindings) throws IOException {
        CheckReport report = f.check();
        assertEquals(Map.of(f.layer(), layerFindings), messages(report.layers()), "layers");
        assertEquals(Map.of(f.image(), layerFindings), messages(report.images()), "images");
        assertEquals(Map.of(), report.containers());
        assertEquals(List.of(), report.records());
    }

    private static void expectImage(Fixture f, List<String> imageFindings) throws IOException {
        CheckReport report = f.check();
        assertEquals(Map.of(), messages(report.layers()), "layers");
        assertEquals(Map.of(f.image(), imageFindings), messages(report.images()), "images");
    }

    /** Repair: v2 goes (with the layers only it used); app:latest and odd stay, the store checks clean, skopeo reads them. */
    private void repairs(Fixture f, String writer) throws Exception {
        CheckReport report = f.check();
        RepairResult result = f.store().repair(report, RepairOptions.defaults());
        assertEquals(List.of(), result.errors());
        assertEquals(List.of(f.image()), result.images());
        assertTrue(result.layers().contains(f.layer()) || result.unaccounted().contains(f.layer()), result.toString());
        afterRepair(f, writer, false);
    }

    private void afterRepair(Fixture f, String writer, boolean v2Stays) throws Exception {
        Store fresh = Store.open(StoreOptions.vfs(f.g(), f.r()));
        CheckReport after = fresh.check(CheckOptions.full().withMaxUnreferencedAge(Duration.ZERO), CheckListener.NONE);
        assertEquals(List.of(), after.all(), "after the repair");
        List<String> names = new ArrayList<>();
        fresh.images().forEach(i -> names.addAll(i.names()));
        List<String> want = new ArrayList<>(List.of(LATEST, ODD));
        if (v2Stays) {
            want.add(V2);
        }
        assertEquals(want.stream().sorted().toList(), names.stream().sorted().toList(), writer);
        assertFalse(fresh.layers().stream().map(Layer::id).anyMatch(id -> !v2Stays && id.equals(f.layer())));
        Tools.require("skopeo");
        int n = 0;
        for (String name : want) {
            Stores.skopeoReads(f.g(), f.r(), name.substring("docker.io/library/".length()), tmp.resolve("out" + n++));
        }
    }

    private static Map<String, List<String>> messages(Map<String, List<Finding>> m) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, messages(v)));
        return out;
    }

    private static List<String> messages(List<Finding> l) {
        return l == null ? null : l.stream().map(Finding::message).toList();
    }

    @FunctionalInterface
    interface IoAction {
        void run() throws IOException;
    }

    private static void keepingTimes(Path file, IoAction a) throws IOException {
        FileTime m = Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS);
        a.run();
        Files.setLastModifiedTime(file, m);
    }

    private static void deleteTree(Path p) throws IOException {
        try (var s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }

}
