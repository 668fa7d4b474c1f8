package io.cargohold.storage.archive;

import io.cargohold.storage.IdMap;
import java.util.List;

/**
 * How to apply a diff. {@code compressedDigest} / {@code uncompressedDigest}: sha256 digests a caller
 * already knows (upstream's OriginalDigest / UncompressedDigest: recorded without being recomputed;
 * null to compute). ID maps translate the archive's container IDs to host IDs. {@code maxExpansion}:
 * a compressed input may expand to at most this many times its size once past {@code expansionFloor}
 * bytes (decompression-bomb guard: past 1 GiB, a layer that is more than 99.9 % compressible -
 * essentially all zeros; gzip's ceiling is ~1032:1 - is refused; raise it for such odd layers).
 */
public record ApplyOptions(String compressedDigest, String uncompressedDigest, List<IdMap> uidMap, List<IdMap> gidMap,
                           long maxExpansion, long expansionFloor, boolean ignoreChownErrors, String expectedUncompressedDigest) {
    public static final long DEFAULT_MAX_EXPANSION = 1000;
    public static final long DEFAULT_EXPANSION_FLOOR = 1L << 30;

    public static ApplyOptions defaults() {
        return new ApplyOptions(null, null, List.of(), List.of(), DEFAULT_MAX_EXPANSION, DEFAULT_EXPANSION_FLOOR, false, null);
    }

    public ApplyOptions withIdMaps(List<IdMap> uids, List<IdMap> gids) {
        return new ApplyOptions(compressedDigest, uncompressedDigest, uids, gids, maxExpansion, expansionFloor, ignoreChownErrors, expectedUncompressedDigest);
    }

    public ApplyOptions withDigests(String compressed, String uncompressed) {
        return new ApplyOptions(compressed, uncompressed, uidMap, gidMap, maxExpansion, expansionFloor, ignoreChownErrors, expectedUncompressedDigest);
    }

    public ApplyOptions withExpansionLimit(long ratio, long floor) {
        return new ApplyOptions(compressedDigest, uncompressedDigest, uidMap, gidMap, ratio, floor, ignoreChownErrors, expectedUncompressedDigest);
    }

    /**
     * The uncompressed diff must hash to {@code digest} ({@code sha256:<hex>}, a DiffID): it is
     * computed even when {@link #uncompressedDigest} is given, and a mismatch fails the apply with a
     * {@link io.cargohold.errors.CorruptException} after the last byte, before anything is recorded.
     */
    public ApplyOptions expectingUncompressedDigest(String digest) {
        return new ApplyOptions(compressedDigest, uncompressedDigest, uidMap, gidMap, maxExpansion, expansionFloor, ignoreChownErrors,
                digest);
    }

    /** vfs.ignore_chown_errors: an ownership change that fails is reported on stderr and ignored, as upstream does. */
    public ApplyOptions withIgnoreChownErrors(boolean ignore) {
        return new ApplyOptions(compressedDigest, uncompressedDigest, uidMap, gidMap, maxExpansion, expansionFloor, ignore, expectedUncompressedDigest);
    }
}
