package io.cargohold.cstorage;

import io.cargohold.docs.ManPage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Shell completion (bash, and zsh through bashcompinit) and the manual page of {@code containers-storage},
 * both made from the command table ({@link Commands#all()}) and the flag sets the commands define, so
 * they list exactly what the CLI accepts. {@code main(DIR)} writes
 * {@code DIR/completion/containers-storage.bash} and {@code DIR/man/man1/containers-storage.1}.
 */
public final class Docs {
    private Docs() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        write(dir.resolve("completion/containers-storage.bash"), bashCompletion());
        write(dir.resolve("man/man1/containers-storage.1"), manPage());
    }

    private static void write(Path p, String text) throws IOException {
        Files.createDirectories(p.getParent());
        Path tmp = p.resolveSibling(p.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** The global options (mflag names: "-run" is written --run, "R" is -R; "#" names are hidden). */
    static List<FlagSet.Flag<?>> globalFlags() {
        return new Main.Globals().flagSet(Main.ARGV0, Map.of(), Main.ARGV0, System.err).flags();
    }

    /** A command's own options, as its setup defines them on an empty flag set. */
    static List<FlagSet.Flag<?>> commandFlags(Command c) {
        FlagSet f = new FlagSet(c.names().getFirst());
        c.setup().apply(f);
        return f.flags();
    }

    static List<String> shown(FlagSet.Flag<?> f) {
        List<String> out = new ArrayList<>();
        for (String n : f.names) {
            if (!n.startsWith("#")) {
                out.add("-" + n);
            }
        }
        return out;
    }

    /** A bash completion function: commands first, then each command's options (and the global ones), else files. */
    public static String bashCompletion() {
        StringBuilder b = new StringBuilder();
        b.append("# bash completion for containers-storage (Cargohold's; generated from its command table)\n");
        b.append("# zsh: autoload -U +X compinit && compinit; autoload -U +X bashcompinit && bashcompinit; source this file\n");
        List<String> globals = new ArrayList<>();
        List<String> globalsWithValue = new ArrayList<>();
        for (FlagSet.Flag<?> f : globalFlags()) {
            globals.addAll(shown(f));
            if (f.kind != FlagSet.Kind.BOOL) {
                globalsWithValue.addAll(shown(f));
            }
        }
        List<String> names = new ArrayList<>();
        StringBuilder cases = new StringBuilder();
        for (Command c : Commands.all()) {
            names.addAll(c.names());
            List<String> opts = new ArrayList<>();
            for (FlagSet.Flag<?> f : commandFlags(c)) {
                opts.addAll(shown(f));
            }
            cases.append("\t\t").append(String.join("|", c.names())).append(") opts=\"").append(String.join(" ", opts)).append("\" ;;\n");
        }
        b.append("_containers_storage() {\n");
        b.append("\tlocal cur=${COMP_WORDS[COMP_CWORD]} cmd= i w opts=\n");
        b.append("\tlocal globals=\"").append(String.join(" ", globals)).append("\"\n");
        b.append("\tlocal commands=\"").append(String.join(" ", names)).append("\"\n");
        b.append("\tfor ((i = 1; i < COMP_CWORD; i++)); do\n");
        b.append("\t\tw=${COMP_WORDS[i]}\n");
        b.append("\t\tcase \"$w\" in\n");
        b.append("\t\t").append(String.join("|", globalsWithValue)).append(") ((i++)) ;;\n");
        b.append("\t\t-*) ;;\n");
        b.append("\t\t*) cmd=$w; break ;;\n");
        b.append("\t\tesac\n");
        b.append("\tdone\n");
        b.append("\tif [ -z \"$cmd\" ]; then\n");
        b.append("\t\tif [[ $cur == -* ]]; then COMPREPLY=($(compgen -W \"$globals\" -- \"$cur\")); else COMPREPLY=($(compgen -W \"$commands\" -- \"$cur\")); fi\n");
        b.append("\t\treturn 0\n");
        b.append("\tfi\n");
        b.append("\tcase \"$cmd\" in\n").append(cases).append("\tesac\n");
        b.append("\tif [[ $cur == -* ]]; then COMPREPLY=($(compgen -W \"$opts $globals\" -- \"$cur\")); else COMPREPLY=($(compgen -f -- \"$cur\")); fi\n");
        b.append("}\n");
        b.append("complete -F _containers_storage containers-storage\n");
        return b.toString();
    }

    /** containers-storage(1): synopsis, global options, and every command with its aliases, arguments and options. */
    public static String manPage() {
        ManPage m = new ManPage("containers-storage", 1, "Cargohold " + io.cargohold.Version.current().version(), "Cargohold manual");
        m.name("containers-storage", "manage a containers/storage store (layers, images, containers), as upstream's CLI of v1.43.0");
        m.section("SYNOPSIS").synopsis("containers-storage", "[global options] command [options] [arguments]");
        m.section("DESCRIPTION").paragraph("Cargohold's implementation of upstream's containers-storage command over the same on-disk"
                + " format and lock files, so that podman, skopeo and this command share one store. Without -g, -R and -s the store"
                + " comes from storage.conf (or $CONTAINERS_STORAGE_CONF) as upstream reads it.");
        m.section("GLOBAL OPTIONS");
        for (FlagSet.Flag<?> f : globalFlags()) {
            m.option(shown(f), f.kind == FlagSet.Kind.BOOL ? "" : valueName(f), f.usage);
        }
        m.section("COMMANDS");
        for (Command c : Commands.all()) {
            m.subsection(c.names().getFirst() + " " + c.optionsHelp());
            m.paragraph(c.usage() + (c.names().size() > 1 ? " (also: " + String.join(", ", c.names().subList(1, c.names().size())) + ")" : ""));
            for (FlagSet.Flag<?> f : commandFlags(c)) {
                if (!shown(f).isEmpty() && f.usage != null && !f.usage.isEmpty()) {
                    m.option(shown(f), f.kind == FlagSet.Kind.BOOL ? "" : valueName(f), f.usage);
                }
            }
        }
        m.section("EXAMPLES").literal(List.of("containers-storage --storage-driver vfs -g /tmp/g -R /tmp/r layers",
                "containers-storage -s vfs -g /tmp/g -R /tmp/r create-layer",
                "containers-storage -s vfs -g /tmp/g -R /tmp/r check"));
        m.section("SEE ALSO").paragraph("cargohold(1), podman(1), skopeo(1)");
        return m.render();
    }

    private static String valueName(FlagSet.Flag<?> f) {
        return switch (f.kind) {
            case INT -> "N";
            case LIST -> "VALUE (repeatable)";
            default -> "VALUE";
        };
    }
}
