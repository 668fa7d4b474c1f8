package io.cargohold.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.copy.RawManifest;
import io.cargohold.digest.Digest;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.FailedPreconditionException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.oci.MediaTypes;
import io.cargohold.testkit.registry.RegistryServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The distribution client against a real docker-registry over plain HTTP: every endpoint it uses. */
class RegistryClientTest {
    @TempDir
    static Path dir;
    static RegistryServer registry;
    static RegistryClient client;

    @BeforeAll
    static void start() throws IOException {
        registry = RegistryServer.start(dir.resolve("registry"), RegistryServer.Setup.plainHttp());
        client = RegistryClient.open(registry.host(), options());
    }

    static RegistryOptions options() {
        return RegistryOptions.defaults().withTlsVerify(false).withEnv(java.util.Map.of("HOME", dir.toString()))
                .withRetries(2, Duration.ofMillis(20)).withChunkSize(64 * 1024);
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Pushes a config and layers and a manifest naming them; returns the manifest. */
    static RawManifest pushImage(RegistryClient c, String repo, String tag, byte[]... layers) throws IOException {
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"n\":\"" + repo + tag + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        Digest cd = c.upload(repo, new ByteArrayInputStream(config), Digest.sha256(config), config.length, null).digest();
        StringBuilder m = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"mediaType\":\""
                + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + cd + "\",\"size\":" + config.length + "},\"layers\":[");
        for (int i = 0; i < layers.length; i++) {
            Digest d = c.upload(repo, new ByteArrayInputStream(layers[i]), Digest.sha256(layers[i]), layers[i].length, null).digest();
            m.append(i == 0 ? "" : ",").append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"").append(d)
                    .append("\",\"size\":").append(layers[i].length).append('}');
        }
        m.append("]}");
        RawManifest raw = RawManifest.of(m.toString().getBytes(StandardCharsets.UTF_8), MediaTypes.OCI_MANIFEST);
        c.putManifest(repo, tag, raw);
        return raw;
    }

    @Test
    void plainHttpNeedsTlsVerifyOff() throws IOException {
        assertEquals("http", client.scheme());
        try (RegistryClient strict = RegistryClient.open(registry.host(), options().withTlsVerify(true))) {
            var e = assertThrows(io.cargohold.errors.UnavailableException.class, strict::ping);
            assertTrue(e.getMessage().startsWith("pinging container registry " + registry.host() + ": "), e.getMessage());
        }
    }

    @Test
    void monolithicAndChunkedUploadsReadBack() throws IOException {
        byte[] small = random(1000, 1);
        byte[] exact = random(64 * 1024, 2);
        byte[] large = random(64 * 1024 * 3 + 17, 3);
        for (byte[] b : List.of(small, exact, large)) {
            Digest d = Digest.sha256(b);
            RegistryClient.Uploaded u = client.upload("up/test", new ByteArrayInputStream(b), d, b.length, null);
            assertEquals(d, u.digest());
            assertEquals(b.length, client.headBlob("up/test", d).orElseThrow());
            try (InputStream in = client.getBlob("up/test", d, b.length, 0)) {
                assertArrayEquals(b, in.readAllBytes());
            }
            try (InputStream in = client.getBlob("up/test", d, b.length, 500)) {
                assertArrayEquals(java.util.Arrays.copyOfRange(b, 500, b.length), in.readAllBytes());
            }
        }
        // an unknown digest is computed while uploading
        RegistryClient.Uploaded u = client.upload("up/test", new ByteArrayInputStream(large), null, -1, null);
        assertEquals(Digest.sha256(large), u.digest());
        // streamed: one PATCH of everything past the first 64 KiB (the default for large blobs), known size or not
        try (RegistryClient streaming = RegistryClient.open(registry.host(), options().withChunkSize(64 * 1024, false))) {
            byte[] big = random(64 * 1024 * 5 + 3, 13);
            assertEquals(Digest.sha256(big), streaming.upload("up/stream", new ByteArrayInputStream(big), Digest.sha256(big), big.length, null).digest());
            assertEquals(big.length, streaming.headBlob("up/stream", Digest.sha256(big)).orElseThrow());
            byte[] big2 = random(64 * 1024 * 2 + 1, 14);
            assertEquals(Digest.sha256(big2), streaming.upload("up/stream", new ByteArrayInputStream(big2), null, -1, null).digest());
            try (InputStream in = streaming.getBlob("up/stream", Digest.sha256(big2), big2.length, 0)) {
                assertArrayEquals(big2, in.readAllBytes());
            }
        }
        assertTrue(client.headBlob("up/test", Digest.sha256(random(10, 99))).isEmpty());
    }

    /**
     * A streamed upload (read on a thread of its own, StreamedBody) whose source is longer or shorter than the
     * size given fails with a size mismatch and stores nothing, also when the declared size's prefix of a longer
     * source would hash right: the last piece is sent only once the source's end was seen where the size says.
     */
    @Test
    void streamedUploadsOfTheWrongLengthAreRefused() throws IOException {
        try (RegistryClient streaming = RegistryClient.open(registry.host(), options().withChunkSize(64 * 1024, false))) {
            byte[] big = random(64 * 1024 * 5 + 3, 21);
            int shortBy = 10;
            byte[] prefix = java.util.Arrays.copyOf(big, big.length - shortBy);
            Digest pd = Digest.sha256(prefix);
            // longer than declared: InputStream form and the retried (Reopenable) form
            var e1 = assertThrows(CorruptException.class,
                    () -> streaming.upload("up/length", new ByteArrayInputStream(big), pd, prefix.length, null));
            assertTrue(e1.getMessage().contains("size mismatch"), e1.getMessage());
            var e2 = assertThrows(CorruptException.class,
                    () -> streaming.upload("up/length", () -> new ByteArrayInputStream(big), pd, prefix.length, null));
            assertTrue(e2.getMessage().contains("size mismatch"), e2.getMessage());
            assertTrue(streaming.headBlob("up/length", pd).isEmpty(), "the declared size's prefix was not stored");
            // shorter than declared
            Digest bd = Digest.sha256(big);
            var e3 = assertThrows(CorruptException.class,
                    () -> streaming.upload("up/length", new ByteArrayInputStream(prefix), bd, big.length, null));
            assertTrue(e3.getMessage().contains("size mismatch"), e3.getMessage());
            var e4 = assertThrows(CorruptException.class,
                    () -> streaming.upload("up/length", () -> new ByteArrayInputStream(prefix), bd, big.length, null));
            assertTrue(e4.getMessage().contains("size mismatch"), e4.getMessage());
            assertTrue(streaming.headBlob("up/length", bd).isEmpty());
            // and the right length goes through
            assertEquals(pd, streaming.upload("up/length", () -> new ByteArrayInputStream(prefix), pd, prefix.length, null).digest());
        }
    }

    @Test
    void wrongDigestIsRefusedBeforeCommit() throws IOException {
        byte[] b = random(5000, 4);
        Digest lie = Digest.sha256(random(5000, 5));
        var e = assertThrows(CorruptException.class, () -> client.upload("up/lie", new ByteArrayInputStream(b), lie, b.length, null));
        // the registry checks the digest given with the final PUT (the client does not hash twice what its caller verifies)
        assertTrue(e.getMessage().endsWith("digest invalid: provided digest did not match uploaded content"), e.getMessage());
        assertTrue(client.headBlob("up/lie", lie).isEmpty());
        assertTrue(client.headBlob("up/lie", Digest.sha256(b)).isEmpty());
    }

    @Test
    void manifestsByTagAndDigest() throws IOException {
        RawManifest m = pushImage(client, "img/one", "v1", random(3000, 6));
        RawManifest byTag = client.getManifest("img/one", "v1");
        assertArrayEquals(m.bytes(), byTag.bytes());
        assertEquals(MediaTypes.OCI_MANIFEST, byTag.mediaType());
        assertEquals(m.digest(), byTag.digest());
        assertEquals(m.digest(), client.getManifest("img/one", m.digest().toString()).digest());
        RegistryClient.ManifestHead h = client.headManifest("img/one", "v1").orElseThrow();
        assertEquals(m.digest(), h.digest());
        assertEquals(m.bytes().length, h.size());
        assertTrue(client.headManifest("img/one", "nope").isEmpty());
        var e = assertThrows(NotFoundException.class, () -> client.getManifest("img/one", "nope"));
        assertEquals("reading manifest nope in " + registry.host() + "/img/one: manifest unknown", e.getMessage());
        var e2 = assertThrows(NotFoundException.class, () -> client.getManifest("img/none", "v1"));
        assertTrue(e2.getMessage().contains("name unknown") || e2.getMessage().contains("manifest unknown"), e2.getMessage());
        client.deleteManifest("img/one", m.digest());
        assertTrue(client.headManifest("img/one", m.digest().toString()).isEmpty());
    }

    @Test
    void manifestNamingMissingBlobsIsRefused() throws IOException {
        String doc = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"mediaType\":\"" + MediaTypes.OCI_CONFIG
                + "\",\"digest\":\"" + Digest.sha256(random(9, 9)) + "\",\"size\":9},\"layers\":[]}";
        var e = assertThrows(FailedPreconditionException.class,
                () -> client.putManifest("img/broken", "v1", RawManifest.of(doc.getBytes(StandardCharsets.UTF_8), MediaTypes.OCI_MANIFEST)));
        assertTrue(e.getMessage().startsWith("writing manifest v1 to " + registry.host() + "/img/broken: manifest blob unknown"), e.getMessage());
    }

    @Test
    void schemaOneIsNamedInTheError() {
        byte[] s1 = "{\"schemaVersion\":1,\"name\":\"x\",\"tag\":\"y\",\"fsLayers\":[]}".getBytes(StandardCharsets.UTF_8);
        var e = assertThrows(FailedPreconditionException.class,
                () -> RegistryClientTestAccess.mediaType("application/vnd.docker.distribution.manifest.v1+prettyjws", s1));
        assertTrue(e.getMessage().contains("Docker schema 1 manifest"), e.getMessage());
        assertThrows(FailedPreconditionException.class, () -> RegistryClientTestAccess.mediaType("application/json", s1));
    }

    @Test
    void tagsArePagedThroughLinkHeaders() throws IOException {
        List<String> want = new ArrayList<>();
        RawManifest m = pushImage(client, "img/tags", "t0", random(100, 7));
        want.add("t0");
        for (int i = 1; i < 12; i++) {
            client.putManifest("img/tags", "t" + i, m);
            want.add("t" + i);
        }
        assertEquals(want.stream().sorted().toList(), client.tags("img/tags").stream().sorted().toList());
        assertEquals("/v2/x/tags/list?last=b&n=2", RegistryClient.nextLink("</v2/x/tags/list?last=b&n=2>; rel=\"next\""));
        // the registry pages when asked: our client follows its Link headers
        assertEquals(12, RegistryClientTestAccess.tagsPaged(client, "img/tags", 5).size());
    }

    @Test
    void crossRepositoryMount() throws IOException {
        byte[] layer = random(2000, 8);
        pushImage(client, "mount/from", "v1", layer);
        Digest d = Digest.sha256(layer);
        assertTrue(client.headBlob("mount/to", d).isEmpty());
        assertTrue(client.mount("mount/to", "mount/from", d));
        assertEquals(layer.length, client.headBlob("mount/to", d).orElseThrow());
        assertFalse(client.mount("mount/to", "mount/from", Digest.sha256(random(10, 11))));
    }

    @Test
    void referrersFallBackToTheTagSchema() throws IOException {
        RawManifest subject = pushImage(client, "ref/img", "v1", random(100, 12));
        // distribution 2.8 has no referrers API: with no fallback tag, the answer is an empty index
        RawManifest none = client.referrers("ref/img", subject.digest(), null);
        assertTrue(new String(none.bytes(), StandardCharsets.UTF_8).contains("\"manifests\":[]"));
        String index = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[{\"mediaType\":\""
                + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + subject.digest() + "\",\"size\":" + subject.bytes().length
                + ",\"artifactType\":\"application/x-test\"}]}";
        client.putManifest("ref/img", "sha256-" + subject.digest().hex(), RawManifest.of(index.getBytes(StandardCharsets.UTF_8), MediaTypes.OCI_INDEX));
        assertTrue(new String(client.referrers("ref/img", subject.digest(), null).bytes(), StandardCharsets.UTF_8).contains("application/x-test"));
        assertTrue(new String(client.referrers("ref/img", subject.digest(), "application/other").bytes(), StandardCharsets.UTF_8)
                .contains("\"manifests\":[]"));
    }
}
