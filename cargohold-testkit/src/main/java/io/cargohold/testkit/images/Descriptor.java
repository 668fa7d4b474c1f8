package io.cargohold.testkit.images;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An OCI content descriptor as written into manifests, indexes and index.json.
 *
 * @param mediaType   media type of the referenced content
 * @param digest      {@code sha256:<hex>}
 * @param size        size in bytes of the exact content
 * @param platform    only in image index entries, else null
 * @param annotations never null; written only when not empty
 */
public record Descriptor(String mediaType, String digest, long size, Platform platform, Map<String, String> annotations) {
    public Descriptor {
        Objects.requireNonNull(mediaType, "mediaType");
        Objects.requireNonNull(digest, "digest");
        annotations = annotations == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(annotations));
    }

    public Descriptor(String mediaType, String digest, long size) {
        this(mediaType, digest, size, null, Map.of());
    }

    /** The hex part of the digest (the blob's file name under {@code blobs/sha256/}). */
    public String hex() {
        return Digests.hex(digest);
    }

    public Descriptor withPlatform(Platform p) {
        return new Descriptor(mediaType, digest, size, p, annotations);
    }

    public Descriptor withAnnotations(Map<String, String> a) {
        return new Descriptor(mediaType, digest, size, platform, a);
    }

    /** The JSON object (field order as the Go structs write it: mediaType, digest, size, platform, annotations). */
    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mediaType", mediaType);
        m.put("digest", digest);
        m.put("size", size);
        if (platform != null) {
            m.put("platform", Json.platform(platform));
        }
        if (!annotations.isEmpty()) {
            m.put("annotations", annotations);
        }
        return m;
    }
}
