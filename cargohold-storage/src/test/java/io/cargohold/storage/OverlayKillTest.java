package io.cargohold.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.storage.check.CheckListener;
import io.cargohold.storage.check.CheckOptions;
import io.cargohold.storage.check.CheckReport;
import io.cargohold.storage.internal.PosixFs;
import io.cargohold.storage.internal.driver.KernelMounts;
import io.cargohold.testkit.ChildJvm;
import io.cargohold.testkit.images.LayerBuilder;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a process that applies, mounts, unmounts and removes overlay layers, at random moments:
 * the next open cleans up (no incomplete layer, no layer directory or short link without a record),
 * no mount is leaked (every overlay mount under the store in /proc/self/mountinfo belongs to a layer
 * whose record counts a mount), and the store check finds nothing.
 */
class OverlayKillTest {
    @TempDir
    Path tmp;

    /** The worker: layers applied, mounted, unmounted and deleted in a loop until killed. */
    public static void main(String[] args) throws Exception {
        Path g = Path.of(args[0]);
        Path r = Path.of(args[1]);
        Random random = new Random(Long.parseLong(args[2]));
        Store store = Store.open(StoreOptions.of(g, r, "overlay"));
        System.out.println("ready");
        System.out.flush();
        String parent = null;
        for (int i = 0; ; i++) {
            LayerBuilder b = LayerBuilder.create().dir("d" + i);
            for (int f = 0; f < 40; f++) {
                b.randomFile("d" + i + "/f" + f, 2048 + random.nextInt(8192), random.nextLong());
            }
            if (parent != null) {
                b.whiteout("d" + (i - 1) + "/f0");
            }
            Layer l = store.createLayer(LayerOptions.of(parent), new ByteArrayInputStream(b.build().tar().bytes()));
            Path m = store.mount(l.id());
            Files.list(m).count();
            if (random.nextBoolean()) {
                store.unmount(l.id(), false);
            }
            if (random.nextInt(3) == 0 && parent != null) {
                store.unmount(l.id(), true);
                store.deleteLayer(l.id());
            } else {
                parent = l.id();
            }
            System.out.println("done " + i);
            System.out.flush();
        }
    }

    @AfterEach
    void unmountAll() throws Exception {
        for (KernelMounts.MountInfo m : KernelMounts.mountsUnder(tmp).reversed()) {
            KernelMounts.unmount(m.mountPoint(), KernelMounts.MNT_DETACH);
        }
    }

    @Test
    void killedWhileApplyingMountingAndRemovingLeavesACleanStore() throws Exception {
        Assumptions.assumeTrue(PosixFs.geteuid() == 0, "kernel overlay mounts need root");
        Path g = tmp.resolve("g");
        Path r = tmp.resolve("r");
        Random random = new Random(7);
        int rounds = Boolean.getBoolean("cargohold.torture") ? 30 : 6;
        int interrupted = 0; // rounds whose kill left an incomplete layer (a create or delete cut short)
        int mountedAtKill = 0; // rounds whose kill left a layer mounted
        for (int round = 0; round < rounds || (interrupted == 0 && round < 3 * rounds); round++) {
            try (ChildJvm worker = ChildJvm.start(OverlayKillTest.class, g.toString(), r.toString(), Long.toString(round))) {
                worker.await("ready", 60);
                worker.await("done 0", 60); // the first layer is through: kill somewhere in the ones after it
                Thread.sleep(random.nextInt(1500));
                worker.kill();
            }
            Path layersJson = g.resolve("overlay-layers/layers.json");
            if (Files.exists(layersJson) && Files.readString(layersJson).contains("\"incomplete\":true")) {
                interrupted++;
            }
            if (KernelMounts.mountsUnder(g).stream().anyMatch(m -> m.fsType().equals("overlay"))) {
                mountedAtKill++;
            }
            try (Store store = Store.open(StoreOptions.of(g, r, "overlay"))) {
                List<Layer> layers = store.layers();
                assertTrue(layers.stream().noneMatch(l -> l.flags().containsKey("incomplete")), "round " + round);
                Set<String> ids = new HashSet<>();
                layers.forEach(l -> ids.add(l.id()));
                Path home = g.resolve("overlay");
                try (var s = Files.list(home)) {
                    for (Path p : s.toList()) {
                        String name = p.getFileName().toString();
                        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && !name.equals("l")) {
                            assertTrue(ids.contains(name), "round " + round + ": layer directory without a record: " + name);
                        }
                    }
                }
                try (var s = Files.list(home.resolve("l"))) {
                    for (Path link : s.toList()) {
                        assertTrue(Files.isDirectory(link), "round " + round + ": dangling short link " + link);
                    }
                }
                for (KernelMounts.MountInfo m : KernelMounts.mountsUnder(home)) {
                    if (m.mountPoint().equals(home.toString())) {
                        continue; // the private home mount
                    }
                    String id = Path.of(m.mountPoint()).getParent().getFileName().toString();
                    assertTrue(layers.stream().anyMatch(l -> l.id().equals(id) && l.mountCount() > 0),
                            "round " + round + ": a mount no record counts: " + m.mountPoint());
                }
                CheckReport report = store.check(CheckOptions.full(), CheckListener.NONE);
                assertEquals(List.of(), report.all(), "round " + round);
            }
        }
        assertTrue(interrupted > 0, "no kill cut a layer's creation or removal short");
        System.out.println("overlay kills: " + interrupted + " rounds left an incomplete layer, " + mountedAtKill + " a mounted one");
        try (Store store = Store.open(StoreOptions.of(g, r, "overlay"))) {
            store.shutdown(true);
            for (KernelMounts.MountInfo m : KernelMounts.mountsUnder(g)) {
                assertFalse(m.fsType().equals("overlay"), "after a forced shutdown: " + m.mountPoint());
            }
        }
    }
}
