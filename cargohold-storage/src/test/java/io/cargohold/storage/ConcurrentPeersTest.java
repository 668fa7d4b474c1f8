package io.cargohold.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.testkit.ChildJvm;
import io.cargohold.testkit.images.ImageInfo;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.Tools;
import io.cargohold.testkit.images.WrittenLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real processes sharing one store: three of our worker JVMs creating, renaming and deleting layers,
 * images and containers, and this JVM listing throughout; in the second test skopeo copies images in
 * at the same time. Afterwards the store is consistent, every worker's surviving creations are there
 * with their names, and (second test) skopeo inspects every image (its own and ours). The first test
 * needs no peer tool.
 */
class ConcurrentPeersTest {
    static final int WORKERS = 3;

    @TempDir
    Path tmp;

    @Test
    void ourProcessesShareAStore() throws Exception {
        share(false);
    }

    @Test
    void ourProcessesAndSkopeoShareAStore() throws Exception {
        Tools.require("skopeo");
        share(true);
    }

    private void share(boolean withSkopeo) throws Exception {
        boolean torture = Boolean.getBoolean("cargohold.torture");
        int minOps = torture ? 600 : 60;
        int skopeoRounds = withSkopeo ? torture ? 4 : 1 : 0;
        WrittenLayout two = TestImages.twoTagsSharingLayers(tmp.resolve("two"));
        WrittenLayout multi = TestImages.multiArch(tmp.resolve("multi"));
        WrittenLayout small = TestImages.small(tmp.resolve("small"), 5);
        Path g = tmp.resolve("graph");
        Path r = tmp.resolve("run");
        Store store = Store.open(StoreOptions.vfs(g, r));

        // What skopeo copies: name → (source reference, the image it must end up as).
        Map<String, Object[]> copies = new LinkedHashMap<>();
        copies.put("docker.io/library/app:latest", new Object[] {two.skopeoRef("latest"), two.ref("latest").image()});
        copies.put("docker.io/library/app:v2", new Object[] {two.skopeoRef("v2"), two.ref("v2").image()});
        copies.put("docker.io/library/multi:latest",
                new Object[] {multi.skopeoRef("latest"), multi.ref("latest").image(Peers.hostPlatform())});
        copies.put("docker.io/library/small:latest", new Object[] {small.skopeoRef("latest"), small.ref("latest").image()});
        if (!withSkopeo) {
            copies.clear();
        }

        List<ChildJvm> workers = new ArrayList<>();
        AtomicBoolean stopReading = new AtomicBoolean();
        ConcurrentLinkedQueue<Throwable> readerFailures = new ConcurrentLinkedQueue<>();
        AtomicInteger listings = new AtomicInteger();
        int whileSkopeoRan;
        try {
            for (int w = 0; w < WORKERS; w++) {
                workers.add(ChildJvm.start(StorePeerWorker.class, g.toString(), r.toString(), "w" + w, Long.toString(1000 + w),
                        Long.toString(Long.MAX_VALUE), "false"));
            }
            for (ChildJvm w : workers) {
                w.await("READY", 120);
            }
            // This JVM lists all the time: each listing alone must be coherent (one lock per listing).
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    while (!stopReading.get()) {
                        Map<String, Layer> layers = new LinkedHashMap<>();
                        store.layers().forEach(l -> layers.put(l.id(), l));
                        for (Layer l : layers.values()) {
                            assertFalse(l.flags().containsKey("incomplete"), "listed an incomplete layer " + l.id());
                            assertTrue(l.parent().isEmpty() || layers.containsKey(l.parent()), "parent of " + l.id() + " not listed");
                        }
                        Set<String> names = new java.util.HashSet<>();
                        for (Image i : store.images()) {
                            for (String n : i.names()) {
                                assertTrue(names.add(n), "image name on two images: " + n);
                            }
                        }
                        store.containers();
                        listings.incrementAndGet();
                        Thread.sleep(20);
                    }
                } catch (Throwable t) {
                    readerFailures.add(t);
                }
            });
            List<CompletableFuture<Tools.Result>> skopeo = new ArrayList<>();
            int linesBefore = workers.stream().mapToInt(w -> w.output().size()).sum();
            for (int round = 0; round < skopeoRounds; round++) {
                for (var e : copies.entrySet()) {
                    String name = e.getKey();
                    String source = (String) e.getValue()[0];
                    skopeo.add(CompletableFuture.supplyAsync(() -> Tools.run("skopeo", "copy", "--quiet", source, Peers.ref(g, r, name))));
                }
                for (CompletableFuture<Tools.Result> f : skopeo) {
                    Tools.Result res = f.join();
                    assertEquals(0, res.exit(), "skopeo copy failed while our workers ran:\n" + res.stderr());
                }
                skopeo.clear();
            }
            whileSkopeoRan = workers.stream().mapToInt(w -> w.output().size()).sum() - linesBefore;
            assertTrue(!withSkopeo || whileSkopeoRan > 0, "our workers reported nothing while skopeo copied");
            // Let every worker get some work done (they overlapped with skopeo, which is quick).
            for (ChildJvm w : workers) {
                long deadline = System.nanoTime() + 120_000_000_000L;
                while (!w.output().contains("TICK " + minOps) && System.nanoTime() < deadline && w.waitForExitIfDone() == false) {
                    Thread.sleep(50);
                }
            }
            for (ChildJvm w : workers) {
                w.send("STOP");
            }
            for (ChildJvm w : workers) {
                int code = w.waitFor(120);
                assertEquals(0, code, "worker failed:\n" + String.join("\n", tail(w.output())) + "\n" + w.stderr());
                assertTrue(w.output().getLast().startsWith("DONE"), w.output().getLast());
            }
            stopReading.set(true);
            reader.join(30_000);
        } finally {
            stopReading.set(true);
            workers.forEach(ChildJvm::close);
        }
        assertEquals(List.of(), List.copyOf(readerFailures), "listings taken during the run");

        // ---- quiet now: the whole store
        Peers.recordFilesAreValidJson(g, r);
        assertEquals(List.of(), Peers.incompleteOnDisk(g), "incomplete layers on disk after every process finished");
        Peers.Expected expected = new Peers.Expected();
        for (ChildJvm w : workers) {
            expected.replay(w.output());
        }
        Store fresh = Store.open(StoreOptions.vfs(g, r));
        Peers.Snapshot s = Peers.assertConsistent(fresh, Set.of());
        expected.assertHeldBy(s, "after the run");
        Peers.Snapshot again = Peers.assertConsistent(store, Set.of());
        assertEquals(s.layers().keySet(), again.layers().keySet(), "the long-lived store reloads what others wrote");
        assertEquals(s.images(), again.images());
        assertEquals(s.containers(), again.containers());
        assertTrue(expected.created > WORKERS * 10, "the workers created things: " + expected.created);
        assertTrue(expected.deleted > 0, "the workers deleted things: " + expected.deleted);

        for (var e : copies.entrySet()) {
            Image image = fresh.image(e.getKey());
            ImageInfo info = (ImageInfo) e.getValue()[1];
            assertEquals(List.of(e.getKey()), image.names());
            assertEquals(info.diffIds(), s.chain(image.topLayer()).stream().map(Layer::uncompressedDigest).toList(), e.getKey());
            assertEquals(info.manifest().digest(), Peers.inspect(g, r, e.getKey()).path("Digest").asText(), e.getKey());
        }
        // skopeo inspects every image: the workers' images carry a manifest and config too. skopeo
        // reports the digest of the "manifest" item (for the multi-arch copy: the amd64 instance's,
        // while the record's own digest is the index digest it was copied by).
        for (Image i : withSkopeo ? s.images().values() : List.<Image>of()) {
            assertEquals(i.bigDataDigests().get("manifest"), Peers.inspect(g, r, i.id()).path("Digest").asText(),
                    "skopeo inspect " + i.names());
        }
        assertTrue(listings.get() > 0, "this JVM listed the store while the workers ran");
        System.out.println("concurrent " + (withSkopeo ? "peers with skopeo" : "workers") + ": " + expected.created + " creations and " + expected.deleted + " deletions by "
                + WORKERS + " workers (" + whileSkopeoRan + " reports while skopeo copied), " + copies.size() * skopeoRounds
                + " skopeo copies, " + listings.get()
                + " listings; final store: " + s.layers().size() + " layers, " + s.images().size() + " images, "
                + s.containers().size() + " containers");
    }

    private static List<String> tail(List<String> lines) {
        return lines.subList(Math.max(0, lines.size() - 30), lines.size());
    }
}
