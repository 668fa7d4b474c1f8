package io.cargohold.storage;

import java.util.List;

/**
 * What a new layer gets. {@code id} null means a generated one; {@code parent} null means a base
 * layer; ID maps null mean the parent's (or the store's). {@code compressedDigest} and
 * {@code uncompressedDigest} are sha256 digests a caller already knows for the diff it supplies
 * (upstream's OriginalDigest and UncompressedDigest): recorded as given, not recomputed.
 * {@code expectedDiffDigest} (not upstream's): the digest the uncompressed diff must hash to (a
 * DiffID from an image config); it is always computed and compared, and a mismatch fails the layer
 * while it is still flagged incomplete, so it is removed and never seen as complete.
 */
public record LayerOptions(String id, String parent, List<String> names, String metadata, String mountLabel,
                           List<IdMap> uidMap, List<IdMap> gidMap, String compressedDigest, String uncompressedDigest,
                           String expectedDiffDigest) {
    public static LayerOptions of(String parent) {
        return new LayerOptions(null, parent, List.of(), "", "", null, null, null, null, null);
    }

    /** Without an expected diff digest (the form before {@code expectedDiffDigest} existed). */
    public LayerOptions(String id, String parent, List<String> names, String metadata, String mountLabel, List<IdMap> uidMap,
                        List<IdMap> gidMap, String compressedDigest, String uncompressedDigest) {
        this(id, parent, names, metadata, mountLabel, uidMap, gidMap, compressedDigest, uncompressedDigest, null);
    }

    /**
     * The computed digest of the uncompressed diff must be {@code digest} ({@code sha256:<hex>}), else
     * creating the layer fails and the layer is removed before it was ever complete.
     */
    public LayerOptions expectingDiffDigest(String digest) {
        return new LayerOptions(id, parent, names, metadata, mountLabel, uidMap, gidMap, compressedDigest, uncompressedDigest, digest);
    }

    public LayerOptions withId(String i) {
        return new LayerOptions(i, parent, names, metadata, mountLabel, uidMap, gidMap, compressedDigest, uncompressedDigest, expectedDiffDigest);
    }

    public LayerOptions withNames(List<String> n) {
        return new LayerOptions(id, parent, n, metadata, mountLabel, uidMap, gidMap, compressedDigest, uncompressedDigest, expectedDiffDigest);
    }

    public LayerOptions withMetadata(String m) {
        return new LayerOptions(id, parent, names, m, mountLabel, uidMap, gidMap, compressedDigest, uncompressedDigest, expectedDiffDigest);
    }

    public LayerOptions withMountLabel(String l) {
        return new LayerOptions(id, parent, names, metadata, l, uidMap, gidMap, compressedDigest, uncompressedDigest, expectedDiffDigest);
    }

    public LayerOptions withIdMaps(List<IdMap> uids, List<IdMap> gids) {
        return new LayerOptions(id, parent, names, metadata, mountLabel, uids, gids, compressedDigest, uncompressedDigest, expectedDiffDigest);
    }

    public LayerOptions withDiffDigests(String compressed, String uncompressed) {
        return new LayerOptions(id, parent, names, metadata, mountLabel, uidMap, gidMap, compressed, uncompressed, expectedDiffDigest);
    }
}
