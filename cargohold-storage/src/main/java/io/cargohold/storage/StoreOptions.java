package io.cargohold.storage;

import io.cargohold.errors.InvalidArgumentException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a store lives and how it behaves: graph root, run root, the graph driver ({@code vfs} or {@code overlay}),
 * additional read-only image stores ({@code vfs.imagestore}), the store's default ID maps,
 * {@code vfs.ignore_chown_errors} (ownership changes that fail while applying a diff are reported and
 * ignored), and the driver options as given ({@link #driverOptions}; {@link #withDriverOptions} parses
 * and checks them as upstream's driver does, and sets the fields they name).
 */
public record StoreOptions(Path graphRoot, Path runRoot, String driver, List<Path> imageStores, List<IdMap> uidMap,
                           List<IdMap> gidMap, boolean ignoreChownErrors, List<String> driverOptions) {
    public StoreOptions {
        imageStores = imageStores == null ? List.of() : List.copyOf(imageStores);
        uidMap = uidMap == null ? List.of() : List.copyOf(uidMap);
        gidMap = gidMap == null ? List.of() : List.copyOf(gidMap);
        driverOptions = driverOptions == null ? List.of() : List.copyOf(driverOptions);
        if (driver == null || driver.isEmpty()) {
            driver = "vfs";
        }
        if (driver.equals("overlay2")) {
            driver = "overlay";
        }
    }

    public static StoreOptions vfs(Path graphRoot, Path runRoot) {
        return new StoreOptions(graphRoot, runRoot, "vfs", List.of(), List.of(), List.of(), false, List.of());
    }

    /** A store with {@code driver} (empty or null: vfs) and no options. */
    public static StoreOptions of(Path graphRoot, Path runRoot, String driver) {
        return new StoreOptions(graphRoot, runRoot, driver, List.of(), List.of(), List.of(), false, List.of());
    }

    /** Whether this library has a graph driver of that name. */
    public static boolean isSupportedDriver(String driver) {
        return driver == null || driver.isEmpty() || driver.equals("vfs") || driver.equals("overlay") || driver.equals("overlay2");
    }

    public StoreOptions withImageStores(List<Path> stores) {
        return new StoreOptions(graphRoot, runRoot, driver, stores, uidMap, gidMap, ignoreChownErrors, driverOptions);
    }

    public StoreOptions withIdMaps(List<IdMap> uids, List<IdMap> gids) {
        return new StoreOptions(graphRoot, runRoot, driver, imageStores, uids, gids, ignoreChownErrors, driverOptions);
    }

    public StoreOptions withIgnoreChownErrors(boolean ignore) {
        return new StoreOptions(graphRoot, runRoot, driver, imageStores, uidMap, gidMap, ignore, driverOptions);
    }

    /**
     * The driver's {@code KEY=VALUE} options, parsed and checked for this store's driver
     * ({@link DriverOptions#parse}, relative paths against {@code cwd}): the image stores they name are
     * added, ignore_chown_errors is set when they set it, and the raw list is kept.
     */
    public StoreOptions withDriverOptions(List<String> options, Path cwd) throws InvalidArgumentException {
        DriverOptions d = DriverOptions.parse(driver, options, cwd);
        List<Path> stores = new java.util.ArrayList<>(imageStores);
        stores.addAll(d.imageStores());
        return new StoreOptions(graphRoot, runRoot, driver, stores, uidMap, gidMap, ignoreChownErrors || d.ignoreChownErrors(), d.raw());
    }
}
