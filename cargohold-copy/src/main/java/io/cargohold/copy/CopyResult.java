package io.cargohold.copy;

import io.cargohold.digest.Digest;

/**
 * What a copy did: the top-level manifest or index written at the destination (its digest is what
 * {@code --digestfile} records), how many instances (1 for a single image), blobs moved and reused,
 * and bytes read from the source.
 */
public record CopyResult(String source, String destination, RawManifest manifest, int instances, int blobsCopied,
                         int blobsReused, long bytesCopied) {
    public Digest manifestDigest() {
        return manifest.digest();
    }
}
