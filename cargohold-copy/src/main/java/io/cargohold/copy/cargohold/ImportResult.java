package io.cargohold.copy.cargohold;

import io.cargohold.copy.CopyResult;
import io.cargohold.oci.ImageRef;

/**
 * One imported reference: its descriptor, how many blobs the image has, their bytes, and how many
 * of them were new to the store (0 on a repeated import); the copy it was ({@link CopyResult}: source,
 * destination, blobs copied and reused) and how long it took.
 */
public record ImportResult(ImageRef image, int blobs, long bytes, int newBlobs, CopyResult copy, double seconds) {
}
