package io.cargohold.cstorage;

import io.cargohold.storage.Store;
import io.cargohold.storage.StoreOptions;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One run of a command: the word the user typed ({@code cmd}, an alias or the primary name), the
 * positionals, the open store, the streams, the environment and the working directory (relative
 * paths given by the user are resolved against it, so in-process tests behave as a process would).
 */
public record Invocation(String cmd, List<String> args, Store store, StoreOptions options, InputStream in, PrintStream out,
                         PrintStream err, Map<String, String> env, Path cwd) {
    /** A user-supplied path, resolved against the working directory. */
    public Path path(String p) {
        return cwd.resolve(p);
    }
}
