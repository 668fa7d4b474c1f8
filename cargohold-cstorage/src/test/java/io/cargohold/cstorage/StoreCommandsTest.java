package io.cargohold.cstorage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.storage.ContainerOptions;
import io.cargohold.storage.ImageOptions;
import io.cargohold.storage.Layer;
import io.cargohold.storage.LayerOptions;
import io.cargohold.storage.Store;
import io.cargohold.storage.StoreOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** status, version, wipe and shutdown (spec 5.1, checked against upstream's binary). */
class StoreCommandsTest {
    @TempDir
    Path dir;

    record Result(int status, String out, String err) {
    }

    private Result run(String... rest) {
        List<String> argv = new ArrayList<>(List.of("--graph", "g", "--run", "r", "--storage-driver", "vfs"));
        argv.addAll(List.of(rest));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of("HOME", "/root"), dir, argv, Host.under(dir.resolve("host")));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Store store() throws Exception {
        return Store.open(StoreOptions.vfs(dir.resolve("g"), dir.resolve("r")));
    }

    @Test
    void statusTextGoesToStderr() {
        Result r = run("status");
        assertEquals(new Result(0, "", "Root: " + dir.resolve("g") + "\nRun Root: " + dir.resolve("r")
                + "\nDriver Name: vfs\nDriver Options: []\n"), r);
    }

    @Test
    void statusJsonIsAnArrayOfPairsOnStdout() {
        Result r = run("--storage-opt", "vfs.ignore_chown_errors=true", "status", "-j", "extra", "ignored");
        assertEquals(new Result(0, "[[\"Root\",\"" + dir.resolve("g") + "\"],[\"Run Root\",\"" + dir.resolve("r")
                + "\"],[\"Driver Name\",\"vfs\"],[\"Driver Options\",\"[vfs.ignore_chown_errors=true]\"]]\n", ""), r);
    }

    @Test
    void versionHasNothingToSay() {
        assertEquals(new Result(0, "", ""), run("version"));
        assertEquals(new Result(0, "[]\n", ""), run("version", "--json"));
    }

    @Test
    void wipeRemovesEverything() throws Exception {
        Store s = store();
        Layer base = s.createLayer(LayerOptions.of(null).withNames(List.of("base")));
        Layer child = s.createLayer(LayerOptions.of(base.id()));
        s.createImage(ImageOptions.of(child.id()).withNames(List.of("img")));
        s.createContainer(ContainerOptions.of("img").withNames(List.of("ctr")));
        s.mount(child.id());

        assertEquals(new Result(0, "", ""), run("wipe"));
        Store after = store();
        assertEquals(List.of(), after.containers());
        assertEquals(List.of(), after.images());
        assertEquals(List.of(), after.layers());
        assertEquals(new Result(0, "\"\"\n", ""), run("wipe", "-j"));
    }

    @Test
    void shutdownSucceedsWhenNothingIsMounted() throws Exception {
        store().createLayer(LayerOptions.of(null));
        assertEquals(new Result(0, "", ""), run("shutdown"));
        assertEquals(new Result(0, "\"\"\n", ""), run("shutdown", "--json"));
    }

    @Test
    void shutdownFailsWhileALayerIsMountedEvenWhenForced() throws Exception {
        Store s = store();
        Layer l = s.createLayer(LayerOptions.of(null));
        s.mount(l.id());
        s.mount(l.id());

        assertEquals(new Result(1, "", "shutdown: a layer is mounted: layer is in use by a container\n"), run("shutdown"));
        assertEquals(new Result(1, "{}\n", ""), run("shutdown", "-j"));
        assertEquals(2, store().layer(l.id()).mountCount(), "without -f nothing changes");

        // upstream loops forever here; we unmount, then report the same failure
        assertEquals(new Result(1, "", "shutdown: a layer is mounted: layer is in use by a container\n"), run("shutdown", "-f"));
        assertEquals(0, store().layer(l.id()).mountCount());
        assertEquals(new Result(0, "", ""), run("shutdown"));
    }

    @Test
    void usageTexts() {
        Result r = run("shutdown", "--help");
        assertEquals(125, r.status());
        assertEquals("Usage: containers-storage shutdown \n\nShut down layer storage\n\nOptions:\n", r.out());
        assertTrue(r.err().contains("\n  --force, -f "), r.err());
    }
}
