package io.cargohold.copy;

import io.cargohold.oci.Platform;
import io.cargohold.oci.graph.DescriptorWalker;

/**
 * How to copy (skopeo copy's options). {@code platform} null = this machine's; {@code compression}
 * null = keep each layer's compression (gzip where a destination wants uncompressed layers
 * compressed); {@code compressionLevel} null = the format's default; {@code parallelism} = blobs moved
 * at once where the destination allows it; {@code graphLimits} = how deep and wide the descriptor
 * graph of an index copied with {@code all} may be (the walker's defaults unless set).
 */
public record CopyOptions(boolean all, Platform platform, boolean removeSignatures, LayerFormat compression,
                          Integer compressionLevel, int parallelism, CopyListener listener, DescriptorWalker.Limits graphLimits) {
    /** Layer compressions a copy can write. */
    public enum LayerFormat { GZIP, ZSTD }

    public CopyOptions {
        listener = listener == null ? CopyListener.NONE : listener;
        graphLimits = graphLimits == null ? DescriptorWalker.Limits.DEFAULT : graphLimits;
        if (parallelism < 1) {
            parallelism = 1;
        }
    }

    public CopyOptions(boolean all, Platform platform, boolean removeSignatures, LayerFormat compression,
                       Integer compressionLevel, int parallelism, CopyListener listener) {
        this(all, platform, removeSignatures, compression, compressionLevel, parallelism, listener, null);
    }

    public static CopyOptions defaults() {
        return new CopyOptions(false, null, false, null, null, 4, CopyListener.NONE);
    }

    public CopyOptions withAll(boolean a) {
        return new CopyOptions(a, platform, removeSignatures, compression, compressionLevel, parallelism, listener, graphLimits);
    }

    public CopyOptions withPlatform(Platform p) {
        return new CopyOptions(all, p, removeSignatures, compression, compressionLevel, parallelism, listener, graphLimits);
    }

    public CopyOptions withRemoveSignatures(boolean r) {
        return new CopyOptions(all, platform, r, compression, compressionLevel, parallelism, listener, graphLimits);
    }

    public CopyOptions withCompression(LayerFormat c, Integer level) {
        return new CopyOptions(all, platform, removeSignatures, c, level, parallelism, listener, graphLimits);
    }

    public CopyOptions withParallelism(int n) {
        return new CopyOptions(all, platform, removeSignatures, compression, compressionLevel, n, listener, graphLimits);
    }

    public CopyOptions withGraphLimits(DescriptorWalker.Limits l) {
        return new CopyOptions(all, platform, removeSignatures, compression, compressionLevel, parallelism, listener, l);
    }

    public CopyOptions withListener(CopyListener l) {
        return new CopyOptions(all, platform, removeSignatures, compression, compressionLevel, parallelism, l, graphLimits);
    }
}
