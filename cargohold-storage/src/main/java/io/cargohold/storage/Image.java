package io.cargohold.storage;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/**
 * An image record (containers/storage {@code images.json}). {@code digests} is the computed list:
 * {@code digest} first, then the digests of the {@code manifest*} big-data items.
 */
public record Image(String id, String digest, List<String> names, List<String> namesHistory, String topLayer,
                    List<String> mappedLayers, String metadata, List<String> bigDataNames, Map<String, Long> bigDataSizes,
                    Map<String, String> bigDataDigests, OffsetDateTime created, Map<String, Object> flags, List<String> digests,
                    boolean readOnly) {
}
