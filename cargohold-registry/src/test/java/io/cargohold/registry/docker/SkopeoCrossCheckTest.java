package io.cargohold.registry.docker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cargohold.copy.CopyContext;
import io.cargohold.copy.CopyOptions;
import io.cargohold.copy.CopyResult;
import io.cargohold.copy.ImageCopier;
import io.cargohold.copy.Transports;
import io.cargohold.registry.RegistryOptions;
import io.cargohold.storage.StoreOptions;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.Tools;
import io.cargohold.testkit.images.WrittenLayout;
import io.cargohold.testkit.registry.RegistryServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * skopeo as the other client of the same registry: what we push skopeo reads with the same digests,
 * what skopeo pushes we pull with the same digests and DiffIDs, an index with --all both ways, and a
 * pull into containers-storage gives the layer IDs and image ID of skopeo's own pull.
 */
class SkopeoCrossCheckTest {
    private static final ObjectMapper JSON = new ObjectMapper();
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

    private CopyResult copy(String from, String to, CopyOptions o) throws IOException {
        return ImageCopier.copy(transports.parse(from), transports.parse(to),
                CopyContext.of(tmp.resolve("cargohold"), StoreOptions.vfs(tmp.resolve("g"), tmp.resolve("r"))), o);
    }

    private Tools.Result skopeo(Object... args) throws IOException {
        Path iso = tmp.resolve("skopeo-env");
        List<Object> cmd = new ArrayList<>();
        cmd.add(Tools.require("skopeo"));
        cmd.addAll(List.of(args));
        return Tools.ok(Tools.containersEnv(iso, tmp.resolve("skopeo-g"), tmp.resolve("skopeo-r")), cmd.toArray());
    }

    private String docker(String name) {
        return "docker://" + registry.host() + "/" + name;
    }

    private static String indexDigest(Path layout) throws IOException {
        return JSON.readTree(layout.resolve("index.json").toFile()).path("manifests").get(0).path("digest").asText();
    }

    @Test
    void skopeoReadsWhatWePush() throws IOException {
        WrittenLayout w = TestImages.twoTagsSharingLayers(tmp.resolve("layout"));
        String digest = w.ref("latest").digest();
        assertEquals(digest, copy("oci:" + w.dir() + ":latest", docker("ours/app:v1"), CopyOptions.defaults()).manifestDigest().toString());
        JsonNode in = JSON.readTree(skopeo("inspect", "--tls-verify=false", docker("ours/app:v1")).stdout());
        assertEquals(digest, in.path("Digest").asText());
        assertArrayEquals(Files.readAllBytes(w.blobPath(digest)), skopeo("inspect", "--raw", "--tls-verify=false", docker("ours/app:v1")).stdout());
        Path out = tmp.resolve("skopeo-out");
        skopeo("copy", "--src-tls-verify=false", docker("ours/app:v1"), "oci:" + out + ":v1");
        assertEquals(digest, indexDigest(out));
    }

    @Test
    void wePullWhatSkopeoPushes() throws IOException {
        WrittenLayout w = TestImages.small(tmp.resolve("layout"), 31);
        String digest = w.ref("latest").digest();
        skopeo("copy", "--dest-tls-verify=false", "oci:" + w.dir() + ":latest", docker("theirs/app:v1"));
        CopyResult r = copy(docker("theirs/app:v1"), "oci:" + tmp.resolve("ours") + ":v1", CopyOptions.defaults());
        assertEquals(digest, r.manifestDigest().toString());
        // the same config, so the same DiffIDs; and every layer byte for byte
        for (String b : w.ref("latest").image().blobDigests()) {
            assertArrayEquals(Files.readAllBytes(w.blobPath(b)), Files.readAllBytes(tmp.resolve("ours/blobs/sha256").resolve(b.substring(7))));
        }
        assertEquals(w.ref("latest").image().diffIds(), diffIds(tmp.resolve("ours"), w.ref("latest").image().config().digest()));
        // into the content store and out again: still the same digest
        copy(docker("theirs/app:v1"), "cargohold:app:v1", CopyOptions.defaults());
        assertEquals(digest, copy("cargohold:app:v1", docker("theirs/again:v1"), CopyOptions.defaults()).manifestDigest().toString());
    }

    private static List<String> diffIds(Path layout, String configDigest) throws IOException {
        JsonNode c = JSON.readTree(layout.resolve("blobs/sha256").resolve(configDigest.substring(7)).toFile());
        List<String> out = new ArrayList<>();
        c.path("rootfs").path("diff_ids").forEach(d -> out.add(d.asText()));
        return out;
    }

    @Test
    void multiArchIndexRoundTripsWithAll() throws IOException {
        WrittenLayout w = TestImages.multiArch(tmp.resolve("multi"));
        String digest = w.ref("latest").digest();
        skopeo("copy", "--all", "--dest-tls-verify=false", "oci:" + w.dir() + ":latest", docker("multi/theirs:v1"));
        assertEquals(digest, copy(docker("multi/theirs:v1"), docker("multi/ours:v1"), CopyOptions.defaults().withAll(true))
                .manifestDigest().toString());
        Path out = tmp.resolve("multi-out");
        skopeo("copy", "--all", "--src-tls-verify=false", docker("multi/ours:v1"), "oci:" + out + ":v1");
        assertEquals(digest, indexDigest(out));
    }

    @Test
    void pullIntoContainersStorageMatchesSkopeosPull() throws IOException {
        WrittenLayout w = TestImages.twoTagsSharingLayers(tmp.resolve("layout"), 41);
        copy("oci:" + w.dir() + ":latest", docker("cs/app:v1"), CopyOptions.defaults());
        Path g1 = tmp.resolve("ours-g");
        Path r1 = tmp.resolve("ours-r");
        copy(docker("cs/app:v1"), "containers-storage:[vfs@" + g1 + "+" + r1 + "]" + registry.host() + "/cs/app:v1", CopyOptions.defaults());
        Path g2 = tmp.resolve("skopeo-g");
        Path r2 = tmp.resolve("skopeo-r");
        skopeo("copy", "--src-tls-verify=false", docker("cs/app:v1"), "containers-storage:[vfs@" + g2 + "+" + r2 + "]" + registry.host() + "/cs/app:v1");
        assertEquals(ids(g2.resolve("vfs-layers/layers.json")), ids(g1.resolve("vfs-layers/layers.json")));
        assertEquals(ids(g2.resolve("vfs-images/images.json")), ids(g1.resolve("vfs-images/images.json")));
        // podman sees our pull as its own
        Tools.Result p = Tools.ok(Tools.require("podman"), "--root", g1, "--runroot", r1, "--storage-driver", "vfs", "images", "--format", "json");
        JsonNode images = JSON.readTree(p.stdout());
        assertEquals(1, images.size());
        assertEquals(ids(g2.resolve("vfs-images/images.json")).first(), images.get(0).path("Id").asText());
        JsonNode in = JSON.readTree(skopeo("inspect", "containers-storage:[vfs@" + g1 + "+" + r1 + "]" + registry.host() + "/cs/app:v1").stdout());
        assertEquals(w.ref("latest").digest(), in.path("Digest").asText());
    }

    private static TreeSet<String> ids(Path recordsFile) throws IOException {
        TreeSet<String> out = new TreeSet<>();
        for (JsonNode n : JSON.readTree(recordsFile.toFile())) {
            out.add(n.path("id").asText());
        }
        return out;
    }
}
