package io.cargohold.cli.cargohold;

import io.cargohold.cli.CliContext;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The top-level {@code cargohold} command: global options and the list of subcommands. */
// scope = INHERIT: every subcommand gets -h/--help (which the usage-error hint "Run '... --help'" names), -V/--version
// and the exit-code footer.
@Command(name = "cargohold", mixinStandardHelpOptions = true, versionProvider = io.cargohold.cli.VersionProvider.class, scope = ScopeType.INHERIT,
        description = "A local OCI image store: images by reference over a content-addressable blob store with an SQLite index.",
        subcommands = {DemoCommand.class, StatusCommand.class, CopyCommand.class, ImageCommands.Import.class, ImageCommands.Export.class, ImageCommands.ListRefs.class,
                       ImageCommands.Inspect.class, ImageCommands.Rm.class, ImageCommands.Check.class, ImageCommands.Gc.class,
                       BlobCommands.class, KvCommands.class, FsckCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 conflict, 5 corrupt, 6 busy."})
public final class CargoholdCommand implements Runnable {
    final CliContext context;

    @Option(names = "--root", paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "Store root (default: $CARGOHOLD_ROOT, else $XDG_DATA_HOME/cargohold, else ~/.local/share/cargohold).")
    Path root;

    @Option(names = "--lock-timeout", paramLabel = "SECONDS", scope = ScopeType.INHERIT,
            description = "Fail with exit code 6 instead of waiting longer than this for another process's lock.")
    Double lockTimeoutSeconds;

    public CargoholdCommand(CliContext context) {
        this.context = context;
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
