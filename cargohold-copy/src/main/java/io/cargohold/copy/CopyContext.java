package io.cargohold.copy;

import io.cargohold.storage.StoreOptions;
import java.nio.file.Path;

/**
 * What transports need from the caller's environment: the default root of the {@code cargohold:}
 * content store, the default containers-storage store (storage.conf), and a directory for large
 * temporary files (containers/image uses /var/tmp).
 */
public record CopyContext(Path cargoholdRoot, StoreOptions defaultStorage, Path tmpDir) {
    public static CopyContext of(Path cargoholdRoot, StoreOptions defaultStorage) {
        return new CopyContext(cargoholdRoot, defaultStorage, Path.of(System.getProperty("java.io.tmpdir")));
    }
}
