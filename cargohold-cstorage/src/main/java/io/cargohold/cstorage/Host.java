package io.cargohold.cstorage;

import io.cargohold.storage.config.ConfigHost;
import java.nio.file.Path;

/**
 * The host paths upstream's defaults come from (the storage library's {@link ConfigHost}: the system
 * storage.conf files, root's default graph and run roots, the base of per-user runtime directories).
 * {@link #REAL} is the machine's; tests run the CLI with {@link #under(Path)} so that no test reads
 * the host's {@code /etc/containers} or writes to {@code /run/containers/storage}.
 */
record Host(ConfigHost config) {
    static final Host REAL = new Host(ConfigHost.REAL);

    /** The same layout below {@code root} (nothing there until a test writes it). */
    static Host under(Path root) {
        return new Host(ConfigHost.under(root));
    }

    String graphRoot() {
        return config.defaultGraphRoot();
    }

    String runRoot() {
        return config.defaultRunRoot();
    }
}
