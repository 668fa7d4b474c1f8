package io.cargohold.testkit.images;

import java.util.List;

/**
 * What was written for one image, without content.
 *
 * @param manifest descriptor of the manifest (no platform, no annotations)
 * @param config   descriptor of the config blob
 * @param layers   layer descriptors in manifest order (media type says the compression)
 * @param diffIds  {@code rootfs.diff_ids}: digests of the uncompressed layer tars
 * @param platform the platform in the config
 */
public record ImageInfo(Descriptor manifest, Descriptor config, List<Descriptor> layers, List<String> diffIds,
        Platform platform) {
    public ImageInfo {
        layers = List.copyOf(layers);
        diffIds = List.copyOf(diffIds);
    }

    /** Digests of config, layers and manifest. */
    public List<String> blobDigests() {
        var all = new java.util.ArrayList<String>();
        all.add(config.digest());
        layers.forEach(l -> all.add(l.digest()));
        all.add(manifest.digest());
        return all;
    }
}
