package io.cargohold.content.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.content.PutOptions;
import io.cargohold.content.StoreOptions;
import io.cargohold.content.gc.GcOptions;
import io.cargohold.content.gc.GcReport;
import io.cargohold.content.gc.Leases;
import io.cargohold.content.gc.References;
import io.cargohold.digest.Digest;
import io.cargohold.testkit.ChildJvm;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: a blob just put and not yet referenced is not removed by a gc running at the same moment
 * (its fresh-blob lease, containerd's gc.expire), the lease expires after the grace period and gc
 * reports it, a re-put renews it, and an explicit removal is not held off by it.
 */
class FreshBlobLeaseTest {
    @TempDir
    Path root;

    private static GcReport sweep(LocalBlobStore s) throws IOException {
        return s.collectGarbage(GcOptions.sweep(), (b, c) -> References.NONE);
    }

    private static Digest put(LocalBlobStore s, String content) throws IOException {
        return s.put(new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)), PutOptions.defaults()).info().digest();
    }

    @Test
    void aFreshBlobSurvivesGcUntilItsGracePeriodEnds() throws IOException {
        Instant t0 = Instant.parse("2026-12-05T03:00:00Z");
        StoreOptions o = StoreOptions.defaults().withFsync(false).withFreshBlobGrace(Duration.ofMinutes(10));
        Digest d;
        try (LocalBlobStore s = LocalBlobStore.open(root, o.withClock(Clock.fixed(t0, ZoneOffset.UTC)))) {
            d = put(s, "fresh");
            assertEquals("2026-12-05T03:10:00Z", s.getRecord(Leases.NAMESPACE, Leases.freshKey(d)).orElseThrow().value());
            GcReport r = sweep(s);
            assertEquals(List.of(), r.removed(), "kept: put a moment ago");
            assertTrue(s.contains(d));
        }
        try (LocalBlobStore s = LocalBlobStore.open(root, o.withClock(Clock.fixed(t0.plusSeconds(9 * 60), ZoneOffset.UTC)))) {
            put(s, "fresh"); // a put of a present blob renews its lease
            assertEquals("2026-12-05T03:19:00Z", s.getRecord(Leases.NAMESPACE, Leases.freshKey(d)).orElseThrow().value());
        }
        try (LocalBlobStore s = LocalBlobStore.open(root, o.withClock(Clock.fixed(t0.plusSeconds(15 * 60), ZoneOffset.UTC)))) {
            assertEquals(List.of(), sweep(s).removed(), "renewed at 03:09");
        }
        try (LocalBlobStore s = LocalBlobStore.open(root, o.withClock(Clock.fixed(t0.plusSeconds(20 * 60), ZoneOffset.UTC)))) {
            GcReport r = sweep(s);
            assertEquals(List.of(d), r.removed().stream().map(b -> b.digest()).toList());
            assertEquals(List.of(Leases.freshKey(d)), r.expiredRecords().stream().map(k -> k.key()).toList(), "the expired lease is reported");
            assertTrue(s.getRecord(Leases.NAMESPACE, Leases.freshKey(d)).isEmpty());
        }
    }

    @Test
    void anExplicitRemovalIsNotHeldOffByTheLease() throws IOException {
        try (LocalBlobStore s = LocalBlobStore.open(root, StoreOptions.defaults().withFsync(false))) {
            Digest d = put(s, "to remove");
            s.delete(d);
            assertFalse(s.contains(d));
            assertTrue(s.getRecord(Leases.NAMESPACE, Leases.freshKey(d)).isEmpty(), "the lease went with it");
        }
    }

    /**
     * A real second process puts blobs in a loop while this one collects garbage in a loop: every
     * blob whose put returned is still there at the end. (With the grace period at zero the same run
     * loses blobs: {@link #withoutTheGracePeriodGcRacingPutsLosesBlobs}.)
     */
    @Test
    void gcRacingPutsInAnotherProcessNeverRemovesAFreshBlob() throws Exception {
        List<Digest> lost = race(Duration.ofHours(1));
        assertEquals(List.of(), lost, "blobs whose put returned, removed by gc");
    }

    /** The control: the race is real, so the test above could fail. */
    @Test
    void withoutTheGracePeriodGcRacingPutsLosesBlobs() throws Exception {
        assertFalse(race(Duration.ZERO).isEmpty(), "gc removed none of the unpinned blobs: the race did not happen");
    }

    private List<Digest> race(Duration grace) throws Exception {
        int count = 300;
        List<Digest> put = new ArrayList<>();
        try (LocalBlobStore s = LocalBlobStore.open(root, StoreOptions.defaults().withFsync(false).withFreshBlobGrace(grace));
             ChildJvm child = ChildJvm.start(PutLoopWorker.class, root.toString(), "1", Integer.toString(count),
                     Long.toString(grace.toMillis()))) {
            int sweeps = 0;
            while (true) {
                sweep(s);
                sweeps++;
                Thread.sleep(5); // let the child's puts (shared lock) in between the sweeps (exclusive)
                if (child.waitForExitIfDone()) {
                    break;
                }
            }
            assertTrue(child.output().contains("DONE"), child.output() + child.stderr());
            assertTrue(sweeps > 2, "gc ran " + sweeps + " times");
            for (String line : child.output()) {
                if (line.startsWith("PUT ")) {
                    put.add(Digest.parse(line.substring(4)));
                }
            }
            assertEquals(count, put.size());
            List<Digest> lost = new ArrayList<>();
            for (Digest d : put) {
                if (!s.contains(d)) {
                    lost.add(d);
                }
            }
            return lost;
        }
    }
}
