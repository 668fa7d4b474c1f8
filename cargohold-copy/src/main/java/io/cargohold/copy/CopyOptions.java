package io.cargohold.copy;

import io.cargohold.oci.Platform;

/**
 * How to copy (skopeo copy's options). {@code platform} null = this machine's; {@code compression}
 * null = keep each layer's compression (gzip where a destination wants uncompressed layers
 * compressed); {@code compressionLevel} null = the format's default; {@code parallelism} = blobs moved
 * at once where the destination allows it.
 */
public record CopyOptions(boolean all, Platform platform, boolean removeSignatures, LayerFormat compression,
                          Integer compressionLevel, int parallelism, CopyListener listener) {
    /** Layer compressions a copy can write. */
    public enum LayerFormat { GZIP, ZSTD }

    public CopyOptions {
        listener = listener == null ? CopyListener.NONE : listener;
        if (parallelism < 1) {
            parallelism = 1;
        }
    }

    public static CopyOptions defaults() {
        return new CopyOptions(false, null, false, null, null, 4, CopyListener.NONE);
    }

    public CopyOptions withAll(boolean a) {
        return new CopyOptions(a, platform, removeSignatures, compression, compressionLevel, parallelism, listener);
    }

    public CopyOptions withPlatform(Platform p) {
        return new CopyOptions(all, p, removeSignatures, compression, compressionLevel, parallelism, listener);
    }

    public CopyOptions withRemoveSignatures(boolean r) {
        return new CopyOptions(all, platform, r, compression, compressionLevel, parallelism, listener);
    }

    public CopyOptions withCompression(LayerFormat c, Integer level) {
        return new CopyOptions(all, platform, removeSignatures, c, level, parallelism, listener);
    }

    public CopyOptions withParallelism(int n) {
        return new CopyOptions(all, platform, removeSignatures, compression, compressionLevel, n, listener);
    }

    public CopyOptions withListener(CopyListener l) {
        return new CopyOptions(all, platform, removeSignatures, compression, compressionLevel, parallelism, l);
    }
}
