package io.cargohold.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.testkit.ChildJvm;
import io.cargohold.testkit.images.LayerBuilder;
import io.cargohold.testkit.images.Tools;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Store#createLayerSyncingBehind}: a layer whose tree's sync runs behind stays flagged incomplete (on disk
 * too) until its sync is done, and meanwhile its thread keeps layers.lock, so no other thread or process loads the
 * store and finds it flagged (upstream's loader, and ours, delete incomplete layers). Real second processes:
 * upstream's containers-storage CLI and a JVM of ours killed with SIGKILL while a layer's sync is behind.
 */
class SyncBehindTest {
    @TempDir
    Path tmp;

    static byte[] tar(String name, String content) {
        try {
            return LayerBuilder.create().dir("d").file("d/" + name, content).build().tar().bytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The layers.json records by ID: whether each is flagged incomplete. */
    static java.util.Map<String, Boolean> onDisk(Path g) throws IOException {
        java.util.Map<String, Boolean> m = new java.util.LinkedHashMap<>();
        Path f = g.resolve("vfs-layers/layers.json");
        if (!Files.exists(f)) {
            return m;
        }
        for (JsonNode n : Peers.JSON.readTree(f.toFile())) {
            m.put(n.path("id").asText(), n.path("flags").path("incomplete").asBoolean(false));
        }
        return m;
    }

    @Test
    void layersAreMarkedCompleteOnlyAfterTheirSyncAndTheirDiffsAreKept() throws Exception {
        Path g = tmp.resolve("g");
        Path r = tmp.resolve("r");
        byte[] one = tar("one", "1\n");
        byte[] two = tar("two", "22\n");
        byte[] three = tar("three", "333\n");
        try (Store s = Store.open(StoreOptions.vfs(g, r))) {
            Layer a = s.createLayerSyncingBehind(LayerOptions.of(null).withId("a".repeat(64)), new ByteArrayInputStream(one));
            assertTrue(a.flags().containsKey("incomplete"), "returned before its sync is known done: " + a.flags());
            assertEquals(java.util.Map.of(a.id(), true), onDisk(g));
            // lookups between layers run under the lock the writer keeps, and see it as it is
            assertEquals(a.id(), s.layer(a.id()).id());
            assertTrue(s.layersByUncompressedDigest(a.uncompressedDigest()).stream().allMatch(l -> l.flags().containsKey("incomplete")));
            Layer b = s.createLayerSyncingBehind(LayerOptions.of(a.id()).withId("b".repeat(64)), new ByteArrayInputStream(two));
            // a's sync ran while b was made; a is complete now, b flagged until its own sync is done
            java.util.Map<String, Boolean> m = onDisk(g);
            assertEquals(false, m.get(a.id()), m.toString());
            assertEquals(true, m.get(b.id()), m.toString());
            Layer c = s.createLayerSyncingBehind(LayerOptions.of(b.id()).withId("c".repeat(64)), new ByteArrayInputStream(three));
            s.flush();
            assertEquals(java.util.Map.of(a.id(), false, b.id(), false, c.id(), false), onDisk(g));
            assertFalse(s.layer(c.id()).flags().containsKey("incomplete"));
            assertTrue(Files.isRegularFile(s.layerTree(c.id()).resolve("d/one")));
            assertTrue(Files.isRegularFile(s.layerTree(c.id()).resolve("d/three")));
            // the tar-split reproduces each applied diff byte for byte
            for (var e : List.of(java.util.Map.entry(a, one), java.util.Map.entry(b, two), java.util.Map.entry(c, three))) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                s.diff(null, e.getKey().id(), io.cargohold.storage.archive.Compression.NONE, out);
                assertTrue(java.util.Arrays.equals(e.getValue(), out.toByteArray()), "diff of " + e.getKey().id());
            }
        }
    }

    @Test
    void aFailedLayerLeavesTheOneBeforeItToBeCompleted() throws Exception {
        Path g = tmp.resolve("g");
        Path r = tmp.resolve("r");
        Layer a;
        try (Store s = Store.open(StoreOptions.vfs(g, r))) {
            a = s.createLayerSyncingBehind(LayerOptions.of(null), new ByteArrayInputStream(tar("one", "1\n")));
            LayerOptions bad = LayerOptions.of(a.id()).expectingDiffDigest("sha256:" + "0".repeat(64));
            try {
                s.createLayerSyncingBehind(bad, new ByteArrayInputStream(tar("two", "2\n")));
                throw new AssertionError("a diff that does not hash to the expected DiffID was accepted");
            } catch (io.cargohold.errors.CorruptException expected) {
                // the layer is removed; the one before it is still behind
            }
            assertEquals(java.util.Map.of(a.id(), true), onDisk(g));
        }
        // closing the store finished it
        assertEquals(java.util.Map.of(a.id(), false), onDisk(g));
    }

    @Test
    void anotherThreadWaitsUntilTheWriterHasFinishedItsLayer() throws Exception {
        Path g = tmp.resolve("g");
        Path r = tmp.resolve("r");
        Store writer = Store.open(StoreOptions.vfs(g, r));
        Store reader = Store.open(StoreOptions.vfs(g, r));
        Layer a = writer.createLayerSyncingBehind(LayerOptions.of(null), new ByteArrayInputStream(tar("one", "1\n")));
        CompletableFuture<List<Layer>> seen = CompletableFuture.supplyAsync(() -> {
            try {
                return reader.layers();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Thread.sleep(300);
        assertFalse(seen.isDone(), "another thread took the layer store while a layer was flagged: " + (seen.isDone() ? seen.get() : ""));
        writer.flush();
        List<Layer> layers = seen.get(60, TimeUnit.SECONDS);
        assertEquals(1, layers.size());
        assertEquals(a.id(), layers.getFirst().id());
        assertFalse(layers.getFirst().flags().containsKey("incomplete"), layers.getFirst().flags().toString());
    }

    /**
     * Upstream's {@code containers-storage layers} loads the layer store with the write lock and deletes every layer
     * flagged incomplete (checked: it empties a layers.json whose one layer is flagged): it must wait for us.
     */
    @Test
    void upstreamsLoaderWaitsAndFindsTheLayerComplete() throws Exception {
        Path upstream = Tools.require("containers-storage");
        Path g = tmp.resolve("g");
        Path r = tmp.resolve("r");
        try (Store s = Store.open(StoreOptions.vfs(g, r))) {
            Layer a = s.createLayerSyncingBehind(LayerOptions.of(null), new ByteArrayInputStream(tar("one", "1\n")));
            Layer b = s.createLayerSyncingBehind(LayerOptions.of(a.id()), new ByteArrayInputStream(tar("two", "2\n")));
            Process lister = new ProcessBuilder(upstream.toString(), "--storage-driver", "vfs", "-g", g.toString(), "-R", r.toString(), "layers")
                    .redirectErrorStream(true).start();
            boolean exitedEarly = lister.waitFor(2, TimeUnit.SECONDS);
            // (the message only when it failed: reading the output of a process still waiting would block)
            if (exitedEarly) {
                throw new AssertionError("upstream loaded the store while layer " + b.id() + " was flagged incomplete: "
                        + new String(lister.getInputStream().readAllBytes()));
            }
            s.flush();
            assertTrue(lister.waitFor(120, TimeUnit.SECONDS));
            String out = new String(lister.getInputStream().readAllBytes());
            assertEquals(0, lister.exitValue(), out);
            assertTrue(out.contains(a.id()) && out.contains(b.id()), out);
            assertEquals(java.util.Map.of(a.id(), false, b.id(), false), onDisk(g));
            assertTrue(Files.isRegularFile(s.layerTree(b.id()).resolve("d/two")));
        }
    }

    /** A writer killed with SIGKILL while a layer's sync is behind: the next load removes that layer and keeps the ones before. */
    @Test
    void aWriterKilledWhileASyncIsBehindLeavesOnlyCompleteLayers() throws Exception {
        Path g = tmp.resolve("g");
        Path r = tmp.resolve("r");
        List<String> ids;
        try (ChildJvm w = ChildJvm.start(Worker.class, g.toString(), r.toString())) {
            w.await("READY", 120);
            ids = new ArrayList<>();
            for (String l : w.output()) {
                if (l.startsWith("LAYER ")) {
                    ids.add(l.substring(6));
                }
            }
            assertEquals(3, ids.size(), w.output() + w.stderr());
            // the last layer is behind: flagged on disk, the lock held by the worker
            java.util.Map<String, Boolean> m = onDisk(g);
            assertEquals(java.util.Map.of(ids.get(0), false, ids.get(1), false, ids.get(2), true), m);
            w.kill();
        }
        try (Store s = Store.open(StoreOptions.vfs(g, r))) {
            List<String> left = s.layers().stream().map(Layer::id).toList();
            assertEquals(List.of(ids.get(0), ids.get(1)), left);
            assertEquals(java.util.Map.of(ids.get(0), false, ids.get(1), false), onDisk(g));
            assertFalse(Files.exists(g.resolve("vfs/dir").resolve(ids.get(2))), "the killed layer's tree stays");
            assertTrue(Files.isRegularFile(s.layerTree(ids.get(1)).resolve("d/w1")));
            // and the same layer can be made again
            Layer again = s.createLayerSyncingBehind(LayerOptions.of(ids.get(1)).withId(ids.get(2)),
                    new ByteArrayInputStream(tar("w2", "w2\n")));
            s.flush();
            assertFalse(s.layer(again.id()).flags().containsKey("incomplete"));
        }
    }

    /** Creates three layers syncing behind, says READY and waits (layers.lock held, the last one flagged) until killed. */
    public static final class Worker {
        public static void main(String[] args) throws Exception {
            Store s = Store.open(StoreOptions.vfs(Path.of(args[0]), Path.of(args[1])));
            String parent = null;
            for (int i = 0; i < 3; i++) {
                String id = io.cargohold.digest.Digest.sha256(("worker layer " + i).getBytes()).hex();
                Layer l = s.createLayerSyncingBehind(LayerOptions.of(parent).withId(id), new ByteArrayInputStream(tar("w" + i, "w" + i + "\n")));
                System.out.println("LAYER " + l.id());
                parent = l.id();
            }
            System.out.println("READY");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
