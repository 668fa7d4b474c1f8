package io.cargohold.testkit.images;

import java.util.List;
import java.util.NoSuchElementException;

/**
 * One index.json entry that was written.
 *
 * @param name       the {@code org.opencontainers.image.ref.name} value, or null for an untagged entry
 * @param descriptor the index.json entry (manifest or index descriptor with the annotation)
 * @param isIndex    true when it points at an image index
 * @param images     the image (one) or the index's images (in index order)
 */
public record WrittenRef(String name, Descriptor descriptor, boolean isIndex, List<ImageInfo> images) {
    public WrittenRef {
        images = List.copyOf(images);
    }

    /** The digest skopeo reports as {@code Digest} for this reference (manifest or index digest). */
    public String digest() {
        return descriptor.digest();
    }

    /** The only image (throws for an index of several). */
    public ImageInfo image() {
        if (images.size() != 1) {
            throw new IllegalStateException(name + " has " + images.size() + " images");
        }
        return images.getFirst();
    }

    /** The image for a platform, e.g. {@code linux/arm64/v8}. */
    public ImageInfo image(Platform p) {
        return images.stream().filter(i -> i.platform().equals(p)).findFirst()
                .orElseThrow(() -> new NoSuchElementException(name + " has no " + p));
    }
}
