package io.cargohold.cstorage;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The CLI's part of upstream's GetStore: roots made absolute against the working directory (a missing
 * one taken from the defaults, both missing an error) and an unknown driver reported as upstream's
 * logs it; the directories, lock files and the driver's options are the storage library's
 * ({@link io.cargohold.storage.StoreOptions#withDriverOptions}, {@code Store.open}). No driver given
 * means vfs (upstream would probe for the best driver, overlay first).
 */
final class StoreSetup {
    private StoreSetup() {
    }

    static io.cargohold.storage.StoreOptions options(String graph, String run, String driver, List<String> opts, Path cwd,
                                                     Defaults defaults, PrintStream err) throws IOException {
        if (defaults.error() != null) {
            throw new IOException(defaults.error());
        }
        if (graph.isEmpty() && run.isEmpty() && driver.isEmpty() && opts.isEmpty()) {
            graph = defaults.graphRoot();
            run = defaults.runRoot();
            driver = defaults.driver();
            opts = defaults.options();
        }
        if (graph.isEmpty() && run.isEmpty()) {
            throw new IOException("no storage runroot or graphroot specified: missing necessary StoreOptions");
        }
        Path g = cwd.resolve(graph.isEmpty() ? defaults.graphRoot() : graph).normalize();
        Path r = cwd.resolve(run.isEmpty() ? defaults.runRoot() : run).normalize();
        String name = driver.isEmpty() ? "vfs" : driver;
        if (!io.cargohold.storage.StoreOptions.isSupportedDriver(name)) {
            // as upstream's GetStore, which gets this far before the driver fails
            mkdirs(r);
            mkdirs(g);
            for (String sub : List.of("mounts", "tmp", name)) {
                mkdirs(g.resolve(sub));
            }
            for (String lock : List.of("storage.lock", "userns.lock")) {
                if (!Files.exists(g.resolve(lock))) {
                    Files.createFile(g.resolve(lock), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
                }
            }
            err.print(Main.logrusLine("error", "Failed to GetDriver graph " + name + " " + g));
            throw new IOException("failed to GetDriver graph " + name + " " + g + ": driver not supported");
        }
        return io.cargohold.storage.StoreOptions.of(g, r, name).withDriverOptions(opts, cwd);
    }

    private static void mkdirs(Path p) throws IOException {
        if (!Files.isDirectory(p)) {
            Files.createDirectories(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }
}
