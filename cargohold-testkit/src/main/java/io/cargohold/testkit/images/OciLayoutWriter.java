package io.cargohold.testkit.images;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a new OCI image layout directory ({@code oci-layout}, {@code blobs/sha256/<hex>},
 * {@code index.json}), independently of any production code. Each reference is an index.json entry
 * with the annotation {@code org.opencontainers.image.ref.name} = the tag (e.g. {@code latest}), as
 * skopeo writes for {@code oci:DIR:latest}; it points at an image manifest or an image index.
 * Blobs shared between references are stored once. Blobs are written first, index.json last.
 *
 * <pre>{@code
 * WrittenLayout out = new OciLayoutWriter(dir).tag("latest", image).tag("multi", index).write();
 * }</pre>
 */
public final class OciLayoutWriter {
    private record Ref(String name, Descriptor descriptor, List<Image> images, boolean isIndex, Map<String, Blob> blobs) {}

    private final Path dir;
    private final List<Ref> refs = new ArrayList<>();

    public OciLayoutWriter(Path dir) {
        this.dir = dir;
    }

    /** References {@code image}'s manifest as {@code name}. */
    public OciLayoutWriter tag(String name, Image image) {
        return add(new Ref(name, image.manifest(), List.of(image), false, image.blobs()));
    }

    /** References {@code index} as {@code name}. */
    public OciLayoutWriter tag(String name, ImageIndex index) {
        return add(new Ref(name, index.descriptor(), index.images(), true, index.blobs()));
    }

    /** Adds the image's manifest to index.json without a ref.name annotation. */
    public OciLayoutWriter untagged(Image image) {
        return add(new Ref(null, image.manifest(), List.of(image), false, image.blobs()));
    }

    private OciLayoutWriter add(Ref r) {
        if (r.name() != null && refs.stream().anyMatch(x -> r.name().equals(x.name()))) {
            throw new IllegalArgumentException("duplicate reference: " + r.name());
        }
        refs.add(r);
        return this;
    }

    /** Writes the layout; {@code dir} may exist but must not hold a layout yet. */
    public WrittenLayout write() throws IOException {
        if (Files.exists(dir.resolve("index.json")) || Files.exists(dir.resolve("oci-layout"))) {
            throw new IOException("already an OCI layout: " + dir);
        }
        Path blobDir = dir.resolve("blobs").resolve("sha256");
        Files.createDirectories(blobDir);
        SortedBlobs written = new SortedBlobs();
        for (Ref r : refs) {
            for (Blob b : r.blobs().values()) {
                if (written.add(b)) {
                    b.writeTo(blobDir.resolve(b.hex()));
                }
            }
        }
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}", StandardCharsets.UTF_8);

        List<Object> manifests = new ArrayList<>();
        List<WrittenRef> result = new ArrayList<>();
        for (Ref r : refs) {
            Descriptor d = r.name() == null ? r.descriptor() : r.descriptor().withAnnotations(Map.of(MediaTypes.REF_NAME, r.name()));
            manifests.add(d.toJson());
            result.add(new WrittenRef(r.name(), d, r.isIndex(), r.images().stream().map(Image::info).toList()));
        }
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("schemaVersion", 2);
        index.put("mediaType", MediaTypes.OCI_INDEX);
        index.put("manifests", manifests);
        Files.write(dir.resolve("index.json"), Json.write(index));
        return new WrittenLayout(dir, result, written.sizes);
    }

    private static final class SortedBlobs {
        final TreeMap<String, Long> sizes = new TreeMap<>();

        boolean add(Blob b) {
            return sizes.putIfAbsent(b.digest(), b.size()) == null;
        }
    }
}
