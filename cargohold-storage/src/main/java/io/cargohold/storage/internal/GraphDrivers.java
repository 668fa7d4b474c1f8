package io.cargohold.storage.internal;

import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.storage.StoreOptions;
import io.cargohold.storage.internal.driver.GraphDriver;
import io.cargohold.storage.DriverOptions;
import io.cargohold.storage.internal.driver.overlay.OverlayDriver;
import io.cargohold.storage.internal.driver.vfs.VfsDriver;
import java.nio.file.Path;
import java.io.IOException;
import java.util.List;

/** The graph drivers by name, as upstream's {@code drivers.GetDriver}. */
final class GraphDrivers {
    private GraphDrivers() {
    }

    static GraphDriver open(StoreOptions options, StoreLayout layout, List<StoreLayout> additional) throws IOException {
        return switch (options.driver()) {
            case "vfs" -> new VfsDriver(layout, additional);
            case "overlay" -> {
                DriverOptions d = DriverOptions.parse("overlay", options.driverOptions(), Path.of("/"));
                yield new OverlayDriver(layout.driverHome(), layout.runRoot().resolve("overlay"),
                        additional.stream().map(StoreLayout::driverHome).toList(),
                        new OverlayDriver.OverlayOptions(d.mountProgram(), d.mountOptions(), d.forceMask(), d.skipMountHome(),
                                d.ignoreChownErrors() || options.ignoreChownErrors(), d.imageStores(), d.quotaSize(), d.quotaInodes()),
                        options.uidMap(), options.gidMap());
            }
            default -> throw new InvalidArgumentException("failed to GetDriver graph " + options.driver() + " " + layout.graphRoot()
                    + ": driver not supported");
        };
    }
}
