package io.cargohold.copy;

import io.cargohold.digest.Digest;
import io.cargohold.oci.Descriptor;

/**
 * One blob on its way to a destination. {@code descriptor} is what the blob will be: its digest and
 * size are null / -1 when the engine transforms the layer on the way (compression changed) and the
 * destination must compute them. {@code original} is the descriptor the source's manifest names (the
 * same as {@code descriptor} when nothing changes). For a layer, {@code layerIndex} is its position
 * in the manifest (0 = base) and {@code diffId} its uncompressed digest from the config's
 * {@code rootfs.diff_ids} (null when the config has none); {@code diffIds} are those of the layers
 * up to and including this one, so a destination can derive layer identities from the chain
 * (containers-storage's layer IDs).
 */
public record CopyBlob(Descriptor descriptor, Descriptor original, Kind kind, int layerIndex, Digest diffId,
                       java.util.List<Digest> diffIds) {
    public enum Kind { CONFIG, LAYER }

    public CopyBlob {
        diffIds = diffIds == null ? java.util.List.of() : java.util.List.copyOf(diffIds);
    }

    public static CopyBlob config(Descriptor d) {
        return new CopyBlob(d, d, Kind.CONFIG, -1, null, null);
    }

    /** True when the engine changes the bytes on the way, so the digest is not known before they are written. */
    public boolean transformed() {
        return descriptor.digest() == null;
    }
}
