package io.cargohold.cli;

import io.cargohold.cli.cargohold.CargoholdCommand;
import io.cargohold.cli.cargohold.QuickCommands;
import io.cargohold.errors.CargoholdException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code cargohold} executable. {@link #run} returns the exit code and only {@link #main} exits,
 * so tests run the CLI in-process.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        io.cargohold.StartupWarmup.begin();
        Logging.configure(args);
        CliContext context = new CliContext(System.in, System.out, System.err, System.getenv());
        Callable<Integer> quick = QuickCommands.parse(context, args);
        int code = quick == null ? runWithPicocli(context, args) : runQuick(quick, context);
        System.out.flush();
        System.err.flush();
        if (quick != null && QuickCommands.haltAfter(quick) && !Boolean.getBoolean("cargohold.exit.hooks")) { // the property: for a JFR recording's shutdown hook
            // A quick command (status, list, blob ls, blob get) registers no shutdown hook and starts no
            // thread that needs one; System.exit would log the exit through the JDK's System.Logger,
            // whose LoggerFinder is found by a ServiceLoader scan of every jar of the class path
            // (~5-15 ms of CPU), so these end as containers-storage ends.
            Runtime.getRuntime().halt(code);
        }
        System.exit(code);
    }

    public static int run(InputStream in, PrintStream out, PrintStream err, Map<String, String> env, String... args) {
        CliContext context = new CliContext(in, out, err, env);
        Callable<Integer> quick = QuickCommands.parse(context, args);
        return quick == null ? runWithPicocli(context, args) : runQuick(quick, context);
    }

    private static int runQuick(Callable<Integer> quick, CliContext context) {
        try {
            return quick.call();
        } catch (Exception e) {
            return failed(e, context.err(), context.env());
        }
    }

    /** Every command through picocli, also those {@link QuickCommands} would run (tests compare both). */
    static int runWithPicocli(CliContext context, String... args) {
        PrintStream out = context.out();
        PrintStream err = context.err();
        CommandLine cl = CargoholdCommand.commandLine(context, subcommandNamed(args));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("cargohold: " + ex.getMessage());
            err.println("Run '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> failed(ex, err, context.env()));
        return cl.execute(args);
    }

    /** A command's exception as its message on stderr and the exit code of its kind. */
    private static int failed(Exception ex, PrintStream err, Map<String, String> env) {
        if (ex instanceof CargoholdException ce) {
            err.println("cargohold: " + ce.getMessage());
            return ExitCodes.of(ce);
        }
        // An operating system's error without our context: its path and what to do (OsErrors).
        String os = io.cargohold.fs.OsErrors.describe(ex);
        err.println("cargohold: " + (os != null ? os : ex.getMessage() == null ? ex.toString() : ex.getMessage()));
        if (env.containsKey("CARGOHOLD_DEBUG")) {
            ex.printStackTrace(err);
        }
        return ExitCodes.ERROR;
    }

    /**
     * The subcommand class the arguments name (the first argument that is neither an option nor the
     * value of a top-level option), or null when they name none: then every subcommand is added, so
     * help and usage errors ("did you mean ...") see them all.
     */
    static Class<?> subcommandNamed(String... args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (CargoholdCommand.OPTIONS_WITH_VALUE.contains(a)) {
                i++;
            } else if (a.equals("--")) {
                return null;
            } else if (!a.startsWith("-")) {
                for (Class<?> c : CargoholdCommand.SUBCOMMANDS) {
                    Command cmd = c.getAnnotation(Command.class);
                    if (cmd.name().equals(a) || java.util.Arrays.asList(cmd.aliases()).contains(a)) {
                        return c;
                    }
                }
                return null;
            }
        }
        return null;
    }
}
