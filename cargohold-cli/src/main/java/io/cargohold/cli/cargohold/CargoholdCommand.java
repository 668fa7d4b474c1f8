package io.cargohold.cli.cargohold;

import io.cargohold.cli.CliContext;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The top-level {@code cargohold} command: global options and the list of subcommands. */
// scope = INHERIT: every subcommand gets -h/--help (which the usage-error hint "Run '... --help'" names), -V/--version
// and the exit-code footer.
@Command(name = "cargohold", mixinStandardHelpOptions = true, versionProvider = io.cargohold.cli.VersionProvider.class, scope = ScopeType.INHERIT,
        description = "A local OCI image store: images by reference over a content-addressable blob store with an SQLite index.",
        footer = {"", "Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 conflict, 5 corrupt, 6 busy,", "7 denied (a registry refused the credentials or the access)."})
public final class CargoholdCommand implements Runnable {
    /**
     * The subcommands, in the order the help lists them. Not in {@code @Command(subcommands = ...)}:
     * picocli would then build the model of every command (reflection over ~50 classes) at every
     * start; {@link io.cargohold.cli.Main} adds only the one the arguments name, or all of them when
     * they name none (help, usage errors).
     */
    public static final List<Class<?>> SUBCOMMANDS = List.of(DemoCommand.class, StatusCommand.class, CopyCommand.class, ImageCommands.Import.class,
            ImageCommands.Export.class, ImageCommands.ListRefs.class, ImageCommands.Inspect.class, ImageCommands.Rm.class,
            ImageCommands.Check.class, ImageCommands.Gc.class, BlobCommands.class, KvCommands.class, FsckCommand.class, LoginCommand.class,
            LogoutCommand.class, LsTagsCommand.class, ReferrersCommand.class, InfoCommand.class);

    /** Options of this command that take a value (so that value is not a subcommand's name). */
    public static final Set<String> OPTIONS_WITH_VALUE = Set.of("--root", "--lock-timeout", "--log-level");

    final CliContext context;

    @Option(names = "--root", paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "Store root (default: $CARGOHOLD_ROOT, else $XDG_DATA_HOME/cargohold, else ~/.local/share/cargohold).")
    Path root;

    Double lockTimeoutSeconds;

    @Option(names = "--lock-timeout", paramLabel = "SECONDS", scope = ScopeType.INHERIT,
            description = "Fail with exit code 6 instead of waiting longer than this for another process's lock.")
    void lockTimeout(double seconds) {
        if (!(seconds >= 0) || Double.isInfinite(seconds)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--lock-timeout must be a number of seconds, 0 or more (got " + seconds + ")");
        }
        lockTimeoutSeconds = seconds;
    }

    /** Read by {@link io.cargohold.cli.Logging} before picocli runs (the backend takes its level once); checked here. */
    @Option(names = "--log-level", paramLabel = "LEVEL", scope = ScopeType.INHERIT,
            description = "Log messages at or above LEVEL on stderr: trace, debug, info, warn, error (default), fatal, panic.")
    void logLevel(String level) {
        if (!io.cargohold.cli.Logging.LEVELS.contains(level.toLowerCase(java.util.Locale.ROOT))) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--log-level: unknown level \"" + level + "\" (one of: "
                    + String.join(", ", io.cargohold.cli.Logging.LEVELS) + ")");
        }
    }

    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "Same as --log-level debug: every blob's fate, every registry request.")
    boolean debug;

    public CargoholdCommand(CliContext context) {
        this.context = context;
    }

    /** picocli's model of {@code cargohold} with every subcommand, or with {@code only} alone (when not null). */
    public static CommandLine commandLine(CliContext context, Class<?> only) {
        CommandLine cl = new CommandLine(new CargoholdCommand(context));
        for (Class<?> c : SUBCOMMANDS) {
            if (only == null || c == only) {
                cl.addSubcommand(new CommandLine(c));
            }
        }
        Examples.install(cl);
        WrappedHelp.install(cl);
        return cl;
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** No command given: a usage error (exit 2) naming the commands, as podman's "missing command". */
    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing command (one of: "
                + String.join(", ", new java.util.LinkedHashSet<>(spec.subcommands().values().stream().map(c -> c.getCommandName()).toList()))
                + ")");
    }
}
