package io.cargohold.cli;

import io.cargohold.errors.InvalidArgumentException;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/** The process's streams and environment, handed to commands (no global state). */
public record CliContext(InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {

    /**
     * The store root: {@code --root}, else {@code $CARGOHOLD_ROOT}, else {@code $XDG_DATA_HOME/cargohold},
     * else {@code ~/.local/share/cargohold}.
     */
    public Path storeRoot(Path option) throws InvalidArgumentException {
        if (option != null) {
            if (option.toString().isEmpty()) {
                throw new InvalidArgumentException("--root must not be empty (give a directory, or leave the option out)");
            }
            return option;
        }
        String v = env.get("CARGOHOLD_ROOT");
        if (v != null) {
            if (v.isEmpty()) {
                throw new InvalidArgumentException("$CARGOHOLD_ROOT is set but empty (give a directory, or unset it)");
            }
            return Path.of(v);
        }
        String xdg = env.get("XDG_DATA_HOME");
        if (xdg != null && !xdg.isEmpty()) {
            return Path.of(xdg, "cargohold");
        }
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        return Path.of(home, ".local", "share", "cargohold");
    }

    /** Where {@link #storeRoot} took the root from: {@code --root}, {@code $CARGOHOLD_ROOT}, {@code $XDG_DATA_HOME} or {@code $HOME}. */
    public String storeRootSource(Path option) {
        if (option != null) {
            return "--root";
        }
        if (!env.getOrDefault("CARGOHOLD_ROOT", "").isEmpty()) {
            return "$CARGOHOLD_ROOT";
        }
        if (!env.getOrDefault("XDG_DATA_HOME", "").isEmpty()) {
            return "$XDG_DATA_HOME";
        }
        return env.containsKey("HOME") ? "$HOME" : "user.home";
    }
}
