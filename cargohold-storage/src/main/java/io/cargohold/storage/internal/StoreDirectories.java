package io.cargohold.storage.internal;

import io.cargohold.fs.lock.PosixLockFile;
import io.cargohold.storage.StoreOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Upstream's GetStore set-up, before any driver or record store opens: the run and graph roots, the
 * graph root's {@code mounts/}, {@code tmp/} and driver home (all 0700 when created), and the two
 * store-wide lock files {@code storage.lock} and {@code userns.lock} (0644).
 */
final class StoreDirectories {
    private StoreDirectories() {
    }

    static StoreLayout setUp(StoreOptions options) throws IOException {
        StoreLayout layout = new StoreLayout(options.graphRoot(), options.runRoot(), options.driver());
        for (Path p : List.of(layout.runRoot(), layout.graphRoot(), layout.graphRoot().resolve("mounts"),
                layout.graphRoot().resolve("tmp"), layout.driverHome())) {
            RecordFiles.mkdirs(p);
        }
        PosixLockFile.of(layout.storageLock());
        PosixLockFile.of(layout.usernsLock());
        return layout;
    }
}
