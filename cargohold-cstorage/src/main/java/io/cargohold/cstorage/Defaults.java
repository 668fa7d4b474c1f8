package io.cargohold.cstorage;

import io.cargohold.storage.config.StorageConfig;
import io.cargohold.storage.config.StorageDefaults;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * The store options upstream's CLI uses when no global option is given before the command
 * ({@code types.DefaultStoreOptionsAutoDetectUID}): the storage library's resolution of storage.conf
 * and the environment ({@link StorageConfig}), the same the {@code cargohold} CLI and library users get.
 *
 * @param error set when upstream would fail to load the defaults (then GetStore reports it)
 * @param log   what upstream logs or prints while loading them
 */
record Defaults(String graphRoot, String runRoot, String driver, List<String> options, String error,
                List<StorageDefaults.LogLine> log) {
    static Defaults load(Map<String, String> env) {
        return load(env, Host.REAL);
    }

    /** The defaults with the host's paths taken from {@code host} (tests: a temporary directory). */
    static Defaults load(Map<String, String> env, Host host) {
        StorageDefaults d = StorageConfig.load(env, host.config());
        if (d.error() != null) {
            return new Defaults("", "", "", List.of(), d.error().getMessage(), d.log());
        }
        return new Defaults(d.graphRoot(), d.runRoot(), d.driver(), d.driverOptions(), null, d.log());
    }

    /** Upstream's lines while loading: logrus lines on {@code err}, its fmt.Printf lines on {@code out}. */
    void printLog(PrintStream out, PrintStream err) {
        for (StorageDefaults.LogLine l : log) {
            if (l.level().equals("stdout")) {
                out.print(l.message() + "\n");
            } else {
                err.print(Main.logrusLine(l.level(), l.message()));
            }
        }
    }

    static int uid() {
        return StorageConfig.processUid();
    }
}
