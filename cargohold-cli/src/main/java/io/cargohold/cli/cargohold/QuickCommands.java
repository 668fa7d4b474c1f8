package io.cargohold.cli.cargohold;

import io.cargohold.cli.CliContext;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * The commands scripts run most, in their plain forms, without picocli: building picocli's model
 * (annotation reflection over the command classes, its converters and help sections) took 30-50 ms of
 * a 100-200 ms start, more than opening the store and answering. Only these exact shapes are
 * recognised, each run by its picocli command class with its fields set as picocli would set them:
 *
 * <pre>
 * [--root DIR | --root=DIR] [--lock-timeout S | --lock-timeout=S] status [--json]
 *                                                                 list | images [--json]
 *                                                                 blob ls [--json]
 *                                                                 blob get DIGEST|PREFIX
 *                                                                 copy [COPY-OPTIONS...] SOURCE DESTINATION
 * </pre>
 *
 * ({@code copy}'s options are read by {@link QuickCopy}, see there which forms it takes.)
 *
 * Anything else - help, another option, an option after the command, an {@code @file} argument, a
 * value picocli would refuse - makes {@link #parse} return null and the caller hands the arguments
 * to picocli, so usage, errors and help come from one place. {@code QuickCommandsTest} checks that
 * both paths print the same and exit the same for every recognised shape.
 */
public final class QuickCommands {
    private QuickCommands() {
    }

    /** The command to run for {@code args}, ready to call, or null when picocli must handle them. */
    public static Callable<Integer> parse(CliContext context, String... args) {
        Path root = null;
        Double lockTimeout = null;
        int i = 0;
        for (; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("@")) {
                return null; // picocli's argument files
            }
            String value;
            String name;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            } else {
                name = a;
                value = null;
            }
            if (!name.equals("--root") && !name.equals("--lock-timeout")) {
                break;
            }
            if (value == null) {
                if (i + 1 >= args.length || args[i + 1].startsWith("-") || args[i + 1].startsWith("@")) {
                    return null;
                }
                value = args[++i];
            }
            if (name.equals("--root")) {
                if (root != null || value.isEmpty()) {
                    return null;
                }
                root = Path.of(value);
            } else {
                if (lockTimeout != null) {
                    return null;
                }
                try {
                    lockTimeout = Double.valueOf(value);
                } catch (NumberFormatException e) {
                    return null;
                }
                if (!(lockTimeout >= 0) || lockTimeout.isInfinite()) {
                    return null; // picocli's path reports it
                }
            }
        }
        if (i < args.length && args[i].equals("copy")) {
            CopyCommand copy = QuickCopy.parse(args, i + 1);
            if (copy != null) {
                copy.top = top(context, root, lockTimeout);
            }
            return copy;
        }
        StoreCommand command = command(args, i);
        if (command == null) {
            return null;
        }
        command.top = top(context, root, lockTimeout);
        return command;
    }

    /** Whether {@code command}, from {@link #parse}, may end the process with {@code Runtime.halt}. */
    public static boolean haltAfter(Callable<Integer> command) {
        return command instanceof StoreCommand; // a copy exits as through picocli (its threads, its libraries' hooks)
    }

    private static CargoholdCommand top(CliContext context, Path root, Double lockTimeout) {
        CargoholdCommand top = new CargoholdCommand(context);
        top.root = root;
        top.lockTimeoutSeconds = lockTimeout;
        return top;
    }

    private static StoreCommand command(String[] args, int i) {
        int rest = args.length - i;
        if (rest < 1) {
            return null;
        }
        for (int k = i + 1; k < args.length; k++) {
            if (args[k].startsWith("@") || (args[k].startsWith("-") && !args[k].equals("--json"))) {
                return null;
            }
        }
        boolean json = rest == 2 && args[i + 1].equals("--json");
        switch (args[i]) {
            case "status":
                if (rest == 1 || json) {
                    StatusCommand c = new StatusCommand();
                    c.json = json;
                    return c;
                }
                return null;
            case "list":
            case "images":
                if (rest == 1 || json) {
                    ImageCommands.ListRefs c = new ImageCommands.ListRefs();
                    c.json = json;
                    return c;
                }
                return null;
            case "blob":
                if (rest >= 2 && args[i + 1].equals("ls") && (rest == 2 || (rest == 3 && args[i + 2].equals("--json")))) {
                    BlobCommands.Ls c = new BlobCommands.Ls();
                    c.json = rest == 3;
                    return c;
                }
                if (rest == 3 && args[i + 1].equals("get") && !args[i + 2].startsWith("-")) {
                    BlobCommands.Get c = new BlobCommands.Get();
                    c.ref = args[i + 2];
                    return c;
                }
                return null;
            default:
                return null;
        }
    }
}
