package io.cargohold.cstorage;

import io.cargohold.storage.Store;
import io.cargohold.storage.StoreOptions;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code containers-storage}: upstream's v1.43.0 command-line tool over our store (spec:
 * shared/spec/containers-storage-cli.md, section 2.3 for the start-up sequence).
 */
public final class Main {
    static final String ARGV0 = "containers-storage";

    private Main() {
    }

    public static void main(String[] args) {
        int status = run(System.in, System.out, System.err, System.getenv(), Path.of("").toAbsolutePath(), List.of(args));
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(status); // nothing left to clean up; skips shutdown hooks
    }

    /** Runs one command line; returns the exit status. */
    public static int run(InputStream in, PrintStream out, PrintStream err, Map<String, String> env, Path cwd, List<String> argv) {
        Globals g = new Globals();
        FlagSet global = g.flagSet(ARGV0);
        FlagSet.Flag<Boolean> help = global.bool(List.of("#help", "-help"), false, "Print usage");
        List<Command> commands = Commands.all();
        if (argv.isEmpty()) {
            globalUsage(out, err, global, commands, false);
            return 1;
        }
        try {
            global.parse(argv);
        } catch (FlagSet.FlagException e) {
            err.println(e.getMessage());
            err.println("See '" + ARGV0 + " --help'.");
            out.println(e.getMessage() + " while parsing arguments (1)");
            globalUsage(out, err, global, commands, false);
            return 1;
        }
        global.deprecationWarnings().forEach(err::println);
        if (help.get()) {
            globalUsage(out, out, global, commands, true);
            return 0;
        }
        List<String> args = global.args();
        if (args.isEmpty()) {
            globalUsage(out, err, global, commands, false);
            return 1;
        }
        String cmd = args.getFirst();
        Command command = null;
        for (Command c : commands) {
            if (c.names().contains(cmd)) {
                command = c;
                break;
            }
        }
        if (command == null) {
            out.println(cmd + ": unrecognized command.");
            return 1;
        }
        FlagSet flags = new FlagSet(cmd);
        flags.include(global);
        Command.Action action = command.setup().apply(flags);
        try {
            flags.parse(args.subList(1, args.size()));
        } catch (FlagSet.FlagException e) {
            if (e.isHelp()) {
                commandUsage(out, err, cmd, command, flags);
                return 125;
            }
            err.println(e.getMessage());
            err.println("See '" + ARGV0 + " " + cmd + " --help'.");
            return 125;
        }
        flags.deprecationWarnings().forEach(err::println);
        List<String> rest = flags.args();
        if (command.minArgs() != 0 && rest.size() < command.minArgs()) {
            out.println(cmd + ": more arguments required.");
            commandUsage(out, err, cmd, command, flags);
            return 1;
        }
        if (command.maxArgs() != 0 && rest.size() > command.maxArgs()) {
            out.println(cmd + ": too many arguments ([" + String.join(" ", rest) + "]).");
            commandUsage(out, err, cmd, command, flags);
            return 1;
        }
        StoreOptions options;
        Store store;
        try {
            options = g.storeOptions(cwd, env);
            store = Store.open(options);
        } catch (Exception e) {
            out.println("error initializing: " + e.getMessage());
            return 1;
        }
        try {
            return action.run(new Invocation(cmd, rest, store, options, in, out, err, env, cwd));
        } catch (Exception e) {
            out.println(e.getMessage());
            return 1;
        }
    }

    static void globalUsage(PrintStream out, PrintStream options, FlagSet flags, List<Command> commands, boolean help) {
        out.print("Usage: containers-storage command [options [...]]\n\n");
        out.print("Commands:\n\n");
        for (Command c : commands) {
            out.printf("  %-30s%s%n", c.names().getFirst(), c.usage());
        }
        out.print("\nOptions:\n");
        flags.printDefaults(options);
    }

    static void commandUsage(PrintStream out, PrintStream options, String cmd, Command c, FlagSet flags) {
        out.printf("Usage: containers-storage %s %s%n%n", cmd, c.optionsHelp());
        out.printf("%s%n", c.usage());
        out.print("\nOptions:\n");
        flags.printDefaults(options);
    }

    /** The five global options, shared by the global flag set and every command's (as upstream binds them). */
    static final class Globals {
        FlagSet.Flag<String> run;
        FlagSet.Flag<String> graph;
        FlagSet.Flag<String> driver;
        FlagSet.Flag<List<String>> storageOpts;
        FlagSet.Flag<Boolean> debug;

        FlagSet flagSet(String name) {
            FlagSet f = new FlagSet(name);
            run = f.string(List.of("-run", "R"), "", "Root of the runtime state tree");
            graph = f.string(List.of("-graph", "g"), "", "Root of the storage tree");
            driver = f.string(List.of("-storage-driver", "s"), "", "Storage driver to use ($STORAGE_DRIVER)");
            storageOpts = f.list(List.of("-storage-opt"), "Set storage driver options ($STORAGE_OPTS)");
            debug = f.bool(List.of("-debug", "D"), false, "Print debugging information");
            return f;
        }

        StoreOptions storeOptions(Path cwd, Map<String, String> env) throws Exception {
            String d = driver.get().isEmpty() ? env.getOrDefault("STORAGE_DRIVER", "vfs") : driver.get();
            Path g = graph.get().isEmpty() ? Path.of("/var/lib/containers/storage") : cwd.resolve(graph.get());
            Path r = run.get().isEmpty() ? Path.of("/run/containers/storage") : cwd.resolve(run.get());
            if (!d.equals("vfs")) {
                throw new Exception("failed to GetDriver graph " + d + " " + g + ": driver not supported");
            }
            return StoreOptions.vfs(g.normalize(), r.normalize());
        }

        static List<String> split(String s) {
            return Arrays.asList(s.split(","));
        }
    }
}
