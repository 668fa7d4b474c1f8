package io.cargohold.copy;

import io.cargohold.oci.Platform;
import io.cargohold.oci.graph.DescriptorWalker;

/**
 * How to copy (skopeo copy's options). {@code platform} null = this machine's; {@code compression}
 * null = keep each layer's compression (gzip where a destination wants uncompressed layers
 * compressed); {@code compressionLevel} null = the format's default; {@code parallelism} = blobs moved
 * at once where the destination allows it; {@code maxGraphDepth} and {@code maxGraphBlobs} = how deep
 * (documents nested below the top) and how wide (blobs in all) the descriptor graph of an index copied
 * with {@code all} may be (the descriptor walker's limits, 16 and 250,000, unless set).
 */
public record CopyOptions(boolean all, Platform platform, boolean removeSignatures, LayerFormat compression,
                          Integer compressionLevel, int parallelism, CopyListener listener, int maxGraphDepth, int maxGraphBlobs) {
    /** Layer compressions a copy can write. */
    public enum LayerFormat { GZIP, ZSTD }

    public CopyOptions {
        listener = listener == null ? CopyListener.NONE : listener;
        if (maxGraphDepth < 0 || maxGraphBlobs < 1) {
            throw new IllegalArgumentException("graph limits: depth " + maxGraphDepth + " (0 or more), blobs " + maxGraphBlobs + " (1 or more)");
        }
        if (parallelism < 1) {
            parallelism = 1;
        }
    }

    public CopyOptions(boolean all, Platform platform, boolean removeSignatures, LayerFormat compression,
                       Integer compressionLevel, int parallelism, CopyListener listener) {
        this(all, platform, removeSignatures, compression, compressionLevel, parallelism, listener, DescriptorWalker.MAX_DEPTH,
                DescriptorWalker.MAX_BLOBS);
    }

    public static CopyOptions defaults() {
        return new CopyOptions(false, null, false, null, null, 4, CopyListener.NONE);
    }

    public CopyOptions withAll(boolean a) {
        return new CopyOptions(a, platform, removeSignatures, compression, compressionLevel, parallelism, listener, maxGraphDepth, maxGraphBlobs);
    }

    public CopyOptions withPlatform(Platform p) {
        return new CopyOptions(all, p, removeSignatures, compression, compressionLevel, parallelism, listener, maxGraphDepth, maxGraphBlobs);
    }

    public CopyOptions withRemoveSignatures(boolean r) {
        return new CopyOptions(all, platform, r, compression, compressionLevel, parallelism, listener, maxGraphDepth, maxGraphBlobs);
    }

    public CopyOptions withCompression(LayerFormat c, Integer level) {
        return new CopyOptions(all, platform, removeSignatures, c, level, parallelism, listener, maxGraphDepth, maxGraphBlobs);
    }

    public CopyOptions withParallelism(int n) {
        return new CopyOptions(all, platform, removeSignatures, compression, compressionLevel, n, listener, maxGraphDepth, maxGraphBlobs);
    }

    public CopyOptions withGraphLimits(int maxDepth, int maxBlobs) {
        return new CopyOptions(all, platform, removeSignatures, compression, compressionLevel, parallelism, listener, maxDepth, maxBlobs);
    }

    public CopyOptions withListener(CopyListener l) {
        return new CopyOptions(all, platform, removeSignatures, compression, compressionLevel, parallelism, l, maxGraphDepth, maxGraphBlobs);
    }
}
