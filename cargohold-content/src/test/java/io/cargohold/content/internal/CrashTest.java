package io.cargohold.content.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.content.BlobProvider.Verify;
import io.cargohold.content.FsckOptions;
import io.cargohold.content.FsckReport;
import io.cargohold.digest.Digest;
import io.cargohold.testkit.ChildJvm;
import io.cargohold.testkit.KillTally;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer process is killed with SIGKILL at random moments, again and again, on one store. After
 * each kill the store opens, fsck finds no damage, and every blob (and data record) whose write was
 * reported complete is present and correct, unless its removal had started. The kills must land:
 * the run goes on (up to three times its rounds) until a kill interrupted a put and one left a temp
 * file behind, and fails if none did ({@link KillTally}).
 */
class CrashTest {
    @TempDir
    Path root;

    @Test
    void killedWritersLoseNothingThatWasReportedCommitted() throws Exception {
        boolean torture = Boolean.getBoolean("cargohold.torture");
        int rounds = torture ? 150 : 12;
        Random random = new Random(7);
        Set<Digest> committed = new HashSet<>();
        Map<Digest, String> data = new HashMap<>();
        int leftovers = 0;
        int unindexed = 0;
        KillTally kills = new KillTally();
        int round = 0;
        for (; round < 3 * rounds && (round < rounds || kills.during("put") == 0 || leftovers == 0); round++) {
            try (ChildJvm w = ChildJvm.start(CrashWriter.class, root.toString(), Long.toString(random.nextLong()))) {
                w.await("READY", 120);
                Thread.sleep(50 + random.nextInt(900));
                w.kill();
                kills.record(w.output());
                for (String line : w.output()) {
                    String[] f = line.split(" ");
                    switch (f[0]) {
                        case "OK" -> committed.add(Digest.parse(f[1]));
                        case "DATA" -> data.put(Digest.parse(f[1]), f[2]);
                        case "RMSTART" -> {
                            committed.remove(Digest.parse(f[1]));
                            data.remove(Digest.parse(f[1]));
                        }
                        default -> {
                        }
                    }
                }
            }
            // Temp files of the killed write, counted before opening (an idle open removes them).
            leftovers += TestStores.countFiles(root.resolve("ingest"));
            try (LocalBlobStore store = TestStores.open(root)) {
                FsckReport r = store.fsck(FsckOptions.checkOnly());
                assertFalse(r.hasDamage(), "round " + round + ": " + r);
                unindexed += r.unindexed().size();
                for (Digest d : committed) {
                    try (InputStream in = store.open(d, Verify.CONTENT)) {
                        assertEquals(store.info(d).size(), in.transferTo(java.io.OutputStream.nullOutputStream()));
                    }
                }
                for (var e : data.entrySet()) {
                    assertEquals(e.getValue(), store.getData(e.getKey(), "n").orElse(null), "data of " + e.getKey());
                }
                if (round % 3 == 2) {
                    FsckReport repaired = store.fsck(FsckOptions.repairing());
                    assertFalse(repaired.hasDamage());
                    assertTrue(store.fsck(FsckOptions.checkOnly()).isClean());
                }
            }
        }
        assertTrue(committed.size() > round, "the writer got work done before being killed: " + committed.size());
        assertTrue(kills.midOperation() > 0, "no kill landed in the middle of an operation: " + kills);
        assertTrue(kills.during("put") > 0, "no kill landed in the middle of a put: " + kills);
        assertTrue(leftovers > 0, "no kill left a temp file of a put in flight in " + round + " rounds: " + kills);
        System.out.println("crash test: " + round + " rounds, " + kills + "; " + committed.size() + " committed blobs verified, "
                + leftovers + " kills left a temp file, and " + unindexed + " unindexed blobs seen (none is damage)");
    }
}
