package io.cargohold.docs;

import java.util.List;

/**
 * A manual page in roff (man(7) macros), built from a command's own definitions so that the page and
 * {@code --help} never disagree. Written here rather than through picocli-codegen's generator because
 * that one writes AsciiDoc, which needs Asciidoctor (Ruby) to become a man page, and the build has no
 * Ruby; the upstream-compatible {@code containers-storage} front end has no picocli model at all. The
 * output renders with {@code man -l FILE}.
 */
public final class ManPage {
    private final StringBuilder out = new StringBuilder();

    /**
     * {@code .TH NAME SECTION "" SOURCE MANUAL}: no date, so a page is the same bytes on every build of
     * one version ({@code source} names it, e.g. "Cargohold 0.1.0").
     */
    public ManPage(String name, int section, String source, String manual) {
        out.append(".TH ").append(quoted(name.toUpperCase(java.util.Locale.ROOT))).append(' ').append(section).append(" \"\" ")
                .append(quoted(source)).append(' ').append(quoted(manual)).append('\n');
        // no hyphenation and ragged right: a path or a name is never split or stretched
        out.append(".nh\n.ad l\n");
    }

    /** {@code .SH NAME} with {@code name \- summary}. */
    public ManPage name(String name, String summary) {
        section("NAME");
        out.append(text(name)).append(" \\- ").append(text(summary)).append('\n');
        return this;
    }

    public ManPage section(String title) {
        out.append(".SH ").append(quoted(title)).append('\n');
        return this;
    }

    public ManPage subsection(String title) {
        out.append(".SS ").append(quoted(title)).append('\n');
        return this;
    }

    /** A paragraph of running text (lines joined, filled by the formatter). */
    public ManPage paragraph(String text) {
        out.append(".PP\n").append(text(text)).append('\n');
        return this;
    }

    /** A synopsis line: the command in bold, its arguments as written. */
    public ManPage synopsis(String command, String arguments) {
        out.append(".PP\n.B ").append(quoted(command)).append('\n');
        if (!arguments.isEmpty()) {
            out.append(text(arguments)).append('\n');
        }
        return this;
    }

    /** A tagged paragraph: the option names (and their argument) in bold, then its description. */
    public ManPage option(List<String> names, String argument, String description) {
        out.append(".TP\n.B ").append(quoted(String.join(", ", names) + (argument == null || argument.isEmpty() ? "" : " " + argument)))
                .append('\n').append(text(description.isEmpty() ? "(no description)" : description)).append('\n');
        return this;
    }

    /** Lines shown as they are (no filling), e.g. examples. */
    public ManPage literal(List<String> lines) {
        out.append(".PP\n.nf\n.RS 4\n");
        for (String l : lines) {
            out.append(text(l)).append('\n');
        }
        out.append(".RE\n.fi\n");
        return this;
    }

    public String render() {
        return out.toString();
    }

    /**
     * Text safe for roff: backslashes doubled, and a line that would start with a control character
     * ({@code .} or {@code '}) protected with the zero-width {@code \&}.
     */
    static String text(String s) {
        StringBuilder b = new StringBuilder();
        for (String line : s.replace("\\", "\\e").split("\n", -1)) {
            if (!b.isEmpty()) {
                b.append('\n');
            }
            String l = line.replace("-", "\\-");
            if (l.startsWith(".") || l.startsWith("'")) {
                b.append("\\&");
            }
            b.append(l);
        }
        return b.toString();
    }

    private static String quoted(String s) {
        return "\"" + text(s).replace("\"", "\\(dq").replace("\n", " ") + "\"";
    }
}
