package io.cargohold.testkit.images;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A built image index and its images. Made by {@link IndexBuilder}. */
public final class ImageIndex {
    private final Descriptor descriptor;
    private final Blob blob;
    private final List<Descriptor> manifests;
    private final List<Image> images;

    ImageIndex(Descriptor descriptor, Blob blob, List<Descriptor> manifests, List<Image> images) {
        this.descriptor = descriptor;
        this.blob = blob;
        this.manifests = List.copyOf(manifests);
        this.images = List.copyOf(images);
    }

    /** Descriptor of the index blob. */
    public Descriptor descriptor() {
        return descriptor;
    }

    /** The index's entries (manifest descriptors with platform). */
    public List<Descriptor> manifests() {
        return manifests;
    }

    public List<Image> images() {
        return images;
    }

    public byte[] json() {
        try {
            return blob.bytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every blob: each image's blobs, then the index. */
    public Map<String, Blob> blobs() {
        Map<String, Blob> m = new LinkedHashMap<>();
        for (Image i : images) {
            i.blobs().forEach(m::putIfAbsent);
        }
        m.put(descriptor.digest(), blob);
        return m;
    }

    @Override
    public String toString() {
        return "ImageIndex " + descriptor.digest() + " (" + images.size() + " manifests)";
    }
}
