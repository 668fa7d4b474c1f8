package io.cargohold.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.content.FsckOptions;
import io.cargohold.content.FsckReport;
import io.cargohold.content.StoreOptions;
import io.cargohold.oci.ImageRef;
import io.cargohold.oci.OciStore;
import io.cargohold.testkit.ChildJvm;
import io.cargohold.testkit.images.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14's torture run: processes × threads mixing put, import, rm, gc, export and fsck on one
 * store; afterwards fsck finds nothing, every reference is complete, and every reference reported
 * committed and never removed is there. Short in the suite (3 processes × 2 threads, 15 s); with
 * {@code -Dcargohold.torture=true} 8 processes × 4 threads for {@code cargohold.torture.seconds}
 * (default 600).
 */
class TortureTest {
    @TempDir
    Path tmp;

    @Test
    void processesAndThreadsMixingEveryOperationLeaveAConsistentStore() throws Exception {
        boolean torture = Boolean.getBoolean("cargohold.torture");
        int processes = torture ? 8 : 3;
        int threads = torture ? 4 : 2;
        long seconds = torture ? Long.getLong("cargohold.torture.seconds", 600) : 15;
        List<String> layouts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            layouts.add(TestImages.small(tmp.resolve("layout" + i), 100 + i).dir().toString());
        }
        Path root = tmp.resolve("store");
        Path out = Files.createDirectories(tmp.resolve("exports"));
        OciStore.open(root, StoreOptions.defaults()).close();
        List<ChildJvm> children = new ArrayList<>();
        Map<String, String> committed = new HashMap<>();
        Set<String> removed = new HashSet<>();
        try {
            for (int p = 0; p < processes; p++) {
                List<String> args = new ArrayList<>(List.of(root.toString(), out.toString(), Integer.toString(p),
                        Integer.toString(threads), Long.toString(seconds)));
                args.addAll(layouts);
                children.add(ChildJvm.start(TortureWorker.class, args.toArray(String[]::new)));
            }
            for (ChildJvm c : children) {
                int code = c.waitFor(seconds + 600);
                assertEquals(0, code, "worker " + c.pid() + ":\n" + String.join("\n", c.output()) + "\n" + c.stderr());
                String done = c.output().stream().filter(l -> l.startsWith("DONE")).findFirst().orElseThrow();
                System.out.println("torture worker " + c.pid() + ": " + done);
                for (String l : c.output()) {
                    if (l.startsWith("COMMITTED ")) {
                        String[] f = l.split(" ");
                        committed.put(f[1], f[2]);
                    } else if (l.startsWith("REMOVED ")) {
                        removed.add(l.substring(8));
                    }
                }
            }
        } finally {
            children.forEach(ChildJvm::close);
        }
        try (OciStore oci = OciStore.open(root, StoreOptions.defaults())) {
            FsckReport f = oci.blobs().fsck(FsckOptions.checkOnly());
            assertTrue(!f.hasDamage() && f.tempFiles().isEmpty(), "fsck after the run: " + f);
            assertEquals(List.of(), oci.checkLayoutIndex(false).problems(), "index.json after the run");
            Map<String, ImageRef> present = new HashMap<>();
            for (ImageRef r : oci.list()) {
                present.put(r.reference().toString(), r);
                assertTrue(oci.check(r.reference()).complete(), "incomplete: " + r);
            }
            for (var e : committed.entrySet()) {
                if (!removed.contains(e.getKey())) {
                    assertTrue(present.containsKey(e.getKey()), "reported committed, never removed, but gone: " + e.getKey());
                }
            }
            System.out.println("torture: " + processes + " processes x " + threads + " threads for " + seconds + " s: "
                    + committed.size() + " references committed, " + removed.size() + " removed, " + present.size() + " at the end");
            assertTrue(committed.size() > 0, "no import committed");
        }
    }
}
