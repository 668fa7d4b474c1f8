package io.cargohold.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.testkit.ChildJvm;
import io.cargohold.testkit.KillTally;
import io.cargohold.testkit.images.ImageInfo;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.Tools;
import io.cargohold.testkit.images.WrittenLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker process creating, renaming and deleting layers, images and containers is killed with
 * SIGKILL at random moments, again and again, on one store (each round's worker adopts what the last
 * one left). After every kill: the record files are valid JSON, opening the store and listing layers
 * works and leaves no incomplete layer (on disk either), the store is consistent, and every creation
 * the worker reported complete and did not start deleting is there, with its names when they were
 * not being changed at the kill. The kills must land: the run goes on (up to three times its rounds)
 * until at least one kill interrupted a diff being applied and one left an incomplete layer on disk,
 * and fails otherwise ({@link KillTally}). The first test needs no peer tool; in the second, skopeo
 * opens the store first after every kill and must clean up the killed worker's incomplete layers
 * itself, and at the end it inspects every image and copies one in.
 */
class KilledWorkerTest {
    @TempDir
    Path tmp;

    /** What a series of kill rounds did. */
    record Rounds(int rounds, KillTally kills, Peers.Expected expected, int incompleteAfterKill, int removedByGo, Path graph,
            Path run) {
    }

    @Test
    void killedWorkersLeaveAConsistentStore() throws Exception {
        Rounds k = killRounds(Boolean.getBoolean("cargohold.torture") ? 100 : 10, false, 11);
        Store store = Store.open(StoreOptions.vfs(k.graph(), k.run()));
        int diffs = diffsReproduceTheirDigests(store);
        Peers.Snapshot s = Peers.assertConsistent(store, k.expected().containersBeingDeleted);
        System.out.println("killed worker: " + k.rounds() + " rounds, " + k.kills() + "; " + k.expected().created
                + " creations and " + k.expected().deleted + " deletions reported, " + k.incompleteAfterKill()
                + " incomplete layers found after kills and removed by our load, " + countTempFiles(k.graph())
                + " temp files left by kills, " + diffs + " layer diffs reproduced; final store: " + s.layers().size()
                + " layers, " + s.images().size() + " images, " + s.containers().size() + " containers");
    }

    @Test
    void skopeoCleansUpAndReadsWhatKilledWorkersLeft() throws Exception {
        Tools.require("skopeo");
        Rounds k = killRounds(Boolean.getBoolean("cargohold.torture") ? 30 : 6, true, 17);
        Path g = k.graph();
        Path r = k.run();
        assertTrue(k.removedByGo() > 0, "no kill left an incomplete layer for skopeo to remove in " + k.rounds() + " rounds");
        // Go reads what the kills left: inspect every image that got its manifest, then copy one in.
        Store store = Store.open(StoreOptions.vfs(g, r));
        int inspected = 0;
        for (Image i : store.images()) {
            if (i.bigDataNames().contains("manifest")) {
                assertEquals(i.bigDataDigests().get("manifest"), Peers.inspect(g, r, i.id()).path("Digest").asText(),
                        i.names().toString());
                inspected++;
            }
        }
        assertTrue(inspected > 0, "no image with a manifest survived the kills");
        int diffs = diffsReproduceTheirDigests(store);
        WrittenLayout small = TestImages.small(tmp.resolve("small"));
        Tools.ok("skopeo", "copy", "--quiet", small.skopeoRef("latest"), Peers.ref(g, r, "small:latest"));
        diffs += diffsReproduceTheirDigests(store);
        Peers.Snapshot s = Peers.assertConsistent(store, k.expected().containersBeingDeleted);
        k.expected().assertHeldBy(s, "after skopeo's copy");
        assertEquals(small.ref("latest").image().manifest().digest(), Peers.inspect(g, r, "small:latest").path("Digest").asText());
        System.out.println("killed worker, skopeo first: " + k.rounds() + " rounds, " + k.kills() + "; "
                + k.incompleteAfterKill() + " incomplete layers found after kills, " + k.removedByGo()
                + " of them removed by skopeo's load, " + inspected + " images inspected by skopeo, " + diffs
                + " layer diffs reproduced; final store: " + s.layers().size() + " layers, " + s.images().size() + " images, "
                + s.containers().size() + " containers");
    }

    /**
     * At least {@code minRounds} rounds of start, kill and check; more (up to three times as many)
     * until a kill landed while a diff was being applied, a kill left an incomplete layer (for
     * skopeo to remove, when {@code skopeoFirst}) and the workers reported at least
     * {@code minRounds} creations; fails if that never happened.
     */
    private Rounds killRounds(int minRounds, boolean skopeoFirst, long seed) throws Exception {
        Random random = new Random(seed);
        Path g = tmp.resolve("graph");
        Path r = tmp.resolve("run");
        Store longLived = Store.open(StoreOptions.vfs(g, r));
        Peers.Expected expected = new Peers.Expected();
        KillTally kills = new KillTally();
        int incompleteAfterKill = 0;
        int removedByGo = 0;
        int round = 0;
        int idleRounds = 0;
        for (; round < 3 * minRounds; round++) {
            boolean landed = kills.during("createLayer-applying-diff") > 0 && (skopeoFirst ? removedByGo : incompleteAfterKill) > 0
                    && expected.created >= minRounds;
            if (round >= minRounds && landed) {
                break;
            }
            try (ChildJvm w = ChildJvm.start(StorePeerWorker.class, g.toString(), r.toString(), "r" + round,
                    Long.toString(random.nextLong()), Long.toString(Long.MAX_VALUE), "true")) {
                w.await("READY", 120);
                // a loaded machine (CI's two cores shared with other work) may let a worker do nothing in
                // 0.7 s: each round in a row without a creation widens the window by 0.5 s (up to 5 s more)
                Thread.sleep(30 + random.nextInt(700) + Math.min(idleRounds, 10) * 500L);
                w.kill();
                List<String> out = w.output();
                assertTrue(out.stream().noneMatch(l -> l.startsWith("ERROR")), "round " + round + ": worker failed:\n" + w.stderr());
                kills.record(out);
                int before = expected.created;
                expected.replay(out);
                idleRounds = expected.created > before ? 0 : idleRounds + 1;
            }
            String when = "round " + round;
            Peers.recordFilesAreValidJson(g, r);
            List<String> incomplete = Peers.incompleteOnDisk(g);
            incompleteAfterKill += incomplete.size();
            if (skopeoFirst) {
                // Go gets there first: its first layer access (write-locked) must finish what our
                // killed worker left half-done, the same way our engine does.
                String withManifest = null;
                for (var i : Peers.rawArray(g.resolve("vfs-images/images.json"))) {
                    for (var n : i.path("big-data-names")) {
                        if (n.asText().equals("manifest")) {
                            withManifest = i.path("id").asText();
                        }
                    }
                }
                if (withManifest != null) {
                    Tools.Result res = Tools.ok("skopeo", "inspect", Peers.ref(g, r, withManifest));
                    assertEquals(List.of(), Peers.incompleteOnDisk(g), when + ": skopeo's load removes incomplete layers");
                    for (String id : incomplete) {
                        // logrus quotes the message: msg="Found incomplete layer \"ID\", deleting it"
                        assertTrue(res.stderr().contains("Found incomplete layer \\\"" + id + "\\\""), res.stderr());
                        assertFalse(Files.exists(g.resolve("vfs/dir").resolve(id)), when + ": Go removed the tree of " + id);
                        removedByGo++;
                    }
                }
            }

            // Open it as a new process would (a new engine: random tokens, full load).
            Store store = Store.open(StoreOptions.vfs(g, r));
            List<Layer> layers = store.layers();
            assertTrue(layers.stream().noneMatch(l -> l.flags().containsKey("incomplete")), when);
            assertEquals(List.of(), Peers.incompleteOnDisk(g), when + ": incomplete layers were deleted on load");
            Peers.Snapshot s = Peers.assertConsistent(store, expected.containersBeingDeleted);
            expected.assertHeldBy(s, when);
            // A store instance that stayed open all along reloads to the same state.
            Peers.Snapshot kept = Peers.snapshot(longLived);
            assertEquals(s.layers().keySet(), kept.layers().keySet(), when);
            assertEquals(s.images(), kept.images(), when);
            assertEquals(s.containers(), kept.containers(), when);
        }
        assertTrue(expected.created >= minRounds, "the workers got work done before the kills: " + expected.created + " creations in "
                + round + " rounds");
        assertTrue(kills.midOperation() > 0, "no kill landed in the middle of an operation: " + kills);
        assertTrue(kills.during("createLayer-applying-diff") > 0, "no kill landed while a diff was applied: " + kills);
        assertTrue(incompleteAfterKill > 0, "no kill left an incomplete layer in " + round + " rounds: " + kills);
        return new Rounds(round, kills, expected, incompleteAfterKill, removedByGo, g, r);
    }

    /**
     * The other direction: skopeo killed with SIGKILL in the middle of copies into the store; our
     * engine's first listing removes the layers it left incomplete, the store is consistent, and
     * skopeo then completes the same copies. At least one kill must have left an incomplete layer.
     */
    @Test
    void killedSkopeoCopiesAreFinishedByUs() throws Exception {
        Tools.require("skopeo");
        int rounds = Boolean.getBoolean("cargohold.torture") ? 40 : 6;
        Random random = new Random(13);
        WrittenLayout two = TestImages.twoTagsSharingLayers(tmp.resolve("two"));
        WrittenLayout multi = TestImages.multiArch(tmp.resolve("multi"));
        Path g = tmp.resolve("graph");
        Path r = tmp.resolve("run");
        Path skopeoTmp = Files.createDirectories(tmp.resolve("skopeo-tmp"));
        Map<String, String> sources = new LinkedHashMap<>();
        sources.put("docker.io/library/app:latest", two.skopeoRef("latest"));
        sources.put("docker.io/library/app:v2", two.skopeoRef("v2"));
        sources.put("docker.io/library/multi:latest", multi.skopeoRef("latest"));
        List<String> names = List.copyOf(sources.keySet());
        // How long each copy takes here, uninterrupted, into a scratch store: the kills land at random points
        // within that (a fixed window of 5-125 ms missed every copy on a quiet machine: skopeo was still starting)
        Map<String, Long> millis = new LinkedHashMap<>();
        for (String name : names) {
            long t0 = System.nanoTime();
            Tools.ok(Map.of("TMPDIR", skopeoTmp.toString()), "skopeo", "copy", "--quiet", sources.get(name),
                    Peers.ref(tmp.resolve("calibration-graph"), tmp.resolve("calibration-run"), name));
            millis.put(name, Math.max(20, (System.nanoTime() - t0) / 1_000_000));
        }
        int incompleteSeen = 0;
        int helpersOutliving = 0;
        int round = 0;
        // How far into the calibrated time a kill lands. Under load a copy may take far longer or shorter than
        // it did when calibrated: a kill that found the copy finished pulls the window earlier, one that found
        // nothing written yet pushes it later.
        double scale = 1.0;
        // a kill that lands mid-copy leaves an incomplete layer: go on (up to 4 × rounds) until one did; after the
        // first rounds every layer may be in the shared store (skopeo then copies nothing), so the extra rounds
        // each copy into a fresh store
        for (; round < 4 * rounds && (round < rounds || incompleteSeen == 0); round++) {
            String name = names.get(round % names.size());
            Path gk = round < rounds ? g : tmp.resolve("extra-" + round + "/graph");
            Path rk = round < rounds ? r : tmp.resolve("extra-" + round + "/run");
            ProcessBuilder pb = new ProcessBuilder("skopeo", "copy", "--quiet", sources.get(name), Peers.ref(gk, rk, name))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("TMPDIR", skopeoTmp.toString()); // c/image's temporary copies of blobs
            Process p = pb.start();
            Thread.sleep((long) (millis.get(name) * scale * (0.3 + 0.65 * random.nextDouble())));
            // Only skopeo is killed: its storage-applyLayer helper (a child chrooted into the layer
            // tree being extracted) may outlive it for a moment, still writing or cleaning up while
            // our engine deletes the incomplete layer (upstream has the same window).
            List<ProcessHandle> helpers = p.descendants().toList();
            p.destroyForcibly();
            p.waitFor();
            helpersOutliving += (int) helpers.stream().filter(ProcessHandle::isAlive).count();
            if (round >= rounds && !hasEntries(gk.resolve("vfs/dir"))) {
                scale = Math.min(scale * 1.4, 8); // killed before its first layer
            }
            if (!Files.exists(gk.resolve("vfs-layers/layers.json"))) {
                continue;
            }
            Peers.recordFilesAreValidJson(gk, rk);
            int incomplete = Peers.incompleteOnDisk(gk).size();
            incompleteSeen += incomplete;
            Store store = Store.open(StoreOptions.vfs(gk, rk));
            store.layers();
            assertEquals(List.of(), Peers.incompleteOnDisk(gk), "round " + round + ": our load removes skopeo's incomplete layers");
            Peers.assertConsistent(store, Set.of());
            if (incomplete == 0 && store.images().stream().anyMatch(i -> i.names().contains(name))) {
                scale = Math.max(scale * 0.7, 0.05); // the copy had finished
            }
        }
        assertTrue(incompleteSeen > 0, "no kill of skopeo landed mid-copy (left an incomplete layer) in " + round + " rounds");
        rounds = round;
        for (var e : sources.entrySet()) {
            Tools.ok("skopeo", "copy", "--quiet", e.getValue(), Peers.ref(g, r, e.getKey()));
        }
        Store store = Store.open(StoreOptions.vfs(g, r));
        Peers.Snapshot s = Peers.assertConsistent(store, Set.of());
        diffsReproduceTheirDigests(store);
        Map<String, ImageInfo> expected = Map.of(
                "docker.io/library/app:latest", two.ref("latest").image(),
                "docker.io/library/app:v2", two.ref("v2").image(),
                "docker.io/library/multi:latest", multi.ref("latest").image(Peers.hostPlatform()));
        for (var e : expected.entrySet()) {
            Image image = store.image(e.getKey());
            assertEquals(e.getValue().diffIds(), s.chain(image.topLayer()).stream().map(Layer::uncompressedDigest).toList());
            assertEquals(e.getValue().manifest().digest(), Peers.inspect(g, r, e.getKey()).path("Digest").asText());
        }
        for (Image i : s.images().values()) {
            if (i.bigDataNames().contains("manifest")) {
                assertEquals(i.bigDataDigests().get("manifest"), Peers.inspect(g, r, i.id()).path("Digest").asText());
            }
        }
        System.out.println("killed skopeo: " + rounds + " kills, " + incompleteSeen + " incomplete layers left by skopeo and removed by us, "
                + helpersOutliving
                + " times its storage-applyLayer helper was still running when we opened the store; "
                + "final store: " + s.layers().size() + " layers, " + s.images().size() + " images");
    }

    private static boolean hasEntries(Path dir) throws java.io.IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isPresent();
        }
    }

    private static int countTempFiles(Path graph) throws java.io.IOException {
        try (Stream<Path> s = Files.walk(graph)) {
            return (int) s.filter(p -> p.getFileName().toString().startsWith(".tmp-")).count();
        }
    }

    /** Every layer with recorded content (ours or skopeo's) reproduces its diff ID: nothing committed was lost. */
    static int diffsReproduceTheirDigests(Store store) throws Exception {
        int n = 0;
        for (Layer l : store.layers()) {
            if (l.uncompressedDigest() != null) {
                assertEquals(l.uncompressedDigest(), LayerDiffPeersTest.diffDigest(store, l.id()), "diff of layer " + l.id());
                n++;
            }
        }
        return n;
    }
}
