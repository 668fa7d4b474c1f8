package io.cargohold.cstorage;

import java.nio.file.Path;
import java.util.List;

/**
 * The host paths upstream's defaults come from: the system storage.conf files (in the order they are
 * looked for), root's default graph and run roots, and the base of per-user runtime directories.
 * {@link #REAL} is the machine's; tests run the CLI with {@link #under(Path)} so that no test reads
 * the host's {@code /etc/containers} or writes to {@code /run/containers/storage}.
 */
record Host(List<Path> storageConfs, String graphRoot, String runRoot, Path runUser) {
    static final Host REAL = new Host(List.of(Path.of("/etc/containers/storage.conf"), Path.of("/usr/share/containers/storage.conf")),
            "/var/lib/containers/storage", "/run/containers/storage", Path.of("/run/user"));

    /** The same layout below {@code root} (nothing there until a test writes it). */
    static Host under(Path root) {
        return new Host(List.of(root.resolve("etc/containers/storage.conf"), root.resolve("usr/share/containers/storage.conf")),
                root.resolve("var/lib/containers/storage").toString(), root.resolve("run/containers/storage").toString(),
                root.resolve("run/user"));
    }
}
