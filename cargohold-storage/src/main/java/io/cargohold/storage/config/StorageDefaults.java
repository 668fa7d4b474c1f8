package io.cargohold.storage.config;

import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.storage.IdMap;
import io.cargohold.storage.StoreOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The default store options resolved from storage.conf and the environment, as upstream's
 * {@code types.StoreOptions} (from {@code DefaultStoreOptions}) holds them, with where they came from.
 *
 * @param runRoot             run root (may be empty when upstream leaves it empty)
 * @param graphRoot           graph root
 * @param rootlessStoragePath {@code rootless_storage_path} after expansion
 * @param driver              graph driver name (empty: none configured)
 * @param driverOptions       the driver option strings ({@code driver.key=value}), in upstream's order
 * @param uidMap              default UID map ({@code remap-uids})
 * @param gidMap              default GID map ({@code remap-gids})
 * @param rootAutoNsUser      {@code root-auto-userns-user}
 * @param autoNsMinSize       {@code auto-userns-min-size}
 * @param autoNsMaxSize       {@code auto-userns-max-size}
 * @param pullOptions         {@code pull_options} (null when not set)
 * @param disableVolatile     {@code disable-volatile}
 * @param files               the storage.conf files looked at, in order
 * @param log                 what upstream logs or prints on the way ({@code level: message}; levels
 *                            {@code warning}, {@code error} as logrus, {@code stdout} for its fmt.Printf lines)
 * @param error               upstream's error when the defaults cannot be had (the other fields are then
 *                            what upstream returns with it), else null
 */
public record StorageDefaults(String runRoot, String graphRoot, String rootlessStoragePath, String driver, List<String> driverOptions,
                              List<IdMap> uidMap, List<IdMap> gidMap, String rootAutoNsUser, long autoNsMinSize, long autoNsMaxSize,
                              Map<String, String> pullOptions, boolean disableVolatile, List<ConfFile> files, List<LogLine> log,
                              IOException error) {
    public StorageDefaults {
        driverOptions = List.copyOf(driverOptions);
        uidMap = List.copyOf(uidMap);
        gidMap = List.copyOf(gidMap);
        pullOptions = pullOptions == null ? null : Map.copyOf(pullOptions);
        files = List.copyOf(files);
        log = List.copyOf(log);
    }

    /** A line upstream logs (logrus level {@code warning}/{@code error}) or prints on stdout ({@code stdout}). */
    public record LogLine(String level, String message) {
    }

    /** These defaults, or the error upstream reports instead. */
    public StorageDefaults orThrow() throws IOException {
        if (error != null) {
            throw error;
        }
        return this;
    }

    /**
     * The library's store options for these defaults: roots made absolute against {@code cwd}, the driver
     * (none configured: vfs), the driver options parsed and checked as the driver does
     * ({@link StoreOptions#withDriverOptions}) and the default ID maps.
     */
    public StoreOptions toStoreOptions(Path cwd) throws IOException {
        orThrow();
        if (graphRoot.isEmpty() || runRoot.isEmpty()) {
            throw new InvalidArgumentException("no storage runroot or graphroot specified: missing necessary StoreOptions");
        }
        StoreOptions o = StoreOptions.of(cwd.resolve(graphRoot).normalize(), cwd.resolve(runRoot).normalize(), driver);
        return o.withDriverOptions(driverOptions, cwd).withIdMaps(uidMap, gidMap);
    }
}
