package io.cargohold.copy.storage;

import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.storage.StoreOptions;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code [DRIVER@GRAPHROOT+RUNROOT:OPTIONS]} part of a containers-storage reference, split as
 * containers/image v5.23's {@code storageTransport.ParseReference} splits it (each part optional but
 * not all; roots absolute), and turned into store options as {@code storage.GetStore} would: a
 * missing root comes from the default store, no driver means vfs (upstream probes, overlay first), and
 * the drivers' options (vfs, overlay) are parsed and checked by the storage library as upstream's drivers do.
 */
record StoreSpec(String driver, String graphRoot, String runRoot, List<String> options) {
    StoreSpec {
        options = List.copyOf(options);
    }

    /** Parses the text between the brackets. */
    static StoreSpec parse(String spec) throws InvalidArgumentException {
        String driver = "";
        String rest = spec;
        int at = spec.indexOf('@');
        if (at < 0) {
            if (spec.isEmpty()) {
                throw new InvalidArgumentException("invalid reference");
            }
        } else {
            driver = spec.substring(0, at);
            rest = spec.substring(at + 1);
            if (driver.isEmpty() || rest.isEmpty()) {
                throw new InvalidArgumentException("invalid reference");
            }
        }
        List<String> options = List.of();
        int colon = rest.indexOf(':');
        if (colon >= 0) {
            options = List.of(rest.substring(colon + 1).split(",", -1));
            rest = rest.substring(0, colon);
        }
        String run = "";
        int plus = rest.indexOf('+');
        if (plus >= 0) {
            run = rest.substring(plus + 1);
            rest = rest.substring(0, plus);
        }
        if (!rest.isEmpty() && !rest.startsWith("/") || !run.isEmpty() && !run.startsWith("/")) {
            throw new InvalidArgumentException("path name is not absolute");
        }
        return new StoreSpec(driver, rest, run, options);
    }

    /** The store these parts name, defaults filled in from {@code defaults} (the default store), as GetStore does. */
    StoreOptions toOptions(StoreOptions defaults) throws InvalidArgumentException {
        if (graphRoot.isEmpty() && runRoot.isEmpty() && driver.isEmpty() && options.isEmpty()) {
            return requireDefaults(defaults);
        }
        if (graphRoot.isEmpty() && runRoot.isEmpty()) {
            throw new InvalidArgumentException("no storage runroot or graphroot specified: missing necessary StoreOptions");
        }
        Path g = graphRoot.isEmpty() ? requireDefaults(defaults).graphRoot() : Path.of(graphRoot).normalize();
        Path r = runRoot.isEmpty() ? requireDefaults(defaults).runRoot() : Path.of(runRoot).normalize();
        String name = driver.isEmpty() ? "vfs" : driver;
        if (!StoreOptions.isSupportedDriver(name)) {
            throw new InvalidArgumentException("failed to GetDriver graph " + name + " " + g
                    + ": driver not supported");
        }
        return StoreOptions.of(g, r, name).withDriverOptions(options, Path.of("").toAbsolutePath());
    }

    private static StoreOptions requireDefaults(StoreOptions defaults) throws InvalidArgumentException {
        if (defaults == null) {
            throw new InvalidArgumentException("no default containers-storage store is configured: name one as [vfs@GRAPHROOT+RUNROOT]");
        }
        return defaults;
    }

    @Override
    public String toString() {
        return (driver.isEmpty() ? "" : driver + "@") + graphRoot + (runRoot.isEmpty() ? "" : "+" + runRoot)
                + (options.isEmpty() ? "" : ":" + String.join(",", options));
    }
}
