package io.cargohold.oci;

import java.util.List;

/**
 * What {@code inspect} shows: the reference, its document (raw bytes kept), and for an index its
 * platforms; for a manifest its config (raw, and the platform it declares) and layers.
 */
public record Inspection(ImageRef image, OciDocument document, List<Descriptor> platforms, byte[] config,
                         Platform configPlatform, String created) {
    public Inspection {
        platforms = List.copyOf(platforms);
    }
}
