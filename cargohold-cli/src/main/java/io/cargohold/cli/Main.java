package io.cargohold.cli;

import io.cargohold.cli.cargohold.CargoholdCommand;
import io.cargohold.errors.CargoholdException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;

/**
 * The {@code cargohold} executable. {@link #run} returns the exit code and only {@link #main} exits,
 * so tests run the CLI in-process.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        int code = run(System.in, System.out, System.err, System.getenv(), args);
        System.out.flush();
        System.exit(code);
    }

    public static int run(InputStream in, PrintStream out, PrintStream err, Map<String, String> env, String... args) {
        CargoholdCommand top = new CargoholdCommand(new CliContext(in, out, err, env));
        CommandLine cl = new CommandLine(top);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("cargohold: " + ex.getMessage());
            err.println("Run '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof CargoholdException ce) {
                err.println("cargohold: " + ce.getMessage());
                return ExitCodes.of(ce);
            }
            err.println("cargohold: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            if (env.containsKey("CARGOHOLD_DEBUG")) {
                ex.printStackTrace(err);
            }
            return ExitCodes.ERROR;
        });
        return cl.execute(args);
    }
}
