package io.cargohold.storage.check;

import java.util.List;

/**
 * What a repair did: the layers whose records it rebuilt (after {@code layers.json} was found
 * unreadable; see {@code StoreEngine.rebuildLayerRecords}), the containers, images and layers it removed (layers also when they went with an
 * image), the layer trees no record accounted for that it removed, the mount counts it reset, and the
 * errors of removals that failed, worded as upstream's Repair words them
 * ({@code deleting layer ID: …}). Damage in read-only stores is never repaired.
 */
public record RepairResult(List<String> rebuiltLayers, List<String> containers, List<String> images, List<String> layers, List<String> unaccounted,
                           List<String> mountsReset, List<String> errors) {
}
