package io.cargohold.cli;

import io.cargohold.cli.cargohold.CargoholdCommand;
import io.cargohold.docs.ManPage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Shell completion and manual pages of {@code cargohold}, made at build time from the same picocli
 * command definitions the CLI parses with: the completion script by picocli's own generator
 * ({@link AutoComplete}; bash, and zsh through bashcompinit), the pages with {@link ManPage}.
 * {@code main(DIR)} writes {@code DIR/completion/cargohold.bash}, {@code DIR/man/man1/cargohold.1} and
 * one {@code cargohold-COMMAND.1} per command.
 */
public final class Docs {
    private Docs() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        CommandLine cl = commandLine();
        write(dir.resolve("completion/cargohold.bash"), bashCompletion(cl));
        write(dir.resolve("man/man1/cargohold.1"), manPage(cl.getCommandSpec(), cl));
        for (CommandLine sub : distinct(cl)) {
            write(dir.resolve("man/man1/cargohold-" + sub.getCommandName() + ".1"), manPage(sub.getCommandSpec(), null));
        }
    }

    /** The whole command tree (every subcommand), with streams that go nowhere: nothing runs. */
    static CommandLine commandLine() {
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
        return CargoholdCommand.commandLine(new CliContext(new ByteArrayInputStream(new byte[0]), nowhere, nowhere, Map.of()), null);
    }

    public static String bashCompletion(CommandLine cl) {
        return AutoComplete.bash("cargohold", cl);
    }

    private static List<CommandLine> distinct(CommandLine cl) {
        List<CommandLine> out = new ArrayList<>();
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (!out.contains(sub)) {
                out.add(sub); // aliases map to the same CommandLine
            }
        }
        return out;
    }

    /** A page for one command: synopsis, description, options, arguments, its footer; the top page lists the commands. */
    static String manPage(CommandSpec spec, CommandLine top) {
        String full = spec.qualifiedName(" ");
        String page = spec.qualifiedName("-");
        ManPage m = new ManPage(page, 1, "Cargohold " + io.cargohold.Version.current().version(), "Cargohold manual");
        String[] description = spec.usageMessage().description();
        m.name(page, summary(description, full));
        StringBuilder args = new StringBuilder(top != null ? "[options] command [arguments]" : "[options]");
        for (PositionalParamSpec p : spec.positionalParameters()) {
            if (!p.hidden()) {
                args.append(' ').append(p.paramLabel());
            }
        }
        m.section("SYNOPSIS").synopsis(full, args.toString());
        if (description.length > 0) {
            m.section("DESCRIPTION").paragraph(String.join(" ", description));
        }
        List<OptionSpec> options = spec.options().stream().filter(o -> !o.hidden()).toList();
        if (!options.isEmpty()) {
            m.section("OPTIONS");
            for (OptionSpec o : options) {
                m.option(List.of(o.names()), o.typeInfo().isBoolean() ? "" : o.paramLabel(), String.join(" ", o.description()));
            }
        }
        List<PositionalParamSpec> positionals = spec.positionalParameters().stream().filter(p -> !p.hidden()).toList();
        if (!positionals.isEmpty()) {
            m.section("ARGUMENTS");
            for (PositionalParamSpec p : positionals) {
                m.option(List.of(p.paramLabel()), "", String.join(" ", p.description()));
            }
        }
        if (top != null) {
            m.section("COMMANDS");
            for (CommandLine sub : distinct(top)) {
                String[] d = sub.getCommandSpec().usageMessage().description();
                m.option(List.of(sub.getCommandName()), "", summary(d, "") + ". See cargohold-" + sub.getCommandName() + "(1).");
            }
        }
        List<String> examples = io.cargohold.cli.cargohold.Examples.BY_COMMAND.get(spec.qualifiedName());
        if (examples != null) {
            m.section("EXAMPLES").literal(examples);
        }
        String[] footer = spec.usageMessage().footer();
        List<String> lines = new ArrayList<>();
        for (String f : footer) {
            lines.addAll(List.of(f.split("\n", -1)));
        }
        while (!lines.isEmpty() && lines.getFirst().isBlank()) {
            lines.removeFirst();
        }
        if (!lines.isEmpty()) {
            m.section("NOTES").literal(lines);
        }
        m.section("SEE ALSO").paragraph(top != null ? "containers-storage(1), skopeo(1), podman(1)" : "cargohold(1)");
        return m.render();
    }

    /** The description's first sentence (up to the first ". " or ": "), for the NAME line. */
    static String summary(String[] description, String fallback) {
        String all = String.join(" ", description).strip();
        if (all.isEmpty()) {
            return fallback;
        }
        int end = all.length();
        for (String stop : List.of(". ", ": ")) {
            int i = all.indexOf(stop);
            if (i > 0 && i < end) {
                end = i;
            }
        }
        return all.substring(0, end).replaceAll("[.:,]$", "");
    }

    private static void write(Path p, String text) throws IOException {
        Files.createDirectories(p.getParent());
        Path tmp = p.resolveSibling(p.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
