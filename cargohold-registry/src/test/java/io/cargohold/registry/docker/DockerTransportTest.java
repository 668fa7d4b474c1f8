package io.cargohold.registry.docker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.copy.CopyContext;
import io.cargohold.copy.CopyOptions;
import io.cargohold.copy.CopyResult;
import io.cargohold.copy.ImageCopier;
import io.cargohold.copy.Transports;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.registry.RegistryClient;
import io.cargohold.registry.RegistryOptions;
import io.cargohold.storage.StoreOptions;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.WrittenLayout;
import io.cargohold.testkit.registry.RegistryServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docker:// as copy source and destination against a real registry: round trips keep digests, reuse, mounts, digests refs. */
class DockerTransportTest {
    @TempDir
    static Path dir;
    static RegistryServer registry;
    static Transports transports;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws IOException {
        registry = RegistryServer.start(dir.resolve("registry"), RegistryServer.Setup.plainHttp());
        RegistryOptions o = RegistryOptions.defaults().withTlsVerify(false).withEnv(Map.of("HOME", dir.toString()))
                .withRetries(1, Duration.ofMillis(20));
        transports = Transports.standard().with(DockerTransport.with(o, new BlobLocations()));
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    private CopyContext context() {
        return CopyContext.of(tmp.resolve("cargohold"), StoreOptions.vfs(tmp.resolve("g"), tmp.resolve("r")));
    }

    private CopyResult copy(String from, String to, CopyOptions o) throws IOException {
        return ImageCopier.copy(transports.parse(from), transports.parse(to), context(), o);
    }

    private String docker(String repoTag) {
        return "docker://" + registry.host() + "/" + repoTag;
    }

    @Test
    void standardTransportsIncludeDocker() throws IOException {
        assertTrue(Transports.standard().names().contains("docker"));
        var e = assertThrows(InvalidArgumentException.class, () -> Transports.standard().parse("docker:" + registry.host() + "/x"));
        assertEquals("docker: image reference " + registry.host() + "/x does not start with //", e.getMessage());
        assertEquals("docker://docker.io/library/alpine:latest", Transports.standard().parse("docker://alpine").string());
    }

    @Test
    void pushPullRoundTripKeepsDigests() throws IOException {
        for (WrittenLayout w : java.util.List.of(TestImages.small(tmp.resolve("small")), TestImages.dockerSchema2(tmp.resolve("docker")))) {
            for (var r : w.refs()) {
                String name = "rt/" + w.dir().getFileName() + ":" + r.name();
                CopyResult pushed = copy("oci:" + w.dir() + ":" + r.name(), docker(name), CopyOptions.defaults());
                if (!io.cargohold.testkit.images.MediaTypes.OCI_MANIFEST.equals(r.descriptor().mediaType())) {
                    continue;
                }
                assertEquals(r.digest(), pushed.manifestDigest().toString());
                Path out = tmp.resolve("out-" + w.dir().getFileName());
                CopyResult pulled = copy(docker(name), "oci:" + out + ":" + r.name(), CopyOptions.defaults());
                assertEquals(r.digest(), pulled.manifestDigest().toString());
                for (String d : r.image().blobDigests()) {
                    assertArrayEquals(Files.readAllBytes(w.blobPath(d)), Files.readAllBytes(out.resolve("blobs/sha256").resolve(d.substring(7))));
                }
                // by digest, and verified
                CopyResult byDigest = copy(docker("rt/" + w.dir().getFileName() + "@" + r.digest()), "oci:" + tmp.resolve("bd") + ":x",
                        CopyOptions.defaults());
                assertEquals(r.digest(), byDigest.manifestDigest().toString());
            }
        }
    }

    @Test
    void pulledIntoTheStoreAndPushedAgainKeepsTheDigest() throws IOException {
        WrittenLayout w = TestImages.twoTagsSharingLayers(tmp.resolve("two"));
        String digest = w.ref("latest").digest();
        copy("oci:" + w.dir() + ":latest", docker("store/app:latest"), CopyOptions.defaults());
        CopyResult in = copy(docker("store/app:latest"), "cargohold:app:latest", CopyOptions.defaults());
        assertEquals(digest, in.manifestDigest().toString());
        CopyResult again = copy(docker("store/app:latest"), "cargohold:app:latest", CopyOptions.defaults());
        assertEquals(0, again.blobsCopied(), "a second pull downloads nothing");
        CopyResult out = copy("cargohold:app:latest", docker("store/back:latest"), CopyOptions.defaults());
        assertEquals(digest, out.manifestDigest().toString());
    }

    @Test
    void secondPushSkipsAndOtherRepositoryMounts() throws IOException {
        WrittenLayout w = TestImages.small(tmp.resolve("s"), 77);
        CopyResult first = copy("oci:" + w.dir() + ":latest", docker("skip/a:latest"), CopyOptions.defaults());
        assertTrue(first.blobsCopied() > 0);
        CopyResult second = copy("oci:" + w.dir() + ":latest", docker("skip/a:again"), CopyOptions.defaults());
        assertEquals(0, second.blobsCopied());
        // docker -> docker on one registry: the source's blobs are mounted into the other repository
        CopyResult mounted = copy(docker("skip/a:latest"), docker("skip/b:latest"), CopyOptions.defaults());
        assertEquals(0, mounted.blobsCopied());
        assertEquals(0, mounted.bytesCopied());
        try (RegistryClient c = RegistryClient.open(registry.host(), transports.parse(docker("x")) instanceof DockerImageReference d
                ? d.owner().options() : null)) {
            var image = w.ref("latest").image();
            for (String b : image.blobDigests()) {
                if (!b.equals(image.manifest().digest())) {
                    assertTrue(c.headBlob("skip/b", io.cargohold.digest.Digest.parse(b)).isPresent(), b);
                }
            }
        }
    }

    @Test
    void multiArchIndexWithAll() throws IOException {
        WrittenLayout w = TestImages.multiArch(tmp.resolve("multi"));
        String digest = w.ref("latest").digest();
        CopyResult pushed = copy("oci:" + w.dir() + ":latest", docker("multi/img:latest"), CopyOptions.defaults().withAll(true));
        assertEquals(digest, pushed.manifestDigest().toString());
        assertEquals(2, pushed.instances());
        CopyResult pulled = copy(docker("multi/img:latest"), "oci:" + tmp.resolve("multi-out") + ":latest", CopyOptions.defaults().withAll(true));
        assertEquals(digest, pulled.manifestDigest().toString());
    }

    @Test
    void missingImagesAndLyingDigestsAreErrors() throws IOException {
        var e = assertThrows(NotFoundException.class, () -> copy(docker("none/such:latest"), "oci:" + tmp.resolve("x") + ":x",
                CopyOptions.defaults()));
        assertTrue(e.getMessage().contains("reading manifest latest in " + registry.host() + "/none/such"), e.getMessage());
        WrittenLayout w = TestImages.small(tmp.resolve("s2"), 5);
        copy("oci:" + w.dir() + ":latest", docker("lie/img:latest"), CopyOptions.defaults());
        String other = TestImages.small(tmp.resolve("s3"), 6).ref("latest").digest();
        assertThrows(NotFoundException.class, () -> copy(docker("lie/img@" + other), "oci:" + tmp.resolve("y") + ":x", CopyOptions.defaults()));
    }
}
