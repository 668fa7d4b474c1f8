package io.cargohold.oci;

import java.util.List;

/** The platform of a manifest in an index. Optional fields are null (or an empty list). */
public record Platform(String architecture, String os, String osVersion, List<String> osFeatures, String variant) {
    public Platform {
        osFeatures = osFeatures == null ? List.of() : List.copyOf(osFeatures);
    }

    /** {@code linux/arm64/v8} style. */
    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }
}
