package io.cargohold.testkit.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageBuilderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Layer BASE = LayerBuilder.create().dir("etc").file("etc/hostname", "h\n").build();
    private static final Layer TOP = LayerBuilder.create().whiteout("etc/hostname").build();

    @Test
    void configHasPlatformRunConfigRootfsAndHistory() throws IOException {
        Image img = ImageBuilder.create().platform("linux/arm64/v8").created(Instant.parse("2024-01-02T03:04:05Z"))
                .author("me").env("PATH=/bin", "A=b").entrypoint("/bin/sh", "-c").cmd("echo hi").user("1000:1000")
                .workingDir("/w").exposedPort("8080/tcp").volume("/data").stopSignal("SIGTERM").label("k", "v")
                .layer(BASE, Compression.GZIP, "ADD base.tar /").history("ENV PATH=/bin")
                .layer(TOP, Compression.NONE).build();
        JsonNode c = JSON.readTree(img.configJson());
        assertEquals("2024-01-02T03:04:05Z", c.get("created").asText());
        assertEquals("me", c.get("author").asText());
        assertEquals("arm64", c.get("architecture").asText());
        assertEquals("linux", c.get("os").asText());
        assertEquals("v8", c.get("variant").asText());
        JsonNode run = c.get("config");
        assertEquals(List.of("PATH=/bin", "A=b"), strings(run.get("Env")));
        assertEquals(List.of("/bin/sh", "-c"), strings(run.get("Entrypoint")));
        assertEquals(List.of("echo hi"), strings(run.get("Cmd")));
        assertEquals("1000:1000", run.get("User").asText());
        assertEquals("/w", run.get("WorkingDir").asText());
        assertTrue(run.get("ExposedPorts").has("8080/tcp"));
        assertTrue(run.get("Volumes").has("/data"));
        assertEquals("v", run.get("Labels").get("k").asText());
        assertEquals("layers", c.get("rootfs").get("type").asText());
        assertEquals(List.of(BASE.diffId(), TOP.diffId()), strings(c.get("rootfs").get("diff_ids")));
        JsonNode h = c.get("history");
        assertEquals(3, h.size());
        assertEquals("ADD base.tar /", h.get(0).get("created_by").asText());
        assertFalse(h.get(0).has("empty_layer"));
        assertTrue(h.get(1).get("empty_layer").asBoolean());
        assertEquals("ADD layer-2.tar /", h.get(2).get("created_by").asText());
        assertEquals(Platform.LINUX_ARM64_V8, img.platform());
    }

    @Test
    void historyTimesDefaultToTheImageCreatedTimeWhenBuilt() throws IOException {
        Image img = ImageBuilder.create().layer(BASE).history("ENV A=b")
                .layer(TOP, Compression.GZIP, 6, "RUN x", Instant.parse("2020-01-01T00:00:00Z"))
                .created(Instant.parse("2024-05-06T07:08:09Z")).build();
        JsonNode h = JSON.readTree(img.configJson()).get("history");
        assertEquals("2024-05-06T07:08:09Z", h.get(0).get("created").asText());
        assertEquals("2024-05-06T07:08:09Z", h.get(1).get("created").asText());
        assertEquals("2020-01-01T00:00:00Z", h.get(2).get("created").asText());
    }

    @Test
    void manifestDescribesTheExactBytes() throws IOException {
        Image img = ImageBuilder.create().layer(BASE).layer(TOP, Compression.ZSTD).manifestAnnotation("a", "b").build();
        JsonNode m = JSON.readTree(img.manifestJson());
        assertEquals(2, m.get("schemaVersion").asInt());
        assertEquals(MediaTypes.OCI_MANIFEST, m.get("mediaType").asText());
        assertEquals(MediaTypes.OCI_CONFIG, m.get("config").get("mediaType").asText());
        assertEquals(LayoutCheck.sha256(img.configJson()), m.get("config").get("digest").asText());
        assertEquals(img.configJson().length, m.get("config").get("size").asLong());
        assertEquals(MediaTypes.OCI_LAYER_GZIP, m.get("layers").get(0).get("mediaType").asText());
        assertEquals(BASE.blob(Compression.GZIP).digest(), m.get("layers").get(0).get("digest").asText());
        assertEquals(MediaTypes.OCI_LAYER_ZSTD, m.get("layers").get(1).get("mediaType").asText());
        assertEquals(TOP.blob(Compression.ZSTD).size(), m.get("layers").get(1).get("size").asLong());
        assertEquals("b", m.get("annotations").get("a").asText());
        assertEquals(new Descriptor(MediaTypes.OCI_MANIFEST, LayoutCheck.sha256(img.manifestJson()), img.manifestJson().length),
                img.manifest());
        assertEquals(List.of(img.config().digest(), BASE.blob(Compression.GZIP).digest(), TOP.blob(Compression.ZSTD).digest(),
                img.manifest().digest()), List.copyOf(img.blobs().keySet()));
        assertEquals(img.info().blobDigests(), List.copyOf(img.blobs().keySet()));
    }

    @Test
    void dockerMediaTypes() throws IOException {
        Image img = ImageBuilder.create().dockerMediaTypes().layer(BASE).layer(TOP, Compression.NONE).build();
        JsonNode m = JSON.readTree(img.manifestJson());
        assertEquals(MediaTypes.DOCKER_MANIFEST, m.get("mediaType").asText());
        assertEquals(MediaTypes.DOCKER_CONFIG, m.get("config").get("mediaType").asText());
        assertEquals(MediaTypes.DOCKER_LAYER_GZIP, m.get("layers").get(0).get("mediaType").asText());
        assertEquals(MediaTypes.DOCKER_LAYER, m.get("layers").get(1).get("mediaType").asText());
        assertEquals(MediaTypes.DOCKER_MANIFEST, img.manifest().mediaType());
        assertTrue(img.isDocker());
        assertThrows(IllegalArgumentException.class, () -> ImageBuilder.create().dockerMediaTypes().layer(BASE, Compression.ZSTD));
        assertThrows(IllegalStateException.class,
                () -> ImageBuilder.create().dockerMediaTypes().layer(BASE).manifestAnnotation("a", "b").build());
    }

    @Test
    void indexEntriesCarryPlatforms() throws IOException {
        Image amd = ImageBuilder.create().layer(BASE).build();
        Image arm = ImageBuilder.create().platform(Platform.LINUX_ARM64_V8).layer(BASE).build();
        ImageIndex idx = IndexBuilder.create().add(amd).add(arm).annotation("x", "y").build();
        JsonNode j = JSON.readTree(idx.json());
        assertEquals(MediaTypes.OCI_INDEX, j.get("mediaType").asText());
        assertEquals(amd.manifest().digest(), j.get("manifests").get(0).get("digest").asText());
        assertEquals("amd64", j.get("manifests").get(0).get("platform").get("architecture").asText());
        assertFalse(j.get("manifests").get(0).get("platform").has("variant"));
        JsonNode p = j.get("manifests").get(1).get("platform");
        assertEquals("arm64", p.get("architecture").asText());
        assertEquals("linux", p.get("os").asText());
        assertEquals("v8", p.get("variant").asText());
        assertEquals(LayoutCheck.sha256(idx.json()), idx.descriptor().digest());
        // the shared layer is one blob
        assertEquals(6, idx.blobs().size(), "2 configs + 1 layer + 2 manifests + index");

        Image docker = ImageBuilder.create().dockerMediaTypes().layer(BASE).build();
        ImageIndex list = IndexBuilder.create().dockerManifestList().add(docker).build();
        assertEquals(MediaTypes.DOCKER_MANIFEST_LIST, JSON.readTree(list.json()).get("mediaType").asText());
        assertThrows(IllegalStateException.class, () -> IndexBuilder.create().dockerManifestList().add(amd).build());
    }

    @Test
    void platformParsing() {
        assertEquals(Platform.LINUX_ARM64_V8, Platform.parse("linux/arm64/v8"));
        assertEquals("linux/amd64", Platform.parse("linux/amd64").toString());
        assertThrows(IllegalArgumentException.class, () -> Platform.parse("linux"));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
