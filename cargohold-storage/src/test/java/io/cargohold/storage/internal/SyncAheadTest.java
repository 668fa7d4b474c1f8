package io.cargohold.storage.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The background syncs of a layer being written run while it is written and stop when it is done (no thread left behind). */
class SyncAheadTest {
    private static List<Thread> syncThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("layer-sync-ahead") && t.isAlive()).toList();
    }

    @Test
    void runsWhileOpenAndStopsAtClose(@TempDir Path dir) throws Exception {
        assertTrue(SyncAhead.PERIOD_MS > 0, "on by default");
        List<Thread> before = syncThreads();
        Thread mine;
        try (SyncAhead ahead = SyncAhead.start(dir)) {
            List<Thread> now = new java.util.ArrayList<>(syncThreads());
            now.removeAll(before);
            assertEquals(1, now.size(), "one background thread while the layer is written");
            mine = now.get(0);
            assertTrue(mine.isDaemon());
            Files.writeString(dir.resolve("f"), "x".repeat(1 << 16));
            Thread.sleep(3 * SyncAhead.PERIOD_MS); // a few rounds of syncs, on a directory that stays
        }
        mine.join(10_000);
        assertFalse(mine.isAlive(), "stopped after close");
    }

    @Test
    void aFailingSyncEndsTheThreadQuietly(@TempDir Path dir) throws Exception {
        Path gone = Files.createDirectory(dir.resolve("gone"));
        List<Thread> before = syncThreads();
        try (SyncAhead ahead = SyncAhead.start(gone)) {
            List<Thread> now = new java.util.ArrayList<>(syncThreads());
            now.removeAll(before);
            Thread mine = now.get(0);
            Files.delete(gone); // the next syncfs cannot open it: the thread ends, the caller's own sync would report it
            mine.join(10_000);
            assertFalse(mine.isAlive());
        }
    }
}
