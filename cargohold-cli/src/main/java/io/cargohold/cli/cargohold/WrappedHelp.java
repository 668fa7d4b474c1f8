package io.cargohold.cli.cargohold;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * The description, argument and option sections of {@code --help}, laid out as picocli lays them out
 * but wrapped at spaces only: picocli's wrapping follows the JDK's line BreakIterator, which breaks
 * after a dot or a slash, splitting paths such as {@code ~/.local/share/cargohold} and names such as
 * {@code *.key} across lines. Here a word longer than the column stays whole on its own line.
 */
final class WrappedHelp {
    static final int WIDTH = 80;
    private static final int COLUMN = 29;

    private WrappedHelp() {
    }

    static void install(CommandLine cl) {
        cl.getHelpSectionMap().put(UsageMessageSpec.SECTION_KEY_DESCRIPTION, WrappedHelp::description);
        cl.getHelpSectionMap().put(UsageMessageSpec.SECTION_KEY_PARAMETER_LIST, WrappedHelp::parameters);
        cl.getHelpSectionMap().put(UsageMessageSpec.SECTION_KEY_OPTION_LIST, WrappedHelp::options);
        for (CommandLine sub : new LinkedHashSet<>(cl.getSubcommands().values())) {
            install(sub);
        }
    }

    private static String description(Help help) {
        String[] d = help.commandSpec().usageMessage().description();
        if (d.length == 0) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        for (String line : wrap(String.join(" ", d), WIDTH)) {
            b.append(line).append(System.lineSeparator());
        }
        return b.toString();
    }

    private static String parameters(Help help) {
        StringBuilder b = new StringBuilder();
        for (PositionalParamSpec p : help.commandSpec().positionalParameters()) {
            if (!p.hidden()) {
                row(b, "      " + p.paramLabel(), String.join(" ", p.description()));
            }
        }
        return b.toString();
    }

    private static String options(Help help) {
        List<OptionSpec> options = new ArrayList<>();
        for (OptionSpec o : help.commandSpec().options()) {
            if (!o.hidden()) {
                options.add(o);
            }
        }
        if (help.commandSpec().usageMessage().sortOptions()) {
            options.sort(Help.createShortOptionArityAndNameComparator());
        }
        StringBuilder b = new StringBuilder();
        for (OptionSpec o : options) {
            row(b, label(o), String.join(" ", o.description()));
        }
        return b.toString();
    }

    /** "  -q, --quiet", "      --root=DIR", "      --src-tls-verify[=BOOL]" as picocli writes them. */
    static String label(OptionSpec o) {
        String shortName = null;
        List<String> longNames = new ArrayList<>();
        for (String n : o.names()) {
            if (n.length() == 2 && n.startsWith("-") && shortName == null) {
                shortName = n;
            } else {
                longNames.add(n);
            }
        }
        StringBuilder l = new StringBuilder("  ");
        l.append(shortName == null ? "   " : shortName + (longNames.isEmpty() ? " " : ","));
        l.append(' ').append(String.join(", ", longNames));
        if (!o.typeInfo().isBoolean() || o.arity().max() > 0 && !o.arity().toString().equals("0")) {
            if (o.arity().min() == 0 && o.arity().max() > 0) {
                l.append("[=").append(o.paramLabel()).append(']');
            } else if (o.arity().max() > 0) {
                l.append(longNames.isEmpty() ? " " : "=").append(o.paramLabel());
            }
        }
        return l.toString().stripTrailing();
    }

    private static void row(StringBuilder b, String label, String description) {
        List<String> lines = wrap(description, WIDTH - COLUMN - 2); // continuation lines are indented 2 more
        String nl = System.lineSeparator();
        if (label.length() >= COLUMN) {
            b.append(label).append(nl);
        } else if (!lines.isEmpty()) {
            b.append(String.format("%-" + COLUMN + "s", label)).append(lines.removeFirst()).append(nl);
        } else {
            b.append(label).append(nl);
        }
        for (String line : lines) {
            b.append(" ".repeat(COLUMN + 2)).append(line).append(nl);
        }
    }

    /** Words (split at spaces only) filled into lines of at most {@code width}; a longer word gets a line of its own. */
    static List<String> wrap(String text, int width) {
        List<String> out = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.strip().split(" +")) {
            if (word.isEmpty()) {
                continue;
            }
            if (!line.isEmpty() && line.length() + 1 + word.length() > width) {
                out.add(line.toString());
                line.setLength(0);
            }
            if (!line.isEmpty()) {
                line.append(' ');
            }
            line.append(word);
        }
        if (!line.isEmpty()) {
            out.add(line.toString());
        }
        return out;
    }
}
