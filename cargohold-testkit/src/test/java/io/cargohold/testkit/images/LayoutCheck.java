package io.cargohold.testkit.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Checks an OCI layout on disk from scratch, independently of what the writer believes it wrote. */
final class LayoutCheck {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LayoutCheck() {}

    /**
     * oci-layout is right; every blob file's sha256 is its name; every descriptor reachable from
     * index.json names an existing blob of its size (and, for JSON, the media type it says); no
     * orphans; the files are exactly what {@code written} lists.
     */
    static void verify(WrittenLayout written) throws IOException {
        Path dir = written.dir();
        assertEquals("1.0.0", JSON.readTree(dir.resolve("oci-layout").toFile()).get("imageLayoutVersion").asText());
        TreeMap<String, Long> onDisk = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir.resolve("blobs/sha256"))) {
            for (Path f : files.toList()) {
                String digest = "sha256:" + sha256(f);
                assertEquals(f.getFileName().toString(), digest.substring(7), "blob file content does not match its name");
                onDisk.put(digest, Files.size(f));
            }
        }
        assertEquals(written.blobs(), onDisk, "blob files vs. WrittenLayout.blobs");

        JsonNode index = JSON.readTree(dir.resolve("index.json").toFile());
        assertEquals(2, index.get("schemaVersion").asInt());
        assertEquals(written.refs().size(), index.get("manifests").size());
        Set<String> reached = new HashSet<>();
        int i = 0;
        for (JsonNode d : index.get("manifests")) {
            WrittenRef ref = written.refs().get(i++);
            assertEquals(ref.descriptor().digest(), d.get("digest").asText());
            assertEquals(ref.descriptor().size(), d.get("size").asLong());
            assertEquals(ref.descriptor().mediaType(), d.get("mediaType").asText());
            JsonNode name = d.path("annotations").path(MediaTypes.REF_NAME);
            assertEquals(ref.name(), name.isMissingNode() ? null : name.asText());
            walk(dir, d, reached);
        }
        assertEquals(onDisk.keySet(), reached, "orphan blobs or dangling descriptors");
    }

    private static void walk(Path dir, JsonNode desc, Set<String> reached) throws IOException {
        String digest = desc.get("digest").asText();
        Path f = dir.resolve("blobs/sha256").resolve(digest.substring(7));
        assertTrue(Files.isRegularFile(f), "missing blob " + digest);
        assertEquals(desc.get("size").asLong(), Files.size(f), "size of " + digest);
        reached.add(digest);
        String mt = desc.get("mediaType").asText();
        if (mt.endsWith("index.v1+json") || mt.endsWith("manifest.list.v2+json")) {
            JsonNode idx = JSON.readTree(f.toFile());
            assertEquals(mt, idx.get("mediaType").asText());
            for (JsonNode m : idx.get("manifests")) {
                walk(dir, m, reached);
            }
        } else if (mt.endsWith("manifest.v1+json") || mt.endsWith("manifest.v2+json")) {
            JsonNode m = JSON.readTree(f.toFile());
            assertEquals(mt, m.get("mediaType").asText());
            walk(dir, m.get("config"), reached);
            JsonNode config = JSON.readTree(dir.resolve("blobs/sha256").resolve(m.get("config").get("digest").asText().substring(7)).toFile());
            assertEquals(m.get("layers").size(), config.get("rootfs").get("diff_ids").size(), "layers vs diff_ids");
            long nonEmptyHistory = 0;
            for (JsonNode h : config.get("history")) {
                nonEmptyHistory += h.path("empty_layer").asBoolean(false) ? 0 : 1;
            }
            assertEquals(m.get("layers").size(), nonEmptyHistory, "layers vs non-empty history entries");
            for (JsonNode l : m.get("layers")) {
                walk(dir, l, reached);
            }
        }
    }

    static String sha256(Path f) throws IOException {
        var md = Digests.sha256();
        try (InputStream in = Files.newInputStream(f)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static String sha256(byte[] b) {
        return Digests.sha256(b);
    }
}
