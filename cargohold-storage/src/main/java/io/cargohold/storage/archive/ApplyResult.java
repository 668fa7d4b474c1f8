package io.cargohold.storage.archive;

import java.util.List;

/**
 * What applying a layer diff measured, as upstream records it in the layer: SHA-256 digests and sizes
 * of the raw input ({@code compressed*}) and of the decompressed tar ({@code uncompressed*}), the
 * detected compression, the sorted UIDs and GIDs of the headers (whiteouts excluded), and the sum of
 * the entries' sizes (upstream's ApplyDiff return value).
 */
public record ApplyResult(String compressedDigest, long compressedSize, String uncompressedDigest, long uncompressedSize,
                          Compression compression, List<Long> uidSet, List<Long> gidSet, long size) {
}
