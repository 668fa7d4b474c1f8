package io.cargohold.cstorage;

import java.util.List;
import java.util.function.Function;

/**
 * One command of upstream's {@code containers-storage} (its {@code command} struct): names (the first
 * is the primary, the rest aliases), the argument synopsis of its usage, minimum and maximum number of
 * positionals (0 = no check), the one-line description, and {@code setup}, which defines the command's
 * own options on the flag set (the global options are already there) and returns the action.
 */
public record Command(List<String> names, String optionsHelp, int minArgs, int maxArgs, String usage,
                      Function<FlagSet, Action> setup) {
    /** What a command does; returns the process exit status (0 or 1 as upstream's actions). */
    @FunctionalInterface
    public interface Action {
        int run(Invocation inv) throws Exception;
    }
}
