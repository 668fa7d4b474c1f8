package io.cargohold.oci;

import io.cargohold.digest.Digest;
import java.util.List;
import java.util.Map;

/** An OCI content descriptor. {@code platform} and {@code artifactType} may be null. */
public record Descriptor(String mediaType, Digest digest, long size, List<String> urls, Map<String, String> annotations,
                         Platform platform, String artifactType) {
    public Descriptor {
        urls = urls == null ? List.of() : List.copyOf(urls);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    public static Descriptor of(String mediaType, Digest digest, long size) {
        return new Descriptor(mediaType, digest, size, null, null, null, null);
    }

    public Descriptor withAnnotations(Map<String, String> a) {
        return new Descriptor(mediaType, digest, size, urls, a, platform, artifactType);
    }
}
