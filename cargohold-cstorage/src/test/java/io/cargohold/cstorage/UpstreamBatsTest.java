package io.cargohold.cstorage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.digest.Digest;
import io.cargohold.testkit.images.Tools;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Upstream's BATS suite (containers/storage v1.43.0, tests/*.bats) ported to in-process runs of our
 * CLI, so that CI checks what each BATS file checks without upstream's files (the real suite is run
 * by hand: README, "Tests"). One method per BATS test, named after it, with the same steps and the
 * same assertions ({@code run} there merges stdout and stderr: {@link #output}). Every test of every
 * file is here except the two upstream itself skips for vfs: idmaps-create-mapped-container-shifting
 * and overlay-recreate (overlay only; {@code MainTest.storeInitialisationErrors} checks that overlay
 * is refused as upstream refuses an unknown driver). Tests that chown to arbitrary owners need root,
 * as upstream's do.
 */
class UpstreamBatsTest {
    @TempDir
    Path dir;
    CliRunner cli;
    Random random = new Random(43);
    String lowerlayer;
    String midlayer;
    String upperlayer;

    @BeforeEach
    void setUp() {
        cli = new CliRunner(dir);
    }

    // ------------------------------------------------------------------ helpers.bash

    /** {@code storage ARGS} that must succeed: stdout. */
    String storage(String... args) {
        return cli.ok(args);
    }

    /** {@code run storage --debug=false ARGS}: status, and stdout + stderr as BATS's $output. */
    CliRunner.Result run(String... args) {
        return cli.run(args);
    }

    static String output(CliRunner.Result r) {
        return r.out() + r.err();
    }

    /** The first line up to a tab ({@code ${output%%\t*}}, {@code ${lines[0]}}). */
    static String first(String out) {
        String line = out.split("\n", -1)[0];
        int tab = line.indexOf('\t');
        return (tab < 0 ? line : line.substring(0, tab)).strip();
    }

    String created(String... args) {
        CliRunner.Result r = run(args);
        assertEquals(0, r.status(), r.toString());
        assertNotEquals("", r.out().strip());
        return first(r.out());
    }

    /** {@code createrandom FILE [COUNT]}: random bytes, mtime 1970-01-01. */
    void createrandom(Path file, int count) throws IOException {
        byte[] b = new byte[count];
        random.nextBytes(b);
        Files.write(file, b);
        Files.setLastModifiedTime(file, FileTime.fromMillis(0));
    }

    void createrandom(Path file) throws IOException {
        createrandom(file, 256);
    }

    Path mount(String layer) {
        CliRunner.Result r = run("mount", layer);
        assertEquals(0, r.status(), r.toString());
        assertNotEquals("", r.out().strip());
        return Path.of(r.out().strip());
    }

    void populate() throws IOException {
        lowerlayer = created("create-layer");
        Path m = mount(lowerlayer);
        createrandom(m.resolve("layer1file1"));
        createrandom(m.resolve("layer1file2"));
        createrandom(m.resolve("layer1file3"));
        for (String d : List.of("layerdir1", "layerdir2", "layerdir3", "layerdir4", "layerdir4/layer1subdir", "layerdir5",
                "layerdir5/layer1subdir", "layerdir6", "layerdir6/layer1subdir", "layerdir7")) {
            Files.createDirectory(m.resolve(d));
        }
        createrandom(m.resolve("layerdir7/layer1file4"));
        Files.createDirectory(m.resolve("layerdir8"));
        createrandom(m.resolve("layerdir8/layer1file5"));
        Files.createDirectory(m.resolve("layerdir9"));
        createrandom(m.resolve("layerdir9/layer1file6"));
        storage("unmount", lowerlayer);

        midlayer = created("create-layer", lowerlayer);
        m = mount(midlayer);
        for (String f : List.of("layer1file1", "layer1file2", "layer1file3", "layerdir7/layer1file4", "layerdir8/layer1file5",
                "layerdir9/layer1file6")) {
            assertTrue(Files.size(m.resolve(f)) > 0, f);
        }
        for (String d : List.of("layerdir1", "layerdir2", "layerdir3", "layerdir4/layer1subdir", "layerdir5/layer1subdir",
                "layerdir6/layer1subdir", "layerdir7", "layerdir8", "layerdir9")) {
            assertTrue(Files.isDirectory(m.resolve(d)), d);
        }
        for (String p : List.of("layer1file1", "layer1file2", "layerdir1", "layerdir2", "layerdir4/layer1subdir", "layerdir4",
                "layerdir5/layer1subdir", "layerdir5", "layerdir7/layer1file4", "layerdir7", "layerdir8/layer1file5", "layerdir8")) {
            Files.delete(m.resolve(p));
        }
        createrandom(m.resolve("layer2file1"));
        Files.createDirectories(m.resolve("layerdir10"));
        Files.createDirectories(m.resolve("layerdir11/layer2subdir"));
        Files.createDirectories(m.resolve("layerdir12"));
        createrandom(m.resolve("layerdir12/layer2file2"));
        storage("unmount", midlayer);

        upperlayer = created("create-layer", midlayer);
        m = mount(upperlayer);
        for (String f : List.of("layer1file3", "layerdir9/layer1file6", "layer2file1", "layerdir12/layer2file2")) {
            assertTrue(Files.size(m.resolve(f)) > 0, f);
        }
        for (String d : List.of("layerdir3", "layerdir6/layer1subdir", "layerdir9", "layerdir10", "layerdir11/layer2subdir", "layerdir12")) {
            assertTrue(Files.isDirectory(m.resolve(d)), d);
        }
        createrandom(m.resolve("layerfile1"));
        Files.createDirectory(m.resolve("layerdir1"));
        Files.createDirectories(m.resolve("layerdir4/layer1subdir"));
        Files.createDirectory(m.resolve("layerdir7"));
        Files.createDirectories(m.resolve("layerdir3/layer3subdir/layer3subsubdir"));
        createrandom(m.resolve("layerdir7/layer1file4"));
        storage("unmount", upperlayer);
    }

    /** {@code storagewithsorting2 changes LAYER}: lines sorted on the path (sort -k2, LC_ALL=C). */
    List<String> changes(String layer) {
        List<String> lines = new ArrayList<>(List.of(storage("changes", layer).split("\n")));
        lines.removeIf(String::isEmpty);
        lines.sort(Comparator.comparing((String l) -> l.substring(l.indexOf(' ') + 1)).thenComparing(l -> l));
        return lines;
    }

    void checkchanges() {
        assertEquals(List.of("Add \"/layer1file1\"", "Add \"/layer1file2\"", "Add \"/layer1file3\"", "Add \"/layerdir1\"",
                "Add \"/layerdir2\"", "Add \"/layerdir3\"", "Add \"/layerdir4\"", "Add \"/layerdir4/layer1subdir\"", "Add \"/layerdir5\"",
                "Add \"/layerdir5/layer1subdir\"", "Add \"/layerdir6\"", "Add \"/layerdir6/layer1subdir\"", "Add \"/layerdir7\"",
                "Add \"/layerdir7/layer1file4\"", "Add \"/layerdir8\"", "Add \"/layerdir8/layer1file5\"", "Add \"/layerdir9\"",
                "Add \"/layerdir9/layer1file6\""), changes(lowerlayer));
        assertEquals(List.of("Delete \"/layer1file1\"", "Delete \"/layer1file2\"", "Add \"/layer2file1\"", "Delete \"/layerdir1\"",
                "Add \"/layerdir10\"", "Add \"/layerdir11\"", "Add \"/layerdir11/layer2subdir\"", "Add \"/layerdir12\"",
                "Add \"/layerdir12/layer2file2\"", "Delete \"/layerdir2\"", "Delete \"/layerdir4\"", "Delete \"/layerdir5\"",
                "Delete \"/layerdir7\"", "Delete \"/layerdir8\""), changes(midlayer));
        assertEquals(List.of("Add \"/layerdir1\"", "Modify \"/layerdir3\"", "Add \"/layerdir3/layer3subdir\"",
                "Add \"/layerdir3/layer3subdir/layer3subsubdir\"", "Add \"/layerdir4\"", "Add \"/layerdir4/layer1subdir\"",
                "Add \"/layerdir7\"", "Add \"/layerdir7/layer1file4\"", "Add \"/layerfile1\""), changes(upperlayer));
    }

    /** {@code tar tf FILE | LC_ALL=C sort} (tar detects gzip itself). */
    static List<String> tarList(Path tar) {
        List<String> names = new ArrayList<>(List.of(Tools.ok(Tools.require("tar"), "tf", tar).out().split("\n")));
        names.removeIf(String::isEmpty);
        names.sort(Comparator.naturalOrder());
        return names;
    }

    void checkdiffs() {
        storage("diff", "-u", "-f", dir.resolve("lower.tar").toString(), lowerlayer);
        assertEquals(List.of("layer1file1", "layer1file2", "layer1file3", "layerdir1/", "layerdir2/", "layerdir3/", "layerdir4/",
                "layerdir4/layer1subdir/", "layerdir5/", "layerdir5/layer1subdir/", "layerdir6/", "layerdir6/layer1subdir/", "layerdir7/",
                "layerdir7/layer1file4", "layerdir8/", "layerdir8/layer1file5", "layerdir9/", "layerdir9/layer1file6"),
                tarList(dir.resolve("lower.tar")));
        storage("diff", "-c", "-f", dir.resolve("middle.tar").toString(), midlayer);
        assertEquals(List.of(".wh.layer1file1", ".wh.layer1file2", ".wh.layerdir1", ".wh.layerdir2", ".wh.layerdir4", ".wh.layerdir5",
                ".wh.layerdir7", ".wh.layerdir8", "layer2file1", "layerdir10/", "layerdir11/", "layerdir11/layer2subdir/", "layerdir12/",
                "layerdir12/layer2file2"), tarList(dir.resolve("middle.tar")));
        storage("diff", "-u", "-f", dir.resolve("upper.tar").toString(), upperlayer);
        assertEquals(List.of("layerdir1/", "layerdir3/", "layerdir3/layer3subdir/", "layerdir3/layer3subdir/layer3subsubdir/",
                "layerdir4/", "layerdir4/layer1subdir/", "layerdir7/", "layerdir7/layer1file4", "layerfile1"),
                tarList(dir.resolve("upper.tar")));
    }

    /** {@code $(cat LOCKFILE)}: the last-writer token, as hex. */
    static String token(Path lockFile) throws IOException {
        return java.util.HexFormat.of().formatHex(Files.readAllBytes(lockFile));
    }

    boolean exists(String flag, String id) {
        return run("exists", flag, id).status() == 0;
    }

    // ------------------------------------------------------------------ abs.bats

    @Test
    void absolutePaths() {
        for (String prefix : List.of("", "./")) {
            for (String cmd : List.of("layers", "shutdown")) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                int status = Main.run(new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(OutputStream.nullOutputStream()), Map.of(), dir,
                        List.of("--graph", prefix + "tmp1a/deep/root", "--run", prefix + "tmp1b/deep/runroot", cmd),
                        Host.under(dir.resolve("host")));
                assertEquals(0, status, prefix + " " + cmd + ": " + out);
            }
            assertTrue(Files.isDirectory(dir.resolve("tmp1a/deep/root")), "a relative graph root is taken from the working directory");
        }
    }

    // ------------------------------------------------------------------ apply-diff.bats, import-layer.bats, diff.bats, changes.bats, diffsize.bats

    @Test
    void applydiff() throws IOException {
        populate();
        checkdiffs(); // writes lower.tar, middle.tar, upper.tar as the BATS test's three diff calls do
        storage("delete-layer", upperlayer);
        storage("delete-layer", midlayer);
        storage("delete-layer", lowerlayer);
        lowerlayer = created("create-layer");
        storage("applydiff", "-f", dir.resolve("lower.tar").toString(), lowerlayer);
        midlayer = created("create-layer", lowerlayer);
        storage("applydiff", "-f", dir.resolve("middle.tar").toString(), midlayer);
        upperlayer = created("create-layer", midlayer);
        storage("applydiff", "-f", dir.resolve("upper.tar").toString(), upperlayer);
        checkchanges();
        checkdiffs();
    }

    @Test
    void importLayer() throws IOException {
        populate();
        checkdiffs();
        storage("delete-layer", upperlayer);
        storage("delete-layer", midlayer);
        storage("delete-layer", lowerlayer);
        lowerlayer = created("import-layer", "-f", dir.resolve("lower.tar").toString());
        midlayer = created("import-layer", "-f", dir.resolve("middle.tar").toString(), lowerlayer);
        upperlayer = created("import-layer", "-f", dir.resolve("upper.tar").toString(), midlayer);
        checkchanges();
        checkdiffs();
    }

    @Test
    void diff() throws IOException {
        populate();
        mount(lowerlayer);
        mount(midlayer);
        mount(upperlayer);
        checkdiffs();
        storage("unmount", lowerlayer);
        storage("unmount", midlayer);
        storage("unmount", upperlayer);
        checkdiffs();
    }

    @Test
    void changes() throws IOException {
        populate();
        mount(lowerlayer);
        mount(midlayer);
        mount(upperlayer);
        checkchanges();
        storage("unmount", lowerlayer);
        storage("unmount", midlayer);
        storage("unmount", upperlayer);
        checkchanges();
    }

    @Test
    void diffsize() throws IOException {
        populate();
        for (String l : List.of(lowerlayer, midlayer, upperlayer)) {
            CliRunner.Result r = run("diffsize", l);
            assertEquals(0, r.status(), r.toString());
            assertNotEquals(0, Long.parseLong(r.out().strip()), l);
        }
    }

    // ------------------------------------------------------------------ apply-junk.bats

    @ParameterizedTest
    @ValueSource(strings = {"cat", "gzip", "bzip2", "xz", "zstd"})
    void applyjunk(String compressor) throws IOException {
        storage("create-layer", "--id", "layer-" + compressor);
        Path junk = dir.resolve("junkfile");
        // upstream compresses /etc/os-release: a short text, less than one tar header block
        Path text = Files.writeString(dir.resolve("os-release"), """
                PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
                NAME="Debian GNU/Linux"
                VERSION_ID="12"
                VERSION="12 (bookworm)"
                VERSION_CODENAME=bookworm
                ID=debian
                HOME_URL="https://www.debian.org/"
                SUPPORT_URL="https://www.debian.org/support"
                BUG_REPORT_URL="https://bugs.debian.org/"
                """);
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", Tools.require(compressor) + " < " + text + " > " + junk);
        try {
            assertEquals(0, pb.start().waitFor(), compressor);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        CliRunner.Result r = run("apply-diff", "--file", junk.toString(), "layer-" + compressor);
        assertNotEquals(0, r.status());
        assertTrue(output(r).contains("invalid tar header") || output(r).contains("unexpected EOF"), output(r));
        r = run("apply-diff", "--file", junk.toString(), "layer-" + compressor);
        assertNotEquals(0, r.status());
        assertTrue(output(r).contains("unexpected EOF"), output(r));
    }

    // ------------------------------------------------------------------ bigdata.bats

    @ParameterizedTest
    @ValueSource(strings = {"image", "container", "layer"})
    void bigData(String kind) throws IOException {
        String layer = created("create-layer");
        String image = kind.equals("layer") ? null : created("create-image", layer);
        String id = switch (kind) {
            case "image" -> image;
            case "container" -> created("create-container", image);
            default -> layer;
        };
        assertEquals("", storage("list-" + kind + "-data", id));
        createrandom(dir.resolve("big-item-1"), 1234);
        createrandom(dir.resolve("big-item-2"), 5678);
        storage("set-" + kind + "-data", "-f", dir.resolve("big-item-1").toString(), id, "big-item-1");
        storage("set-" + kind + "-data", "-f", dir.resolve("big-item-2").toString(), id, "big-item-2");
        List<String> items = new ArrayList<>(List.of(storage("list-" + kind + "-data", id).split("\n")));
        items.sort(Comparator.naturalOrder());
        assertEquals(List.of("big-item-1", "big-item-2"), items);
        if (!kind.equals("layer")) {
            assertNotEquals(0, run("get-" + kind + "-data-size", id, "no-such-item").status());
            assertEquals("1234", storage("get-" + kind + "-data-size", id, "big-item-1").strip());
            assertEquals("5678", storage("get-" + kind + "-data-size", id, "big-item-2").strip());
        }
        if (kind.equals("image")) {
            CliRunner.Result r = run("get-" + kind + "-data", "nosuch" + kind, "big-item");
            assertNotEquals(0, r.status());
            assertTrue(output(r).contains(kind + " not known"), output(r));
            r = run("get-" + kind + "-data", id, "no-such-big-item");
            assertNotEquals(0, r.status());
            assertTrue(output(r).contains("does not exist"), output(r));
        }
        assertNotEquals(0, run("get-" + kind + "-data", id, "no-such-item").status());
        for (String item : List.of("big-item-1", "big-item-2")) {
            storage("get-" + kind + "-data", "-f", dir.resolve(item + ".2").toString(), id, item);
            assertArrayEquals(Files.readAllBytes(dir.resolve(item)), Files.readAllBytes(dir.resolve(item + ".2")), item);
            if (!kind.equals("layer")) {
                assertEquals(Digest.sha256(Files.readAllBytes(dir.resolve(item))).toString(),
                        storage("get-" + kind + "-data-digest", id, item).strip());
            }
        }
        if (!kind.equals("layer")) {
            assertNotEquals(0, run("get-" + kind + "-data-digest", id, "no-such-item").status());
        }
    }

    // ------------------------------------------------------------------ cleanup-layer.bats

    @Test
    void cleanupLayer() throws IOException {
        created("create-layer");
        Path layersJson = cli.graph().resolve("vfs-layers/layers.json");
        Files.writeString(layersJson, Files.readString(layersJson).replace("\"id\":", "\"flags\":{\"incomplete\":true},\"id\":"));
        CliRunner.Result r = run("layers");
        assertEquals(0, r.status(), r.toString());
        assertEquals(List.of(), r.lines(), "the incomplete layer is cleaned up, not listed");
    }

    // ------------------------------------------------------------------ container-dirs.bats, container.bats, create-container.bats

    @Test
    void containerDirs() throws IOException {
        String layer = created("create-layer");
        assertTrue(exists("-l", layer));
        String image = created("create-image", "-m", "danger", layer);
        assertTrue(exists("-i", image));
        String container = created("create-container", image);
        assertTrue(exists("-c", container));
        Files.createFile(Path.of(created("get-container-dir", container)).resolve("dirfile"));
        Files.createFile(Path.of(created("get-container-run-dir", container)).resolve("rundirfile"));
    }

    @Test
    void container() throws IOException {
        populate();
        String image = created("create-image", upperlayer);
        String container = created("create-container", "--name", "wonderful-container", image);
        createrandom(dir.resolve("random1"));
        createrandom(dir.resolve("random2"));
        storage("set-container-data", "-f", dir.resolve("random1").toString(), container, "random1");
        storage("set-container-data", "-f", dir.resolve("random2").toString(), container, "random2");
        String out = storage("container", container);
        for (String s : List.of("ID: " + container, "Name: wonderful-container", "Data: random1", "Data: random2")) {
            assertTrue(out.contains(s), s + " in\n" + out);
        }
    }

    @Test
    void createContainer() throws IOException {
        String zeroth = created("create-container", "");
        String third = created("create-container", created("create-image", ""));
        String image = created("create-image", created("create-layer"));
        String firstC = created("create-container", image);
        Path lock = cli.graph().resolve("vfs-containers/containers.lock");
        String firstWriter = token(lock);
        assertNotEquals("", firstWriter);
        assertTrue(exists("-c", firstC));
        String second = created("create-container", image);
        String secondWriter = token(lock);
        assertNotEquals(firstWriter, secondWriter, "each write leaves a new last-writer token");
        assertTrue(exists("-c", second));
        List<String> lines = run("containers").lines();
        assertEquals(4, lines.size(), lines.toString());
        assertEquals(Set.of(zeroth, third, firstC, second), Set.copyOf(lines));
    }

    @Test
    void createAndMountVolatileContainer() throws IOException {
        String container = created("create-container", "--volatile", "");
        Path path = mount(container);
        Files.writeString(path.resolve("newfile"), "test");
        assertNotEquals("", storage("unmount", container).strip());
        path = mount(container);
        assertEquals("test", Files.readString(path.resolve("newfile")));
        assertNotEquals("", storage("unmount", container).strip());
    }

    // ------------------------------------------------------------------ create-image.bats, create-layer.bats

    @Test
    void createImage() throws IOException {
        String zeroth = created("create-image", "");
        Path lock = cli.graph().resolve("vfs-images/images.lock");
        String zerothWriter = token(lock);
        assertNotEquals("", zerothWriter);
        String layer = created("create-layer");
        String firstI = created("create-image", layer);
        String firstWriter = token(lock);
        assertNotEquals(zerothWriter, firstWriter);
        assertTrue(exists("-i", firstI));
        String second = created("create-image", layer);
        assertTrue(exists("-i", second));
        List<String> lines = run("images").lines();
        assertEquals(3, lines.size(), lines.toString());
        assertEquals(Set.of(zeroth, firstI, second), Set.copyOf(lines));
    }

    @Test
    void createLayer() throws IOException {
        Path layersLock = cli.graph().resolve("vfs-layers/layers.lock");
        Path mountsLock = dir.resolve("r/vfs-layers/mountpoints.lock");
        String lower = created("create-layer");
        String lowerWriter = token(layersLock);
        Path lowerMount = mount(lower);
        String lowerMWriter = token(mountsLock);
        createrandom(lowerMount.resolve("layer1file1"));
        String mid = created("create-layer", lower);
        String midWriter = token(layersLock);
        Path midMount = mount(mid);
        String midMWriter = token(mountsLock);
        assertTrue(Files.size(midMount.resolve("layer1file1")) > 0);
        Files.delete(midMount.resolve("layer1file1"));
        assertTrue(Files.size(lowerMount.resolve("layer1file1")) > 0, "the lower layer keeps its file");
        createrandom(midMount.resolve("layer2file1"));
        storage("unmount", mid);
        storage("unmount", lower);
        String upper = created("create-layer", mid);
        String upperWriter = token(layersLock);
        Path upperMount = mount(upper);
        String upperMWriter = token(mountsLock);
        assertFalse(Files.exists(upperMount.resolve("layer1file1")));
        assertTrue(Files.size(upperMount.resolve("layer2file1")) > 0);
        storage("unmount", upper);
        List<String> lines = run("layers").lines();
        assertEquals(3, lines.size(), lines.toString());
        assertEquals(Set.of(lower, mid, upper), Set.copyOf(lines));
        for (String w : List.of(lowerWriter, midWriter, upperWriter, lowerMWriter, midMWriter, upperMWriter)) {
            assertNotEquals("", w);
        }
        assertEquals(3, Set.of(lowerWriter, midWriter, upperWriter).size(), "a new layers.lock token per write");
        assertEquals(3, Set.of(lowerMWriter, midMWriter, upperMWriter).size(), "a new mountpoints.lock token per write");
    }

    // ------------------------------------------------------------------ delete*.bats

    @Test
    void deleteContainer() {
        String container = created("create-container", created("create-image", created("create-layer")));
        assertTrue(exists("-c", container));
        storage("delete-container", container);
        assertFalse(exists("-c", container));
    }

    @Test
    void deleteImage() {
        String image = created("create-image", created("create-layer"));
        assertTrue(exists("-i", image));
        storage("delete-image", image);
        assertFalse(exists("-i", image));
    }

    @Test
    void deleteLayer() throws IOException {
        String lower = created("create-layer");
        createrandom(mount(lower).resolve("layer1file1"));
        storage("unmount", lower);
        String mid = created("create-layer", lower);
        Path m = mount(mid);
        assertTrue(Files.size(m.resolve("layer1file1")) > 0);
        Files.delete(m.resolve("layer1file1"));
        createrandom(m.resolve("layer2file1"));
        storage("unmount", mid);
        String upper = created("create-layer", mid);
        Path u = mount(upper);
        assertTrue(Files.size(u.resolve("layer2file1")) > 0);
        assertFalse(Files.exists(u.resolve("layer1file1")));
        storage("unmount", upper);
        assertNotEquals(0, run("delete-layer", lower).status(), "a layer with a child stays");
        assertNotEquals(0, run("delete-layer", mid).status());
        storage("delete-layer", upper);
        storage("delete-layer", mid);
        storage("delete-layer", lower);
    }

    @Test
    void deleteLayerWithMappings() {
        String lower = created("create-layer", "-r");
        String lower2 = created("create-layer", "-r", "--uidmap", "0:100:100000", "--gidmap", "0:100:100000", lower);
        String upper = created("create-layer", "-r", "--uidmap", "0:200:100000", "--gidmap", "0:200:100000", lower2);
        assertNotEquals(0, run("delete-layer", lower2).status());
        assertNotEquals(0, run("delete-layer", lower).status());
        assertEquals(0, run("delete-layer", upper).status());
        assertEquals(0, run("delete-layer", lower2).status());
        String image = created("create-image", lower);
        assertNotEquals(0, run("delete-layer", upper).status(), "already deleted");
        assertEquals(0, run("delete-image", image).status());
    }

    @Test
    void delete() {
        String layer = created("create-layer");
        String image = created("create-image", layer);
        String container = created("create-container", image);
        assertTrue(exists("-c", container));
        storage("delete", container);
        assertFalse(exists("-c", container));
        assertTrue(exists("-i", image));
        storage("delete", image);
        assertFalse(exists("-i", image));
        assertTrue(exists("-l", layer));
        storage("delete", layer);
        assertFalse(exists("-l", layer));
    }

    // ------------------------------------------------------------------ image-by-digest.bats, image.bats, manifests.bats

    @Test
    void imagesByDigest() throws IOException {
        String[] digests = new String[3];
        for (int i = 0; i < 3; i++) {
            createrandom(dir.resolve("random" + (i + 1)));
            digests[i] = Digest.sha256(Files.readAllBytes(dir.resolve("random" + (i + 1)))).toString();
        }
        String layer = created("create-layer");
        String firstI = created("create-image", layer);
        run("set-image-data", "-f", dir.resolve("random1").toString(), firstI, "manifest");
        String second = created("create-image", layer);
        run("set-image-data", "-f", dir.resolve("random1").toString(), second, "manifest");
        String third = created("create-image", layer);
        run("set-image-data", "-f", dir.resolve("random2").toString(), third, "manifest");
        String fourth = created("create-image", "--digest", digests[2], layer);
        String fifth = created("create-image", "--digest", digests[2], layer);
        run("set-image-data", "-f", dir.resolve("random3").toString(), fifth, "manifest");
        assertEquals(Set.of(firstI, second), Set.copyOf(run("images-by-digest", "--quiet", digests[0]).lines()));
        assertEquals(List.of(third), run("images-by-digest", "--quiet", digests[1]).lines());
        assertEquals(Set.of(fourth, fifth), Set.copyOf(run("images-by-digest", "--quiet", digests[2]).lines()));
        assertEquals(2, run("images-by-digest", "--quiet", digests[2]).lines().size());
        storage("delete-image", second);
        assertEquals(List.of(firstI), run("images-by-digest", "--quiet", digests[0]).lines());
        storage("delete-image", firstI);
        assertEquals("", run("images-by-digest", "--quiet", digests[0]).out());
    }

    @Test
    void image() throws IOException {
        populate();
        imageWithData(created("create-image", "--name", "wonderful-image", upperlayer), false);
    }

    @Test
    void layerlessImage() throws IOException {
        imageWithData(created("create-image", "--name", "wonderful-image"), true);
    }

    private void imageWithData(String image, boolean sized) throws IOException {
        createrandom(dir.resolve("random1"));
        createrandom(dir.resolve("random2"));
        storage("set-image-data", "-f", dir.resolve("random1").toString(), image, "random1");
        storage("set-image-data", "-f", dir.resolve("random2").toString(), image, "random2");
        String out = storage("image", image);
        for (String s : List.of("ID: " + image, "Name: wonderful-image", "Data: random1", "Data: random2")) {
            assertTrue(out.contains(s), s + " in\n" + out);
        }
        if (sized) {
            assertTrue(out.contains("Size: 512"), out);
        }
    }

    @Test
    void manifests() throws IOException {
        populate();
        String image = created("create-image", "--name", "wonderful-image", upperlayer);
        String[] digests = new String[3];
        String[] keys = {"manifest", "manifest-random2", "manifest-random3"};
        for (int i = 0; i < 3; i++) {
            Path f = dir.resolve("random" + (i + 1));
            createrandom(f);
            digests[i] = Digest.sha256(Files.readAllBytes(f)).toString();
            storage("set-image-data", "-f", f.toString(), image, keys[i]);
        }
        storage("add-names", "--name", "localhost/fooimage:latest", image);
        String out = storage("image", image);
        assertTrue(out.contains("ID: " + image), out);
        assertTrue(out.contains("Name: wonderful-image"), out);
        for (String d : digests) {
            assertTrue(out.contains("Digest: " + d), d + " in\n" + out);
        }
        for (String query : digests) {
            String byDigest = storage("images-by-digest", query);
            assertTrue(byDigest.contains(image), byDigest);
            assertTrue(byDigest.contains("name: wonderful-image"), byDigest);
            for (String d : digests) {
                assertTrue(byDigest.contains("digest: " + d), d + " in\n" + byDigest);
            }
        }
    }

    // ------------------------------------------------------------------ layers.bats

    @Test
    void allowStoringImagesWithMoreThan127Layers() {
        String layer = "";
        for (int i = 0; i <= 150; i++) {
            layer = created("create-layer", layer);
        }
        assertNotEquals("", created("create-image", "--name", "test-image", layer));
        // the listing shows the image under its top layer: count the layer lines only
        assertEquals(151, run("layers").lines().stream().filter(l -> !l.startsWith("\t")).count(), run("layers").out());
    }

    // ------------------------------------------------------------------ metadata.bats

    @Test
    void metadata() throws IOException {
        Files.writeString(dir.resolve("danger.txt"), "danger");
        String layer = created("create-layer");
        assertTrue(exists("-l", layer));
        String image = created("create-image", "-m", "danger", layer);
        metadataCycle(image);
        image = created("create-image", "-f", dir.resolve("danger.txt").toString(), layer);
        metadataCycle(image);
        metadataCycle(created("create-container", "-m", "danger", image));
        metadataCycle(created("create-container", "-f", dir.resolve("danger.txt").toString(), image));
    }

    private void metadataCycle(String id) {
        assertEquals("danger", storage("metadata", "-q", id).strip());
        assertEquals(0, run("set-metadata", "-m", "thunder", id).status());
        assertEquals("thunder", storage("metadata", "-q", id).strip());
        storage("set-metadata", "-f", dir.resolve("danger.txt").toString(), id);
        assertEquals("danger", storage("metadata", "-q", id).strip());
    }

    // ------------------------------------------------------------------ mount-layer.bats

    @Test
    void mountLayer() {
        String layer = created("create-layer");
        String mounted = layer + " mounted";
        mount(layer);
        assertEquals(mounted, storage("mounted", layer).strip());
        assertNotEquals("", storage("unmount", layer).strip());
        assertEquals("", storage("mounted", layer).strip());
        mount(layer);
        mount(layer);
        assertEquals(mounted, storage("mounted", layer).strip());
        assertEquals("", storage("unmount", layer).strip(), "still mounted once");
        assertEquals(mounted, storage("mounted", layer).strip());
        assertNotEquals("", storage("unmount", layer).strip());
        assertEquals("", storage("mounted", layer).strip());
        mount(layer);
        mount(layer);
        assertEquals(mounted, storage("mounted", layer).strip());
        assertNotEquals("", storage("unmount", "--force", layer).strip());
        assertEquals("", storage("mounted", layer).strip());
        assertNotEquals(0, run("mount", "--option", "nosuid", layer).status(), "vfs takes no mount options");
        assertEquals(0, run("delete-layer", layer).status());
    }

    // ------------------------------------------------------------------ names.bats

    @ParameterizedTest
    @ValueSource(strings = {"layer", "image", "container"})
    void names(String kind) {
        String flag = "-" + kind.charAt(0);
        String foo = "foo" + kind;
        String bar = "bar" + kind;
        // names at creation
        String lower = createKind(kind);
        assertTrue(exists(flag, lower));
        for (String n : List.of("no-such-thing-as-this-name", foo, bar)) {
            assertFalse(exists(flag, n), n);
        }
        String upper = createKind(kind, "-n", foo, "-n", bar);
        assertTrue(exists(flag, upper));
        assertTrue(exists(flag, foo));
        assertTrue(exists(flag, bar));
        assertFalse(exists(flag, "no-such-thing-as-this-name"));
        assertNames(upper, List.of(foo, bar), List.of("no-such-thing-as-this-name"));
        // add-names
        assertEquals(0, run("add-names", "-n", "new" + kind, "-n", "other" + kind, upper).status());
        for (String n : List.of(foo, bar, "new" + kind, "other" + kind)) {
            assertTrue(exists(flag, n), n);
        }
        assertNames(upper, List.of(foo, bar, "new" + kind, "other" + kind), List.of("no-such-thing-as-this-name"));
        // set-names
        assertEquals(0, run("set-names", "-n", "set" + kind, "-n", "alt" + kind, upper).status());
        assertFalse(exists(flag, foo));
        assertFalse(exists(flag, bar));
        assertTrue(exists(flag, "set" + kind));
        assertNames(upper, List.of("set" + kind, "alt" + kind), List.of(foo, bar));
        // move-names: set-names on another record takes the names over
        String other = createKind(kind);
        assertEquals(0, run("set-names", "-n", "set" + kind, "-n", "alt" + kind, other).status());
        assertTrue(exists(flag, "set" + kind));
        assertNames(upper, List.of(), List.of("set" + kind, "alt" + kind));
        assertNames(other, List.of("set" + kind, "alt" + kind), List.of());
    }

    private String baseImage;

    private String createKind(String kind, String... names) {
        List<String> args = new ArrayList<>(List.of("create-" + kind));
        args.addAll(List.of(names));
        switch (kind) {
            case "layer" -> {
            }
            case "image" -> args.add(created("create-layer"));
            default -> {
                if (baseImage == null) {
                    baseImage = created("create-image", created("create-layer"));
                }
                args.add(baseImage);
            }
        }
        return created(args.toArray(String[]::new));
    }

    /** {@code check-for-name}: get-names' output contains (or lacks) each name. */
    private void assertNames(String id, List<String> present, List<String> absent) {
        CliRunner.Result r = run("get-names", id);
        assertEquals(0, r.status(), r.toString());
        for (String n : present) {
            assertTrue(r.out().contains(n), n + " in " + r.out());
        }
        for (String n : absent) {
            assertFalse(r.out().contains(n), n + " not in " + r.out());
        }
    }

    // ------------------------------------------------------------------ idmaps.bats (eight of its nine tests; the ninth is overlay-only)

    /** {@code (($RANDOM+32767)*65536)}: a random ID range start, as idmaps.bats picks them. */
    long range() {
        return (random.nextInt(32768) + 32767L) * 65536L;
    }

    static String owner(Path p) throws IOException {
        // stat -c %u:%g (the JDK gives IDs as signed ints)
        return Integer.toUnsignedLong((Integer) Files.getAttribute(p, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS)) + ":"
                + Integer.toUnsignedLong((Integer) Files.getAttribute(p, "unix:gid", java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    static boolean isRoot() {
        return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    }

    @Test
    void idmapsParentOwners() {
        long uids = range();
        long gids = range();
        String layer = created("create-layer", "--uidmap", "0:" + uids + ":6", "--gidmap", "0:" + gids + ":6");
        assertEquals(0, run("mount", layer).status());
        String owners = storage("layer-parent-owners", layer);
        String uid = isRoot() ? "0" : String.valueOf(new com.sun.security.auth.module.UnixSystem().getUid());
        assertTrue(owners.contains("UIDs: [0]") || owners.contains("UIDs: [0, " + uid + "]"), owners);
        assertTrue(owners.contains("GIDs: [0]") || owners.contains("GIDs: [0, "), owners);
        storage("create-image", "--name=idmappedimage", layer);
        String container = created("create-container", "idmappedimage");
        assertEquals(0, run("mount", container).status());
        String c = storage("container-parent-owners", container);
        assertTrue(c.contains("UIDs: []"), c);
        assertTrue(c.contains("GIDs: []"), c);
    }

    @Test
    void idmapsCreateApplyLayer() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(isRoot(), "chown to the test's owners needs root");
        int n = 5;
        int host = 2;
        for (int i = 1; i <= n; i++) {
            Path f = dir.resolve("file" + i);
            createrandom(f);
            Files.setAttribute(f, "unix:uid", i);
            Files.setAttribute(f, "unix:gid", i);
            Files.createSymbolicLink(dir.resolve("subdir" + i), Path.of("."));
        }
        for (int i = 1; i <= n; i++) {
            // tar cf diffI.tar subdirI/ in the test directory, as upstream (the slash follows the link)
            Process tar = new ProcessBuilder(Tools.require("tar").toString(), "cf", "diff" + i + ".tar", "subdir" + i + "/")
                    .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assertEquals(0, tar.waitFor(), "tar " + i);
        }
        long[] uids = new long[n + 1];
        long[] gids = new long[n + 1];
        for (int i = 1; i <= n; i++) {
            uids[i] = range();
            gids[i] = range();
        }
        String lower = created("create-layer", "--hostuidmap", "--hostgidmap");
        Path lowerMount = mount(lower);
        for (int i = 1; i <= n; i++) {
            Path f = dir.resolve("file" + i);
            Files.copy(f, lowerMount.resolve("file" + i), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            Files.setAttribute(lowerMount.resolve("file" + i), "unix:uid", i);
            Files.setAttribute(lowerMount.resolve("file" + i), "unix:gid", i);
        }
        createrandom(lowerMount.resolve("origin-file"));
        Files.createLink(lowerMount.resolve("ln-file"), lowerMount.resolve("origin-file"));
        for (int i = 1; i <= n; i++) {
            String upper;
            if (i != host) {
                upper = created("create-layer", "--uidmap", "0:" + uids[i] + ":" + (n + 1), "--gidmap", "0:" + gids[i] + ":" + (n + 1), lower);
            } else {
                uids[host] = 0;
                gids[host] = 0;
                upper = created("create-layer", "--hostuidmap", "--hostgidmap", lower);
            }
            Path upperMount = mount(upper);
            CliRunner.Result apply = cli.runWithInput(Files.readAllBytes(dir.resolve("diff" + i + ".tar")), "apply-diff", upper);
            assertEquals(0, apply.status(), apply.toString());
            assertEquals("", apply.out());
            assertEquals(Files.getAttribute(upperMount.resolve("origin-file"), "unix:ino"), Files.getAttribute(upperMount.resolve("ln-file"),
                    "unix:ino"), "the hard link survives the copy up");
            for (int j = 1; j <= n; j++) {
                byte[] want = Files.readAllBytes(dir.resolve("file" + j));
                String owners = (uids[i] + j) + ":" + (gids[i] + j);
                assertArrayEquals(want, Files.readAllBytes(upperMount.resolve("file" + j)));
                assertEquals(owners, owner(upperMount.resolve("file" + j)), "layer " + i + " file" + j);
                for (int k = 1; k <= i; k++) {
                    assertArrayEquals(want, Files.readAllBytes(upperMount.resolve("subdir" + k + "/file" + j)));
                    assertEquals(owners, owner(upperMount.resolve("subdir" + k + "/file" + j)), "layer " + i + " subdir" + k + "/file" + j);
                }
            }
            lower = upper;
        }
    }

    @Test
    void idmapsCreateDiffLayer() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(isRoot(), "chown to the test's owners needs root");
        int n = 5;
        int host = 2;
        for (int i = 1; i <= n; i++) {
            createrandom(dir.resolve("file" + i));
        }
        long[] uids = new long[n + 1];
        long[] gids = new long[n + 1];
        for (int i = 0; i <= n; i++) {
            uids[i] = range();
            gids[i] = range();
        }
        String lower = created("create-layer", "--uidmap", "0:" + uids[0] + ":" + (n + 1), "--gidmap", "0:" + gids[0] + ":" + (n + 1));
        Path lowerMount = mount(lower);
        for (int i = 1; i <= n; i++) {
            Path f = Files.copy(dir.resolve("file" + i), lowerMount.resolve("file" + i));
            Files.setAttribute(f, "unix:uid", (int) (uids[0] + i));
            Files.setAttribute(f, "unix:gid", (int) (gids[0] + i));
        }
        for (int i = 1; i <= n; i++) {
            String upper;
            if (i != host) {
                upper = created("create-layer", "--uidmap", "0:" + uids[i] + ":" + (n + 1), "--gidmap", "0:" + gids[i] + ":" + (n + 1), lower);
            } else {
                uids[host] = 0;
                gids[host] = 0;
                upper = created("create-layer", "--hostuidmap", "--hostgidmap", lower);
            }
            Path upperMount = mount(upper);
            Files.setAttribute(upperMount.resolve("file" + i), "unix:uid", (int) uids[i]);
            Files.setAttribute(upperMount.resolve("file" + i), "unix:gid", (int) gids[i]);
            assertEquals(List.of("Modify \"/file" + i + "\""), run("changes", upper).lines(), "layer " + i);
            Path diff = dir.resolve("diff.tar");
            Files.deleteIfExists(diff);
            assertEquals(0, run("diff", "-f", diff.toString(), upper).status());
            assertEquals(List.of("file" + i), tarList(diff));
            Path sub = Files.createDirectory(dir.resolve("subdir" + i));
            Process tar = new ProcessBuilder(Tools.require("tar").toString(), "xf", diff.toString()).directory(sub.toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assertEquals(0, tar.waitFor());
            assertEquals("0:0", owner(sub.resolve("file" + i)), "the diff carries the owner as the layer's map sees it");
            lower = upper;
        }
    }

    @Test
    void idmapsCreateLayerFromAnotherImageStore() throws IOException {
        String imageStore = dir.resolve("imagestore").toString();
        String layer = created("--graph=" + imageStore, "create-layer", "--hostuidmap", "--hostgidmap");
        assertEquals(0, run("--graph=" + imageStore, "create-image", layer).status());
        String[] newStore = {"--graph=" + dir.resolve("newstore"), "--storage-opt=.imagestore=" + imageStore};
        CliRunner.Result image = run(cat(newStore, "create-image", layer));
        assertEquals(0, image.status(), image.toString());
        long uids = range();
        long gids = range();
        created(cat(newStore, "create-container", "--uidmap", "0:" + uids + ":6", "--gidmap", "0:" + gids + ":6", first(image.out())));
        storage("--graph", imageStore, "shutdown");
        storage("--graph", dir.resolve("newstore").toString(), "shutdown");
    }

    /** The value of the first "KEY: value" line of a text listing, or null. */
    static String field(String out, String key) {
        for (String l : out.split("\n")) {
            if (l.startsWith(key + ": ")) {
                return l.substring(key.length() + 2).strip();
            }
        }
        return null;
    }

    static List<String> fields(String out, String key) {
        List<String> v = new ArrayList<>();
        for (String l : out.split("\n")) {
            if (l.startsWith(key + ": ")) {
                v.add(l.substring(key.length() + 2).strip());
            }
        }
        return v;
    }

    @Test
    void idmapsCreateMappedImage() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(isRoot(), "chown to the test's owners needs root");
        int n = 5;
        int host = 2;
        List<String> files = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            Path f = dir.resolve("file" + i);
            createrandom(f);
            Files.setAttribute(f, "unix:uid", i);
            Files.setAttribute(f, "unix:gid", i);
            files.add("file" + i);
        }
        long[] uids = new long[n + 1];
        long[] gids = new long[n + 1];
        for (int i = 1; i <= n; i++) {
            uids[i] = range();
            gids[i] = range();
        }
        String base = created("create-layer", "--hostuidmap", "--hostgidmap");
        Files.write(dir.resolve("layer.empty"), new byte[1024]);
        run("applydiff", "-f", dir.resolve("layer.empty").toString(), base);
        String lower = created("create-layer", "--hostuidmap", "--hostgidmap", base);
        List<String> tarCmd = new ArrayList<>(List.of(Tools.require("tar").toString(), "--directory", dir.toString(), "-cf",
                dir.resolve("layer.tar").toString()));
        tarCmd.addAll(files);
        Tools.ok(tarCmd.toArray());
        run("applydiff", "-f", dir.resolve("layer.tar").toString(), lower);
        String image = created("create-image", lower);
        assertNotEquals("0", field(storage("image", image), "Size"));
        List<String> containers = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            String container;
            if (i != host) {
                container = created("create-container", "--uidmap", "0:" + uids[i] + ":" + (n + 1), "--gidmap",
                        "0:" + gids[i] + ":" + (n + 1), image);
            } else {
                uids[host] = 0;
                gids[host] = 0;
                container = created("create-container", "--hostuidmap", "--hostgidmap", image);
            }
            containers.add(container);
            Path m = mount(container);
            for (int j = 1; j <= n; j++) {
                assertEquals((uids[i] + j) + ":" + (gids[i] + j), owner(m.resolve("file" + j)), "container " + i + " file" + j);
            }
            assertEquals(0, run("unmount", container).status());
        }
        // each container's layer has its own parent, and each parent is a top layer of the image
        Set<String> parents = new java.util.HashSet<>();
        for (String c : containers) {
            String out = storage("container", c);
            assertEquals(image, field(out, "Image"));
            assertEquals("0", field(out, "Size"));
            String parent = field(storage("layer", field(out, "Layer")), "Parent");
            parents.add(parent);
            assertTrue(fields(storage("image", image), "Top Layer").contains(parent), parent);
        }
        assertEquals(n, parents.size());
        List<String> tops = fields(storage("image", image), "Top Layer");
        assertEquals(n, Set.copyOf(tops).size(), tops.toString());
        for (String p : tops) {
            Path diff = dir.resolve("diff.tar");
            Files.deleteIfExists(diff);
            storage("diff", "-u", "-f", diff.toString(), p);
            String json = storage("layer", "--json", p);
            long expectedSize = Long.parseLong(json.replaceAll("(?s).*\"diff-size\":([^\",}]*).*", "$1"));
            String expectedDigest = json.replaceAll("(?s).*\"diff-digest\":\"?([^\",}]*).*", "$1");
            assertEquals(expectedSize, Files.size(diff), "diff size of " + p);
            assertEquals(expectedDigest, Digest.sha256(Files.readAllBytes(diff)).toString(), "diff digest of " + p);
        }
        String upper = created("create-layer", "--hostuidmap", "--hostgidmap", lower);
        run("applydiff", "-f", dir.resolve("layer.empty").toString(), upper);
        String upperImage = created("create-image", upper);
        for (String c : containers) {
            run("delete-container", c);
        }
        run("delete-image", image);
        run("delete-image", upperImage);
        CliRunner.Result layers = run("layers");
        assertEquals(0, layers.status());
        assertEquals("", layers.out(), "deleting the images pruned every layer, the mapped copies too");
    }

    @Test
    void idmapsCreateContainer() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(isRoot(), "chown to the test's owners needs root");
        int n = 5;
        int host = 2;
        for (int i = 1; i <= n; i++) {
            createrandom(dir.resolve("file" + i));
        }
        long[] uids = new long[n + 2];
        long[] gids = new long[n + 2];
        for (int i = 0; i <= n + 1; i++) {
            uids[i] = range();
            gids[i] = range();
        }
        String lower = created("create-layer", "--uidmap", "0:" + uids[0] + ":" + (n + 1), "--gidmap", "0:" + gids[0] + ":" + (n + 1));
        Path lowerMount = mount(lower);
        for (int i = 1; i <= n; i++) {
            Path f = Files.copy(dir.resolve("file" + i), lowerMount.resolve("file" + i));
            Files.setAttribute(f, "unix:uid", (int) (uids[0] + i));
            Files.setAttribute(f, "unix:gid", (int) (gids[0] + i));
        }
        for (int i = 1; i <= n; i++) {
            String upper;
            if (i != host) {
                upper = created("create-layer", "--uidmap", "0:" + uids[i] + ":" + (n + 1), "--gidmap", "0:" + gids[i] + ":" + (n + 1), lower);
            } else {
                uids[host] = 0;
                gids[host] = 0;
                upper = created("create-layer", "--hostuidmap", "--hostgidmap", lower);
            }
            Path upperMount = mount(upper);
            Files.setAttribute(upperMount.resolve("file" + i), "unix:uid", (int) uids[i]);
            Files.setAttribute(upperMount.resolve("file" + i), "unix:gid", (int) gids[i]);
            assertEquals(List.of("Modify \"/file" + i + "\""), run("changes", upper).lines(), "layer " + i);
            lower = upper;
        }
        storage("create-image", "--name=idmappedimage", lower);
        for (int twice = 0; twice < 2; twice++) {
            Path m = mount(created("create-container", "--hostuidmap", "--hostgidmap", "idmappedimage"));
            for (int i = 1; i <= n; i++) {
                assertEquals("0:0", owner(m.resolve("file" + i)), "host-mapped container, file" + i);
            }
        }
        Path m = mount(created("create-container", "--uidmap", "0:" + uids[n + 1] + ":" + (n + 1), "--gidmap",
                "0:" + gids[n + 1] + ":" + (n + 1), "idmappedimage"));
        for (int i = 1; i <= n; i++) {
            assertEquals(uids[n + 1] + ":" + gids[n + 1], owner(m.resolve("file" + i)), "newly mapped container, file" + i);
        }
        m = mount(created("create-container", "idmappedimage"));
        for (int i = 1; i <= n; i++) {
            assertEquals("0:0", owner(m.resolve("file" + i)), "container with the default map, file" + i);
        }
    }

    @Test
    void idmapsCreateMappedContainer() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(isRoot(), "chown to the test's owners needs root");
        int n = 5;
        int host = 2;
        for (int i = 1; i <= n; i++) {
            Path f = dir.resolve("file" + i);
            createrandom(f);
            Files.setAttribute(f, "unix:uid", i);
            Files.setAttribute(f, "unix:gid", i);
        }
        long[] uids = new long[n + 1];
        long[] gids = new long[n + 1];
        for (int i = 1; i <= n; i++) {
            uids[i] = range();
            gids[i] = range();
        }
        String[] roStore = {"--graph", dir.resolve("ro-root").toString(), "--run", dir.resolve("ro-runroot").toString()};
        String[] withRo = {"--storage-opt", "vfs.imagestore=" + dir.resolve("ro-root")};
        String base = created(cat(roStore, "create-layer", "--hostuidmap", "--hostgidmap"));
        String lower = created(cat(roStore, "create-layer", "--hostuidmap", "--hostgidmap", base));
        Path lowerMount = Path.of(storage(cat(roStore, "mount", lower)).strip());
        for (int i = 1; i <= n; i++) {
            Files.copy(dir.resolve("file" + i), lowerMount.resolve("file" + i), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            Files.setAttribute(lowerMount.resolve("file" + i), "unix:uid", i);
            Files.setAttribute(lowerMount.resolve("file" + i), "unix:gid", i);
        }
        storage(cat(roStore, "unmount", lower));
        String image = created(cat(roStore, "create-image", lower));
        assertNotEquals("0", field(storage(cat(roStore, "image", image)), "Size"));
        storage(cat(roStore, "shutdown"));
        List<String> containers = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            String container;
            if (i != host) {
                container = created(cat(withRo, "create-container", "--uidmap", "0:" + uids[i] + ":" + (n + 1), "--gidmap",
                        "0:" + gids[i] + ":" + (n + 1), image));
            } else {
                uids[host] = 0;
                gids[host] = 0;
                container = created(cat(withRo, "create-container", "--hostuidmap", "--hostgidmap", image));
            }
            containers.add(container);
            Path m = Path.of(storage(cat(withRo, "mount", container)).strip());
            for (int j = 1; j <= n; j++) {
                assertEquals((uids[i] + j) + ":" + (gids[i] + j), owner(m.resolve("file" + j)), "container " + i + " file" + j);
            }
            assertEquals(0, run(cat(withRo, "unmount", container)).status());
        }
        // over a read-only image store no mapped top layers are added: one parent for all containers
        Set<String> parents = new java.util.HashSet<>();
        for (String c : containers) {
            String out = storage(cat(withRo, "container", c));
            assertEquals(image, field(out, "Image"));
            assertEquals("0", field(out, "Size"));
            String parent = field(storage(cat(withRo, "layer", field(out, "Layer"))), "Parent");
            parents.add(parent);
            assertTrue(fields(storage(cat(withRo, "image", image)), "Top Layer").contains(parent), parent);
        }
        assertEquals(1, parents.size(), parents.toString());
        assertEquals(1, Set.copyOf(fields(storage(cat(withRo, "image", image)), "Top Layer")).size());
        for (String c : containers) {
            run(cat(withRo, "delete-container", c));
        }
        run(cat(roStore, "delete-image", image));
        run(cat(roStore, "shutdown"));
        CliRunner.Result layers = run(cat(withRo, "layers"));
        assertEquals(0, layers.status());
        assertEquals("", layers.out());
    }

    @Test
    void idmapsCopy() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(isRoot(), "chown to the test's owners needs root");
        int n = 5;
        Path sub2 = Files.createDirectories(dir.resolve("subdir/subdir2"));
        for (int i = 0; i <= n; i++) {
            for (Path f : List.of(dir.resolve("file" + i), sub2.resolve("file" + i))) {
                createrandom(f);
                Files.setAttribute(f, "unix:uid", i);
                Files.setAttribute(f, "unix:gid", i);
            }
        }
        Files.setAttribute(sub2, "unix:uid", n + 1);
        Files.setAttribute(sub2, "unix:gid", n + 1);
        long[] uids = new long[n + 2];
        long[] gids = new long[n + 2];
        String[] layer = new String[n + 2];
        for (int i = 0; i <= n + 1; i++) {
            uids[i] = range();
            gids[i] = range();
            layer[i] = created("create-layer", "--uidmap", "0:" + uids[i] + ":101", "--gidmap", "0:" + gids[i] + ":101");
        }
        Path[] mnt = new Path[n + 1];
        for (int i = 0; i <= n; i++) {
            assertEquals(0, run("copy", dir.resolve("file" + i).toString(), layer[i] + ":/file" + i).status());
            mnt[i] = mount(layer[i]);
            assertEquals((uids[i] + i) + ":" + (gids[i] + i), owner(mnt[i].resolve("file" + i)));
            assertEquals(0, run("copy", "--chown", "100:100", dir.resolve("file" + i).toString(), layer[i] + ":/file" + i).status());
            mnt[i] = mount(layer[i]);
            assertEquals((uids[i] + 100) + ":" + (gids[i] + 100), owner(mnt[i].resolve("file" + i)));
        }
        for (int i = 0; i <= n; i++) {
            assertEquals(0, run("copy", dir.resolve("file" + i).toString(), layer[i] + ":/file" + i).status());
            assertEquals((uids[i] + i) + ":" + (gids[i] + i), owner(mnt[i].resolve("file" + i)));
            assertEquals(0, run("copy", "--chown", "100:100", dir.resolve("file" + i).toString(), layer[i] + ":/file" + i).status());
            assertEquals((uids[i] + 100) + ":" + (gids[i] + 100), owner(mnt[i].resolve("file" + i)));
            assertEquals(0, run("copy", dir.resolve("subdir").toString(), layer[i] + ":/subdir").status());
            assertEquals((uids[i] + i) + ":" + (gids[i] + i), owner(mnt[i].resolve("subdir/subdir2/file" + i)));
            assertEquals((uids[i] + n + 1) + ":" + (gids[i] + n + 1), owner(mnt[i].resolve("subdir/subdir2")));
            assertEquals(0, run("copy", "--chown", "100:100", dir.resolve("subdir").toString(), layer[i] + ":/subdir2").status());
            assertEquals((uids[i] + 100) + ":" + (gids[i] + 100), owner(mnt[i].resolve("subdir2/subdir2/file" + i)));
            assertEquals((uids[i] + 100) + ":" + (gids[i] + 100), owner(mnt[i].resolve("subdir2/subdir2")));
        }
        assertEquals(0, run("copy", dir.resolve("file" + n).toString(), layer[0] + ":/file" + n).status());
        assertEquals(0, run("copy", layer[0] + ":/file" + n, layer[n] + ":/file" + n).status());
        assertEquals((uids[n] + n) + ":" + (gids[n] + n), owner(mnt[n].resolve("file" + n)));
        assertEquals(0, run("copy", layer[0] + ":/subdir", layer[n] + ":/subdir").status());
        assertEquals((uids[n] + n) + ":" + (gids[n] + n), owner(mnt[n].resolve("subdir/subdir2/file" + n)));
        assertEquals((uids[n] + n + 1) + ":" + (gids[n] + n + 1), owner(mnt[n].resolve("subdir/subdir2")));
    }

    // ------------------------------------------------------------------ stores.bats

    @Test
    void additionalStores() throws IOException {
        String ro = dir.resolve("ro-root").toString();
        String[] roStore = {"--graph", ro, "--run", dir.resolve("ro-runroot").toString()};
        String[] withRo = {"--storage-opt", "vfs.imagestore=" + ro};
        storage(cat(roStore, "layers"));
        storage(cat(withRo, "layers"));
        String lower = created(cat(roStore, "create-layer"));
        Path lowerMount = Path.of(storage(cat(roStore, "mount", lower)).strip());
        createrandom(lowerMount.resolve("layer1file1"));
        String mid = created(cat(roStore, "create-layer", lower));
        Path midMount = Path.of(storage(cat(roStore, "mount", mid)).strip());
        assertTrue(Files.size(midMount.resolve("layer1file1")) > 0);
        Files.delete(midMount.resolve("layer1file1"));
        assertTrue(Files.size(lowerMount.resolve("layer1file1")) > 0);
        createrandom(midMount.resolve("layer2file1"));
        storage(cat(roStore, "unmount", mid));
        storage(cat(roStore, "unmount", lower));
        String lowerImage = created(cat(roStore, "create-image", mid));
        storage(cat(roStore, "shutdown"));

        String upper = created(cat(withRo, "create-layer", mid));
        Path upperMount = Path.of(storage(cat(withRo, "mount", upper)).strip());
        assertFalse(Files.exists(upperMount.resolve("layer1file1")));
        assertTrue(Files.size(upperMount.resolve("layer2file1")) > 0);
        storage(cat(withRo, "unmount", upper));
        String upperImage = created(cat(withRo, "create-image", upper));
        String upperContainer = created(cat(withRo, "create-container", upperImage));
        Path m = Path.of(storage(cat(withRo, "mount", upperContainer)).strip());
        assertFalse(Files.exists(m.resolve("layer1file1")));
        assertTrue(Files.size(m.resolve("layer2file1")) > 0);
        assertNotEquals("", storage(cat(withRo, "unmount", upperContainer)).strip());
        storage(cat(withRo, "delete-container", upperContainer));
        assertEquals(0, run(cat(withRo, "add-names", "-n", "newimage", lowerImage)).status());
        assertEquals(0, run(cat(withRo, "delete-image", "newimage")).status());
        String container = created(cat(withRo, "create-container", lowerImage));
        m = Path.of(storage(cat(withRo, "mount", container)).strip());
        assertFalse(Files.exists(m.resolve("layer1file1")));
        assertTrue(Files.size(m.resolve("layer2file1")) > 0);
        storage(cat(withRo, "delete-container", container));
        for (String l : List.of(lower, mid)) {
            assertTrue(storage(cat(withRo, "layer", l)).contains("Read Only: true"), l);
        }
        assertFalse(storage(cat(withRo, "layer", upper)).contains("Read Only: true"));
        assertTrue(storage(cat(withRo, "image", lowerImage)).contains("Read Only: true"));
        assertFalse(storage(cat(withRo, "image", upperImage)).contains("Read Only: true"));
    }

    private static String[] cat(String[] globals, String... rest) {
        List<String> all = new ArrayList<>(List.of(globals));
        all.addAll(List.of(rest));
        return all.toArray(String[]::new);
    }

    // ------------------------------------------------------------------ status.bats

    @Test
    void status() {
        CliRunner.Result r = run("status");
        assertEquals(0, r.status(), r.toString());
        List<String> lines = List.of(output(r).split("\n"));
        assertEquals("Root: " + cli.graph(), lines.get(0));
        assertEquals("Run Root: " + dir.resolve("r"), lines.get(1));
        assertEquals("Driver Name: vfs", lines.get(2));
    }
}
