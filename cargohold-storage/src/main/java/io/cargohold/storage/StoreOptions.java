package io.cargohold.storage;

import java.nio.file.Path;
import java.util.List;

/**
 * Where a store lives and how it behaves: graph root, run root, the driver (only {@code vfs}),
 * additional read-only image stores ({@code vfs.imagestore}), the store's default ID maps, and
 * {@code vfs.ignore_chown_errors} (ownership changes that fail while applying a diff are reported and ignored).
 */
public record StoreOptions(Path graphRoot, Path runRoot, String driver, List<Path> imageStores, List<IdMap> uidMap,
                           List<IdMap> gidMap, boolean ignoreChownErrors) {
    public StoreOptions {
        imageStores = imageStores == null ? List.of() : List.copyOf(imageStores);
        uidMap = uidMap == null ? List.of() : List.copyOf(uidMap);
        gidMap = gidMap == null ? List.of() : List.copyOf(gidMap);
        if (driver == null || driver.isEmpty()) {
            driver = "vfs";
        }
    }

    public static StoreOptions vfs(Path graphRoot, Path runRoot) {
        return new StoreOptions(graphRoot, runRoot, "vfs", List.of(), List.of(), List.of(), false);
    }

    public StoreOptions withImageStores(List<Path> stores) {
        return new StoreOptions(graphRoot, runRoot, driver, stores, uidMap, gidMap, ignoreChownErrors);
    }

    public StoreOptions withIdMaps(List<IdMap> uids, List<IdMap> gids) {
        return new StoreOptions(graphRoot, runRoot, driver, imageStores, uids, gids, ignoreChownErrors);
    }

    public StoreOptions withIgnoreChownErrors(boolean ignore) {
        return new StoreOptions(graphRoot, runRoot, driver, imageStores, uidMap, gidMap, ignore);
    }
}
