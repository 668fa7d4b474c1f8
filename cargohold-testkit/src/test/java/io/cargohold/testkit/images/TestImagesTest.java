package io.cargohold.testkit.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The cases on their own (no external tool): well-formed, deterministic, seed-dependent. */
class TestImagesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static java.util.stream.Stream<Cases> cases() {
        return Cases.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void wellFormedDeterministicAndSeedDependent(Cases c, @TempDir Path dir) throws IOException {
        WrittenLayout a = c.write(dir.resolve("a"), 1);
        LayoutCheck.verify(a);
        assertEquals(c.refs(), a.refNames());
        assertFalse(Files.exists(dir.resolve("a/.spool")), "no spool left behind");

        WrittenLayout b = c.write(dir.resolve("b"), 1);
        assertEquals(a.refs(), b.refs(), "same seed, same digests");
        assertEquals(a.blobs(), b.blobs());
        assertArrayEquals(Files.readAllBytes(a.dir().resolve("index.json")), Files.readAllBytes(b.dir().resolve("index.json")));

        WrittenLayout other = c.write(dir.resolve("c"), 2);
        for (String ref : c.refs()) {
            assertNotEquals(a.ref(ref).digest(), other.ref(ref).digest(), "another seed, other content: " + ref);
        }
    }

    @Test
    void twoTagsShareAllButTheTopLayer(@TempDir Path dir) throws IOException {
        WrittenLayout w = TestImages.twoTagsSharingLayers(dir);
        ImageInfo latest = w.ref("latest").image();
        ImageInfo v2 = w.ref("v2").image();
        assertEquals(3, latest.layers().size());
        assertEquals(latest.layers().subList(0, 2), v2.layers().subList(0, 2));
        assertNotEquals(latest.layers().get(2), v2.layers().get(2));
        Set<String> union = new HashSet<>(latest.blobDigests());
        union.addAll(v2.blobDigests());
        assertEquals(union, w.blobs().keySet(), "shared layers are one blob file each");
        assertEquals(8, w.blobs().size(), "2 shared layers + 2 top layers + 2 configs + 2 manifests");
    }

    @Test
    void multiArchIndexesTwoPlatformsSharingTheBaseLayer(@TempDir Path dir) throws IOException {
        WrittenRef r = TestImages.multiArch(dir).ref("latest");
        assertTrue(r.isIndex());
        assertEquals(MediaTypes.OCI_INDEX, r.descriptor().mediaType());
        ImageInfo amd = r.image(Platform.LINUX_AMD64);
        ImageInfo arm = r.image(Platform.LINUX_ARM64_V8);
        assertEquals(amd.layers().getFirst(), arm.layers().getFirst());
        assertNotEquals(amd.layers().get(1), arm.layers().get(1));
    }

    @Test
    void zstdAndDockerMediaTypes(@TempDir Path dir) throws IOException {
        ImageInfo z = TestImages.zstd(dir.resolve("z")).ref("latest").image();
        assertTrue(z.layers().stream().allMatch(l -> l.mediaType().equals(MediaTypes.OCI_LAYER_ZSTD)));
        ImageInfo s = TestImages.small(dir.resolve("s")).ref("latest").image();
        assertEquals(s.diffIds(), z.diffIds(), "same content, other compression");

        WrittenLayout d = TestImages.dockerSchema2(dir.resolve("d"));
        ImageInfo bare = d.ref("bare").image();
        assertEquals(MediaTypes.DOCKER_MANIFEST, d.ref("bare").descriptor().mediaType());
        assertEquals(MediaTypes.DOCKER_CONFIG, bare.config().mediaType());
        assertTrue(bare.layers().stream().allMatch(l -> l.mediaType().equals(MediaTypes.DOCKER_LAYER_GZIP)));
        assertEquals(MediaTypes.OCI_INDEX, d.ref("latest").descriptor().mediaType());
        assertEquals(bare, d.ref("latest").image());
        assertEquals(s.diffIds(), bare.diffIds());
    }

    @Test
    void edgeCaseLayersHoldTheirEdgeCases() throws IOException {
        Image img = TestImages.edgeCasesImage(1);
        assertEquals(List.of(MediaTypes.OCI_LAYER_GZIP, MediaTypes.OCI_LAYER, MediaTypes.OCI_LAYER_GZIP),
                img.layers().stream().map(Descriptor::mediaType).toList());
        List<TarEntry> base = img.layerSources().get(0).entries();
        assertTrue(base.stream().anyMatch(e -> e.path().length() > 300), "a path over 300 bytes");
        assertTrue(base.stream().anyMatch(e -> e.name().length() == 255), "a 255-byte name");
        assertTrue(base.stream().anyMatch(e -> e.uid() == 3_000_000));
        assertTrue(base.stream().anyMatch(e -> e.type() == TarEntry.Type.FIFO));
        assertTrue(base.stream().anyMatch(e -> !e.xattrs().isEmpty()));
        assertTrue(base.stream().anyMatch(e -> e.mtime().getNano() != 0));
        assertTrue(base.stream().anyMatch(e -> (e.mode() & 04000) != 0 && e.type() == TarEntry.Type.FILE));
        List<TarEntry> update = img.layerSources().get(1).entries();
        assertEquals(5, update.stream().filter(e -> e.isWhiteout() && !e.isOpaqueWhiteout()).count());
        assertEquals(1, update.stream().filter(TarEntry::isOpaqueWhiteout).count());
        assertTrue(update.stream().anyMatch(e -> e.type() == TarEntry.Type.HARDLINK
                && e.linkTarget().equals("usr/local/bin/suid-tool")), "hard link into a lower layer");
        assertTrue(img.layerSources().get(2).entries().isEmpty());
        // within a directory, whiteouts come before the other entries (OCI image spec, "SHOULD")
        for (int i = 1; i < update.size(); i++) {
            TarEntry e = update.get(i);
            if (e.isWhiteout()) {
                String parent = e.path().contains("/") ? e.path().substring(0, e.path().lastIndexOf('/') + 1) : "";
                for (TarEntry before : update.subList(0, i)) {
                    boolean sibling = before.path().startsWith(parent) && before.path().indexOf('/', parent.length()) < 0;
                    assertFalse(sibling && !before.isWhiteout(), before.path() + " before " + e.path());
                }
            }
        }
    }

    @Test
    void dockerArchiveIsWhatDockerSaveWrites(@TempDir Path dir) throws IOException {
        WrittenDockerArchive w = TestImages.dockerArchive(dir.resolve("app.docker.tar"));
        WrittenDockerArchive.ArchivedImage img = w.image();
        Map<String, byte[]> files = new LinkedHashMap<>();
        try (InputStream f = Files.newInputStream(w.file()); TarArchiveInputStream tar = new TarArchiveInputStream(f)) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                files.put(e.getName(), e.isDirectory() ? null : tar.readAllBytes());
            }
        }
        assertEquals(Files.size(w.file()), w.size());
        JsonNode manifest = JSON.readTree(files.get("manifest.json"));
        assertEquals(1, manifest.size());
        assertEquals(img.configPath(), manifest.get(0).get("Config").asText());
        assertEquals("app:latest", manifest.get(0).get("RepoTags").get(0).asText());
        List<String> layers = JSON.convertValue(manifest.get(0).get("Layers"), JSON.getTypeFactory()
                .constructCollectionType(List.class, String.class));
        assertEquals(img.layerPaths(), layers);
        byte[] config = files.get(img.configPath());
        assertEquals(img.config().digest(), LayoutCheck.sha256(config));
        assertEquals(img.configPath(), img.config().hex() + ".json");
        JsonNode diffIds = JSON.readTree(config).get("rootfs").get("diff_ids");
        for (int i = 0; i < layers.size(); i++) {
            byte[] tar = files.get(layers.get(i));
            assertEquals(img.diffIds().get(i), LayoutCheck.sha256(tar));
            assertEquals(diffIds.get(i).asText(), img.diffIds().get(i));
            assertEquals(layers.get(i), img.diffIds().get(i).substring(7) + "/layer.tar");
            assertEquals(tar.length, img.layers().get(i).size());
        }
        Set<String> expected = layers.stream().flatMap(l -> java.util.stream.Stream.of(l, l.substring(0, 65)))
                .collect(Collectors.toSet());
        expected.add(img.configPath());
        expected.add("manifest.json");
        assertEquals(expected, files.keySet());
    }

    @Test
    void largeIsAboutTheRequestedSizeAndSpooledToDisk(@TempDir Path dir) throws IOException {
        long total = 20L << 20;
        WrittenLayout w = TestImages.large(dir, total);
        ImageInfo img = w.ref("latest").image();
        assertEquals(4, img.layers().size());
        long content = 0;
        for (String d : img.layers().stream().map(Descriptor::digest).toList()) {
            try (InputStream in = new java.util.zip.GZIPInputStream(Files.newInputStream(w.blobPath(d)));
                    TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
                for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                    content += e.getSize();
                }
            }
        }
        assertTrue(content >= total && content < total + 4096, "file content " + content + " for " + total);
        assertFalse(Files.exists(dir.resolve(".spool")));
    }
}
