package io.cargohold.cstorage;

import io.cargohold.storage.Store;
import io.cargohold.storage.internal.GoJson;
import io.cargohold.storage.StoreOptions;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/**
 * {@code containers-storage}: upstream's v1.43.0 command-line tool over our store. The start-up is
 * upstream's {@code main()} step by step (spec section 2.3): global options (errors: exit 1), the
 * configured defaults when no global option was given, the command word, the command's options
 * (which include the global ones; errors and {@code -h}: exit 125), the argument count (exit 1), the
 * store (errors: {@code error initializing: ...}, exit 1), then the command's own status.
 */
public final class Main {
    /** The program name upstream's usage texts use (and mflag compares os.Args[0] with). */
    static final String ARGV0 = "containers-storage";

    private Main() {
    }

    public static void main(String[] args) {
        io.cargohold.StartupWarmup.begin();
        // os.Args[0] as the user typed it (the launcher passes its $0), for mflag's "See '... --help'." hints
        String argv0 = System.getProperty("cstorage.argv0", ARGV0);
        // stdout is buffered, but flushed before anything goes to stderr: Go writes both unbuffered, and
        // scripts (bats' run) read the two merged, in order
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16), false,
                StandardCharsets.UTF_8);
        FileOutputStream fd2 = new FileOutputStream(FileDescriptor.err);
        PrintStream err = new PrintStream(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                out.flush();
                fd2.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.flush();
                fd2.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8);
        int status;
        try {
            status = run(System.in, out, err, System.getenv(), Path.of("").toAbsolutePath(), List.of(args), argv0);
        } finally {
            out.flush();
            err.flush();
        }
        if (Boolean.getBoolean("cargohold.exit.hooks")) {
            System.exit(status); // for profiling: a JFR recording is written by a shutdown hook
        }
        Runtime.getRuntime().halt(status); // nothing left to clean up; skips shutdown hooks
    }

    /** Runs one command line as {@code containers-storage}; returns the exit status. */
    public static int run(InputStream in, PrintStream out, PrintStream err, Map<String, String> env, Path cwd, List<String> argv) {
        return run(in, out, err, env, cwd, argv, ARGV0);
    }

    /** Runs one command line; {@code argv0} is os.Args[0] (only used in mflag's hints). */
    public static int run(InputStream in, PrintStream out, PrintStream err, Map<String, String> env, Path cwd, List<String> argv,
                          String argv0) {
        return run(in, out, err, env, cwd, argv, argv0, Commands.all());
    }

    /** Runs one command line with the given command table (tests use their own). */
    static int run(InputStream in, PrintStream out, PrintStream err, Map<String, String> env, Path cwd, List<String> argv,
                   String argv0, List<Command> commands) {
        return run(in, out, err, env, cwd, argv, argv0, commands, Host.REAL);
    }

    /** Runs one command line with the host paths of {@code host} (tests: under their temporary directory). */
    static int run(InputStream in, PrintStream out, PrintStream err, Map<String, String> env, Path cwd, List<String> argv,
                   Host host) {
        return run(in, out, err, env, cwd, argv, ARGV0, Commands.all(), host);
    }

    /** Runs one command line with the given command table and host paths. */
    static int run(InputStream in, PrintStream out, PrintStream err, Map<String, String> env, Path cwd, List<String> argv,
                   String argv0, List<Command> commands, Host host) {
        Globals g = new Globals();
        FlagSet global = g.flagSet(ARGV0, env, argv0, err);
        global.setUsage(() -> globalUsage(out, global, commands));
        if (argv.isEmpty()) {
            return usageExit(out, global, commands, 1);
        }
        FlagSet.Flag<Boolean> help = global.bool(List.of("#help", "-help"), false, "Print usage");
        try {
            global.parse(argv);
        } catch (FlagSet.FlagException e) {
            out.print(e.getMessage() + " while parsing arguments (1)\n");
            return usageExit(out, global, commands, 1);
        }
        g.read(global);
        if (help.get()) {
            global.setOutput(out);
            return usageExit(out, global, commands, 0);
        }
        Defaults defaults = null;
        if (g.graph.isEmpty() && g.run.isEmpty() && g.driver.isEmpty() && g.storageOpts.isEmpty()) {
            defaults = Defaults.load(env, host);
            defaults.printLog(out, err);
            g.fromDefaults(defaults);
        }
        List<String> args = global.args();
        if (args.isEmpty()) {
            return usageExit(out, global, commands, 1);
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
            out.print(cmd + ": unrecognized command.\n");
            return 1;
        }
        FlagSet flags = g.flagSet(cmd, env, argv0, err);
        Command.Action action = command.setup().apply(flags);
        Command c = command;
        flags.setUsage(() -> commandUsage(out, cmd, c, flags));
        try {
            flags.parse(args.subList(1, args.size()));
        } catch (FlagSet.FlagException e) {
            return 125; // mflag.ExitOnError
        }
        g.read(flags);
        List<String> rest = List.copyOf(flags.args());
        if (command.minArgs() != 0 && rest.size() < command.minArgs()) {
            out.print(cmd + ": more arguments required.\n");
            commandUsage(out, cmd, command, flags);
            return 1;
        }
        if (command.maxArgs() != 0 && rest.size() > command.maxArgs()) {
            out.print(cmd + ": too many arguments (" + FlagSet.goList(rest) + ").\n");
            commandUsage(out, cmd, command, flags);
            return 1;
        }
        if (!rest.isEmpty() && command.names().getFirst().equals("create-layer")) {
            // a parent named: its tree is copied through libc (vfs), so the FFM call stub is made on a second thread
            // while the store opens; without one nothing calls libc (bin/containers-storage leaves create-layer to this)
            io.cargohold.StartupWarmup.nativeCalls();
        }
        if (g.debug) {
            debug(err, "Root: " + g.graph);
            debug(err, "Run Root: " + g.run);
            debug(err, "Driver Name: " + g.driver);
            debug(err, "Driver Options: " + FlagSet.goList(g.storageOpts));
        }
        StoreOptions options;
        Store store;
        try {
            if (defaults == null) {
                // upstream's GetStore loads the defaults too (types.Options), logging as it goes
                defaults = Defaults.load(env, host);
                defaults.printLog(out, err);
            }
            options = StoreSetup.options(g.graph, g.run, g.driver, g.storageOpts, cwd, defaults, err);
            store = Store.open(options);
        } catch (Exception e) {
            out.print("error initializing: " + message(e) + "\n");
            return 1;
        }
        try {
            return action.run(new Invocation(cmd, rest, store, options, in, out, err, env, cwd));
        } catch (Exception e) {
            // upstream's actions report their own errors; reaching here is a bug of ours: say so, exit 1
            err.print(cmd + ": " + message(e) + "\n");
            return 1;
        }
    }

    private static int usageExit(PrintStream out, FlagSet global, List<Command> commands, int status) {
        globalUsage(out, global, commands);
        return status;
    }

    /** The global usage: commands on stdout, the option list on the flag set's output (stderr, or stdout under --help). */
    static void globalUsage(PrintStream out, FlagSet flags, List<Command> commands) {
        StringBuilder b = new StringBuilder("Usage: containers-storage command [options [...]]\n\nCommands:\n\n");
        for (Command c : commands) {
            b.append(String.format("  %-30s%s%n", c.names().getFirst(), c.usage()));
        }
        b.append("\nOptions:\n");
        out.print(b);
        out.flush();
        flags.printDefaults();
    }

    /** A command's usage: synopsis and description on stdout, the option list on stderr. */
    static void commandUsage(PrintStream out, String cmd, Command c, FlagSet flags) {
        out.print("Usage: containers-storage " + cmd + " " + c.optionsHelp() + "\n\n" + c.usage() + "\n\nOptions:\n");
        out.flush();
        flags.printDefaults();
    }

    /** A logrus-style debug line (text formatter, as when stderr is not a terminal). */
    static void debug(PrintStream err, String msg) {
        err.print(logrusLine("debug", msg));
    }

    /**
     * One line of logrus v1.9.0's TextFormatter without a terminal: {@code time="RFC 3339" level=L msg=M},
     * each value quoted with %q only when its needsQuoting says so (a character other than letters, digits
     * and {@code -._/@^+}), and no {@code msg} at all for an empty message.
     */
    static String logrusLine(String level, String msg) {
        return "time=" + logrusValue(logrusTime()) + " level=" + logrusValue(level) + (msg.isEmpty() ? "" : " msg=" + logrusValue(msg)) + "\n";
    }

    /**
     * Now as logrus stamps its lines (Go's time.RFC3339, UTC, whole seconds), written by GoJson.time: as
     * DateTimeFormatter.ISO_OFFSET_DATE_TIME would, without that formatter's set-up in every {@code --debug}
     * run (upstream's BATS suite passes --debug to each of its ~1,100 calls).
     */
    static String logrusTime() {
        return GoJson.time(OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS));
    }

    /** logrus's appendValue: the text as is, or Go's %q of it when needsQuoting. */
    static String logrusValue(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._/@^+".indexOf(c) >= 0)) {
                return FlagSet.goQuote(v);
            }
        }
        return v;
    }

    static String message(Throwable e) {
        String m = e.getMessage();
        return m != null ? m : e.toString();
    }

    /**
     * The five global options. Upstream binds them to one StoreOptions and one debug variable shared by
     * the global flag set and the command's; here each flag set gets flags whose defaults are the values
     * so far, and {@link #read} takes the values back after parsing.
     */
    static final class Globals {
        String run = "";
        String graph = "";
        String driver = "";
        List<String> storageOpts = List.of();
        boolean debug;
        private FlagSet.Flag<String> runFlag;
        private FlagSet.Flag<String> graphFlag;
        private FlagSet.Flag<String> driverFlag;
        private FlagSet.Flag<List<String>> optsFlag;
        private FlagSet.Flag<Boolean> debugFlag;

        FlagSet flagSet(String name, Map<String, String> env, String argv0, PrintStream err) {
            FlagSet f = new FlagSet(name);
            f.setOutput(err);
            f.setArgv0(argv0);
            f.setHome(home(env));
            runFlag = f.string(List.of("-run", "R"), run, "Root of the runtime state tree");
            graphFlag = f.string(List.of("-graph", "g"), graph, "Root of the storage tree");
            driverFlag = f.string(List.of("-storage-driver", "s"), driver, "Storage driver to use ($STORAGE_DRIVER)");
            optsFlag = f.list(List.of("-storage-opt"), storageOpts, "Set storage driver options ($STORAGE_OPTS)");
            debugFlag = f.bool(List.of("-debug", "D"), debug, "Print debugging information");
            return f;
        }

        void read(FlagSet f) {
            run = runFlag.get();
            graph = graphFlag.get();
            driver = driverFlag.get();
            storageOpts = List.copyOf(optsFlag.get());
            debug = debugFlag.get();
        }

        void fromDefaults(Defaults d) {
            run = d.runRoot();
            graph = d.graphRoot();
            driver = d.driver();
            storageOpts = d.options();
        }

        /** homedir.Get(): $HOME, else the account's home. */
        static String home(Map<String, String> env) {
            String h = env.get("HOME");
            return h != null && !h.isEmpty() ? h : System.getProperty("user.home", "");
        }
    }
}
