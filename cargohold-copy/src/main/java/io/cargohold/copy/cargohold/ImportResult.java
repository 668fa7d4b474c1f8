package io.cargohold.copy.cargohold;

import io.cargohold.oci.ImageRef;

/**
 * One imported reference: its descriptor, how many blobs the image has, their bytes, and how many
 * of them were new to the store (0 on a repeated import).
 */
public record ImportResult(ImageRef image, int blobs, long bytes, int newBlobs) {
}
