package io.cargohold.testkit.images;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a multi-arch image index ({@code application/vnd.oci.image.index.v1+json}) whose entries
 * carry {@code platform {architecture, os, variant}} taken from each image, or a Docker manifest
 * list ({@link #dockerManifestList()}, for images with Docker media types).
 *
 * <pre>{@code
 * ImageIndex idx = IndexBuilder.create().add(amd64Image).add(arm64Image).build();
 * }</pre>
 */
public final class IndexBuilder {
    private final List<Image> images = new ArrayList<>();
    private final List<Platform> platforms = new ArrayList<>();
    private final Map<String, String> annotations = new LinkedHashMap<>();
    private boolean docker;

    private IndexBuilder() {}

    public static IndexBuilder create() {
        return new IndexBuilder();
    }

    public IndexBuilder add(Image image) {
        return add(image, image.platform());
    }

    /** Adds an image under a platform other than its config's (to test mismatches). */
    public IndexBuilder add(Image image, Platform platform) {
        images.add(image);
        platforms.add(platform);
        return this;
    }

    /** Media type {@code application/vnd.docker.distribution.manifest.list.v2+json}; all images must be Docker ones. */
    public IndexBuilder dockerManifestList() {
        this.docker = true;
        return this;
    }

    public IndexBuilder annotation(String key, String value) {
        annotations.put(key, value);
        return this;
    }

    public ImageIndex build() {
        if (images.isEmpty()) {
            throw new IllegalStateException("an index needs at least one image");
        }
        if (docker && images.stream().anyMatch(i -> !i.isDocker())) {
            throw new IllegalStateException("a Docker manifest list can only hold Docker manifests");
        }
        if (docker && !annotations.isEmpty()) {
            throw new IllegalStateException("Docker manifest lists have no annotations");
        }
        List<Descriptor> entries = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            entries.add(images.get(i).manifest().withPlatform(platforms.get(i)));
        }
        String mt = docker ? MediaTypes.DOCKER_MANIFEST_LIST : MediaTypes.OCI_INDEX;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schemaVersion", 2);
        m.put("mediaType", mt);
        m.put("manifests", entries.stream().map(Descriptor::toJson).toList());
        if (!annotations.isEmpty()) {
            m.put("annotations", annotations);
        }
        Blob blob = Blob.of(Json.write(m));
        return new ImageIndex(new Descriptor(mt, blob.digest(), blob.size()), blob, entries, images);
    }
}
