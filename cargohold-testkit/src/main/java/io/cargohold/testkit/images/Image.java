package io.cargohold.testkit.images;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A built image: manifest, config and layer blobs with their descriptors. Made by {@link ImageBuilder}. */
public final class Image {
    private final Descriptor manifest;
    private final Blob manifestBlob;
    private final Descriptor config;
    private final Blob configBlob;
    private final List<Descriptor> layers;
    private final List<Blob> layerBlobs;
    private final List<String> diffIds;
    private final Platform platform;
    private final List<Layer> sources;

    Image(Descriptor manifest, Blob manifestBlob, Descriptor config, Blob configBlob, List<Descriptor> layers,
            List<Blob> layerBlobs, List<String> diffIds, Platform platform, List<Layer> sources) {
        this.manifest = manifest;
        this.manifestBlob = manifestBlob;
        this.config = config;
        this.configBlob = configBlob;
        this.layers = List.copyOf(layers);
        this.layerBlobs = List.copyOf(layerBlobs);
        this.diffIds = List.copyOf(diffIds);
        this.platform = platform;
        this.sources = List.copyOf(sources);
    }

    /** Descriptor of the manifest (no platform, no annotations). */
    public Descriptor manifest() {
        return manifest;
    }

    public Descriptor config() {
        return config;
    }

    public List<Descriptor> layers() {
        return layers;
    }

    public List<String> diffIds() {
        return diffIds;
    }

    public Platform platform() {
        return platform;
    }

    /** The layers as built (uncompressed tars and entries), in manifest order. */
    public List<Layer> layerSources() {
        return sources;
    }

    public byte[] manifestJson() {
        return bytes(manifestBlob);
    }

    public byte[] configJson() {
        return bytes(configBlob);
    }

    public boolean isDocker() {
        return MediaTypes.DOCKER_MANIFEST.equals(manifest.mediaType());
    }

    /** Every blob of the image by digest: config, layers (each once), manifest. */
    public Map<String, Blob> blobs() {
        Map<String, Blob> m = new LinkedHashMap<>();
        m.put(config.digest(), configBlob);
        for (Blob b : layerBlobs) {
            m.putIfAbsent(b.digest(), b);
        }
        m.put(manifest.digest(), manifestBlob);
        return m;
    }

    /** A summary without content. */
    public ImageInfo info() {
        return new ImageInfo(manifest, config, layers, diffIds, platform);
    }

    private static byte[] bytes(Blob b) {
        try {
            return b.bytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "Image " + manifest.digest() + " " + platform + " (" + layers.size() + " layers)";
    }
}
