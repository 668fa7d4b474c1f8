package io.cargohold.registry.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.content.IngestStatus;
import io.cargohold.content.StoreOptions;
import io.cargohold.copy.CopyContext;
import io.cargohold.copy.CopyOptions;
import io.cargohold.copy.CopyResult;
import io.cargohold.copy.ImageCopier;
import io.cargohold.copy.Transports;
import io.cargohold.digest.Digest;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.UnavailableException;
import io.cargohold.oci.OciStore;
import io.cargohold.registry.RegistryOptions;
import io.cargohold.testkit.ChildJvm;
import io.cargohold.testkit.images.Descriptor;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.WrittenLayout;
import io.cargohold.testkit.registry.FaultProxy;
import io.cargohold.testkit.registry.FaultProxy.Fault;
import io.cargohold.testkit.registry.FaultProxy.Kind;
import io.cargohold.testkit.registry.RegistryServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults between us and a real registry, injected by a proxy on loopback that also counts the bytes it
 * relays: connections cut mid-blob (resumed with Range, nothing downloaded twice), 429/503 with
 * Retry-After (retried), wrong bytes (refused, nothing stored), a registry that stops answering (a
 * timeout error, no hang), and a pull killed with SIGKILL that a rerun finishes fetching only what was missing.
 */
class FaultTest {
    @TempDir
    static Path dir;
    static RegistryServer registry;
    static WrittenLayout image;
    static Descriptor bigLayer;
    FaultProxy proxy;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws IOException {
        registry = RegistryServer.start(dir.resolve("registry"), RegistryServer.Setup.plainHttp());
        image = TestImages.large(dir.resolve("large"), 6L << 20);
        bigLayer = image.ref("latest").image().layers().stream().max(Comparator.comparingLong(Descriptor::size)).orElseThrow();
        Transports t = transports(RegistryOptions.defaults().withTlsVerify(false).withEnv(Map.of("HOME", dir.toString())));
        ImageCopier.copy(t.parse("oci:" + image.dir() + ":latest"), t.parse("docker://" + registry.host() + "/fault/large:v1"),
                CopyContext.of(dir.resolve("unused"), null), CopyOptions.defaults());
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    @BeforeEach
    void proxy() throws IOException {
        proxy = FaultProxy.start(registry.host());
    }

    @AfterEach
    void closeProxy() throws IOException {
        proxy.close();
    }

    static Transports transports(RegistryOptions o) {
        return Transports.standard().with(DockerTransport.with(o, new BlobLocations()));
    }

    private RegistryOptions options() {
        return RegistryOptions.defaults().withTlsVerify(false).withEnv(Map.of("HOME", tmp.toString()))
                .withRetries(3, Duration.ofMillis(20)).withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(1));
    }

    private CopyResult pull(String to, RegistryOptions o) throws IOException {
        Transports t = transports(o);
        return ImageCopier.copy(t.parse("docker://" + proxy.host() + "/fault/large:v1"), t.parse(to),
                CopyContext.of(tmp.resolve("cargohold"), null), CopyOptions.defaults());
    }

    private String blobPath() {
        return "/blobs/" + bigLayer.digest();
    }

    @Test
    void aCutConnectionResumesWithRangeAndNothingTwice() throws IOException {
        proxy.add(Fault.of("GET", blobPath(), Kind.CUT_AFTER, bigLayer.size() / 3, 1));
        proxy.add(Fault.of("GET", blobPath(), Kind.HANG_AFTER, 2 * bigLayer.size() / 3 - bigLayer.size() / 3, 1));
        CopyResult r = pull("oci:" + tmp.resolve("out") + ":v1", options());
        assertEquals(image.ref("latest").digest(), r.manifestDigest().toString());
        assertEquals(3, proxy.requests("GET", blobPath()), proxy.exchanges().toString());
        assertEquals(bigLayer.size(), proxy.bodyBytes("GET", blobPath()), "every byte of the layer crossed the proxy once");
        assertEquals(bigLayer.size(), Files.size(tmp.resolve("out/blobs/sha256").resolve(bigLayer.digest().substring(7))));
    }

    @Test
    void tooManyRequestsAndUnavailableAreRetried() throws IOException {
        proxy.add(Fault.of("GET", "/manifests/", Kind.STATUS, 429, 1));
        proxy.add(Fault.of("GET", blobPath(), Kind.STATUS, 503, 2));
        long t0 = System.nanoTime();
        CopyResult r = pull("cargohold:fault:v1", options());
        assertEquals(image.ref("latest").digest(), r.manifestDigest().toString());
        assertEquals(List.of(429), proxy.exchanges().stream().filter(e -> e.path().contains("/manifests/")).map(e -> e.status()).limit(1).toList());
        assertEquals(3, proxy.requests("GET", blobPath()));
        // Retry-After: 1 was honoured (three waits of a second, not the 20 ms backoff)
        assertTrue(System.nanoTime() - t0 >= TimeUnit.SECONDS.toNanos(3), "waited for Retry-After");
    }

    @Test
    void wrongBytesAreRefusedAndNothingIsStored() throws IOException {
        proxy.add(Fault.of("GET", blobPath(), Kind.CORRUPT, 1000, 10));
        var e = assertThrows(CorruptException.class, () -> pull("cargohold:bad:v1", options()));
        assertTrue(e.getMessage().contains(bigLayer.digest()) && e.getMessage().contains("digest mismatch"), e.getMessage());
        try (OciStore s = OciStore.open(tmp.resolve("cargohold"), StoreOptions.defaults())) {
            assertFalse(s.blobs().contains(Digest.parse(bigLayer.digest())));
            assertTrue(s.blobs().ingests().isEmpty(), s.blobs().ingests().toString());
            assertTrue(s.list().isEmpty());
        }
        var e2 = assertThrows(CorruptException.class, () -> pull("oci:" + tmp.resolve("bad-out") + ":v1", options()));
        assertTrue(e2.getMessage().contains("digest mismatch"), e2.getMessage());
        assertFalse(Files.exists(tmp.resolve("bad-out/blobs/sha256").resolve(bigLayer.digest().substring(7))));
    }

    @Test
    void aRegistryThatStopsAnsweringIsATimeoutError() {
        proxy.add(Fault.of("GET", "/manifests/", Kind.HANG, 0, 100));
        long t0 = System.nanoTime();
        var e = assertThrows(UnavailableException.class, () -> pull("cargohold:hang:v1", options().withRetries(1, Duration.ofMillis(10))));
        assertTrue(e.getMessage().contains("timed out"), e.getMessage());
        // no hang: a bound far above the ~2-4 s the timeouts and one retry take
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(90));
        proxy.clearFaults();
        // headers, then silence: resumed (retries), then an error
        proxy.add(Fault.of("GET", blobPath(), Kind.HANG_AFTER, 0, 100));
        var e2 = assertThrows(UnavailableException.class, () -> pull("cargohold:hang:v1", options().withRetries(1, Duration.ofMillis(10))));
        assertTrue(e2.getMessage().contains("no data from the registry"), e2.getMessage());
    }

    @Test
    @org.junit.jupiter.api.Disabled("known bug (issue 12 note): a rerun after an early kill sometimes refetches the whole layer "
            + "instead of resuming (3,845,983 bytes of a 3,776,351-byte layer with 720,477 in the ingest, twice in CI runs)")
    void aKilledPullIsFinishedByARerunFetchingOnlyWhatWasMissing() throws Exception {
        Path root = tmp.resolve("cargohold");
        String imageRef = "docker://" + proxy.host() + "/fault/large:v1";
        proxy.throttle(1 << 20);
        String childErr;
        try (ChildJvm child = ChildJvm.start(RegistryPullWorker.class, root.toString(), imageRef, "killed:v1")) {
            child.await("START", 60);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (proxy.bodyBytesSoFar() < bigLayer.size() / 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            child.kill();
            childErr = child.stderr() + child.output();
        }
        proxy.throttle(0);
        long have;
        try (OciStore s = OciStore.open(root, StoreOptions.defaults())) {
            List<IngestStatus> ingests = s.blobs().ingests();
            have = ingests.stream().filter(i -> i.ref().equals(bigLayer.digest())).mapToLong(IngestStatus::offset).sum();
        }
        assertTrue(have > 0, "the killed pull left part of the big layer in its ingest; the child said: " + childErr);
        proxy.resetCounts();
        CopyResult r = pull("cargohold:killed:v1", options());
        assertEquals(image.ref("latest").digest(), r.manifestDigest().toString());
        long fetched = proxy.bodyBytes("GET", blobPath());
        if (proxy.requests("GET", blobPath()) == 1) {
            assertEquals(bigLayer.size() - have, fetched, "the rerun fetched only the missing part of the layer");
        } else {
            // the rerun's own download was cut and resumed (a read timeout on a loaded machine: seen once at load
            // 18 on 2 cores, 790,109 bytes more): what the proxy relayed but the client had not taken when it gave
            // up is fetched again; still no second full download
            assertTrue(fetched >= bigLayer.size() - have && fetched < bigLayer.size(), "the rerun fetched " + fetched + " bytes of "
                    + bigLayer.size() + " with " + have + " in the ingest: " + proxy.exchanges());
        }
    }
}
