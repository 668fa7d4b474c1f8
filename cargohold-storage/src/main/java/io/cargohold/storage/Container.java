package io.cargohold.storage;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/** A container record (containers/storage {@code containers.json}). */
public record Container(String id, List<String> names, String image, String layer, String metadata, List<String> bigDataNames,
                        Map<String, Long> bigDataSizes, Map<String, String> bigDataDigests, OffsetDateTime created,
                        List<IdMap> uidMap, List<IdMap> gidMap, Map<String, Object> flags) {
}
