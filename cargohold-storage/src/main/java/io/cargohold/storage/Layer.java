package io.cargohold.storage;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/**
 * A layer record (containers/storage {@code layers.json}). Digests and sizes are null / -1 when
 * unknown; {@code compression} 0 none, 1 bzip2, 2 gzip, 3 xz, 4 zstd. {@code mountCount} and
 * {@code mountPoint} come from the run root; {@code readOnly} is true for layers of an additional
 * image store.
 */
public record Layer(String id, List<String> names, String parent, String metadata, String mountLabel, OffsetDateTime created,
                    String compressedDigest, long compressedSize, String uncompressedDigest, long uncompressedSize,
                    int compression, List<Long> uidSet, List<Long> gidSet, Map<String, Object> flags, List<IdMap> uidMap,
                    List<IdMap> gidMap, List<String> bigDataNames, int mountCount, String mountPoint, boolean readOnly) {
}
