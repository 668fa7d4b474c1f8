package io.cargohold.cstorage;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Upstream's GetStore and vfs driver Init, as far as the CLI can observe them: roots made absolute
 * (a missing one taken from the defaults, both missing an error), the directories and the two
 * store-wide lock files created, then the driver chosen and its options checked, with upstream's
 * messages. Only {@code vfs} exists here; no driver given means vfs (upstream would probe for the
 * best driver, overlay first).
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
        mkdirs(r);
        mkdirs(g);
        for (String sub : List.of("mounts", "tmp", driver)) {
            mkdirs(g.resolve(sub));
        }
        lockFile(g.resolve("storage.lock"));
        lockFile(g.resolve("userns.lock"));
        String name = driver.isEmpty() ? "vfs" : driver;
        if (!name.equals("vfs")) {
            err.print("time=\"" + java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                    + "\" level=error msg=\"Failed to GetDriver graph " + name + " " + g + "\"\n");
            throw new IOException("failed to GetDriver graph " + name + " " + g + ": driver not supported");
        }
        mkdirs(g.resolve("vfs"));
        List<Path> imageStores = new ArrayList<>();
        boolean ignoreChown = false;
        for (String option : opts) {
            int eq = option.indexOf('=');
            if (eq < 0) {
                throw new IOException("unable to parse key/value option: " + option);
            }
            String key = option.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String val = option.substring(eq + 1).strip();
            switch (key) {
                case "vfs.imagestore", ".imagestore" -> {
                    for (String s : val.split(",", -1)) {
                        imageStores.add(cwd.resolve(s).normalize());
                    }
                }
                case "vfs.mountopt" -> throw new IOException("vfs driver does not support mount options");
                case ".ignore_chown_errors", "vfs.ignore_chown_errors" -> {
                    Boolean b = FlagSet.parseBool(val);
                    if (b == null) {
                        throw new IOException("strconv.ParseBool: parsing " + FlagSet.goQuote(val) + ": invalid syntax");
                    }
                    ignoreChown = b;
                }
                default -> throw new IOException("vfs driver does not support " + key + " options");
            }
        }
        return io.cargohold.storage.StoreOptions.vfs(g, r).withImageStores(imageStores).withIgnoreChownErrors(ignoreChown);
    }

    private static void mkdirs(Path p) throws IOException {
        if (!Files.isDirectory(p)) {
            Files.createDirectories(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }

    private static void lockFile(Path p) throws IOException {
        if (!Files.exists(p)) {
            try {
                Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
            } catch (FileAlreadyExistsException e) {
                // another process made it
            }
        }
    }
}
