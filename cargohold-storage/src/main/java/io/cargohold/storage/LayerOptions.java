package io.cargohold.storage;

import java.util.List;

/**
 * What a new layer gets. {@code id} null means a generated one; {@code parent} null means a base
 * layer; ID maps null mean the parent's (or the store's). {@code compressedDigest} and
 * {@code uncompressedDigest} are sha256 digests a caller already knows for the diff it supplies
 * (upstream's OriginalDigest and UncompressedDigest): recorded as given, not recomputed.
 */
public record LayerOptions(String id, String parent, List<String> names, String metadata, String mountLabel,
                           List<IdMap> uidMap, List<IdMap> gidMap, String compressedDigest, String uncompressedDigest) {
    public static LayerOptions of(String parent) {
        return new LayerOptions(null, parent, List.of(), "", "", null, null, null, null);
    }

    public LayerOptions withId(String i) {
        return new LayerOptions(i, parent, names, metadata, mountLabel, uidMap, gidMap, compressedDigest, uncompressedDigest);
    }

    public LayerOptions withNames(List<String> n) {
        return new LayerOptions(id, parent, n, metadata, mountLabel, uidMap, gidMap, compressedDigest, uncompressedDigest);
    }

    public LayerOptions withMetadata(String m) {
        return new LayerOptions(id, parent, names, m, mountLabel, uidMap, gidMap, compressedDigest, uncompressedDigest);
    }

    public LayerOptions withMountLabel(String l) {
        return new LayerOptions(id, parent, names, metadata, l, uidMap, gidMap, compressedDigest, uncompressedDigest);
    }

    public LayerOptions withIdMaps(List<IdMap> uids, List<IdMap> gids) {
        return new LayerOptions(id, parent, names, metadata, mountLabel, uids, gids, compressedDigest, uncompressedDigest);
    }

    public LayerOptions withDiffDigests(String compressed, String uncompressed) {
        return new LayerOptions(id, parent, names, metadata, mountLabel, uidMap, gidMap, compressed, uncompressed);
    }
}
