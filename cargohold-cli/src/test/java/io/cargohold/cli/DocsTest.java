package io.cargohold.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated bash completion, run in a real bash as bash-completion runs it, and the man pages,
 * rendered by man; and bin/install putting both where a shell finds them.
 */
class DocsTest {
    @TempDir
    Path tmp;

    /** COMPREPLY after completing {@code words} (the last one is being typed) with the generated script. */
    static List<String> complete(Path script, String function, String... words) throws IOException, InterruptedException {
        StringBuilder array = new StringBuilder();
        for (String w : words) {
            array.append(" '").append(w.replace("'", "'\\''")).append("'");
        }
        String line = String.join(" ", words);
        String cmd = "source '" + script + "' 2>/dev/null; COMP_WORDS=(" + array + "); COMP_CWORD=" + (words.length - 1)
                + "; COMP_LINE='" + line + "'; COMP_POINT=${#COMP_LINE}; " + function + " '" + words[0] + "' '" + words[words.length - 1]
                + "' '" + words[words.length - 2] + "' 2>/dev/null; printf '%s\\n' \"${COMPREPLY[@]}\"";
        return run("bash", "--norc", "--noprofile", "-c", cmd).lines().filter(s -> !s.isEmpty()).toList();
    }

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + err);
        return out;
    }

    /** man is needed: CI installs it (.ci/run), elsewhere the test is skipped without it. */
    static void requireMan() {
        boolean present = Stream.of(System.getenv().getOrDefault("PATH", "").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, "man")));
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("man is not on PATH; .ci/run installs man-db");
        }
        Assumptions.assumeTrue(present, "man is not installed");
    }

    /** Renders a page as `man -l` does, with groff's warnings on; returns the text. */
    static String render(Path page) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("man", "--warnings=all", "-l", page.toString());
        pb.environment().putAll(Map.of("MANWIDTH", "80", "PAGER", "cat", "MANPAGER", "cat"));
        pb.environment().remove("MAN_KEEP_FORMATTING"); // set to anything, it keeps the overstrike bold in the text
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), page + ": " + err);
        assertEquals("", err, page + ": groff warnings");
        return out;
    }

    @Test
    void completionCompletesCommandsAndOptionsInBash() throws Exception {
        Docs.main(new String[] {tmp.toString()});
        Path script = tmp.resolve("completion/cargohold.bash");
        assertEquals(List.of("copy"), complete(script, "_complete_cargohold", "cargohold", "co"));
        assertTrue(complete(script, "_complete_cargohold", "cargohold", "").containsAll(List.of("demo", "copy", "list", "gc", "fsck")));
        assertEquals(List.of("--all", "--authfile"), complete(script, "_complete_cargohold", "cargohold", "copy", "--a"));
        assertTrue(complete(script, "_complete_cargohold", "cargohold", "copy", "--dest-compress-").containsAll(
                List.of("--dest-compress-format", "--dest-compress-level")));
        assertTrue(complete(script, "_complete_cargohold", "cargohold", "blob", "").contains("put"));
    }

    /** Every command, option and argument is described, and every command's help shows examples that parse as that command. */
    @Test
    void everyCommandHasDescriptionsAndExamplesThatParse() {
        java.util.Set<String> seen = new java.util.TreeSet<>();
        checkTree(Docs.commandLine(), seen);
        assertEquals(new java.util.TreeSet<>(io.cargohold.cli.cargohold.Examples.BY_COMMAND.keySet()), seen,
                "the examples table names exactly the commands there are");
    }

    private static void checkTree(picocli.CommandLine cl, java.util.Set<String> seen) {
        var spec = cl.getCommandSpec();
        String name = spec.qualifiedName();
        seen.add(name);
        assertTrue(!String.join("", spec.usageMessage().description()).isBlank(), name + " has no description");
        spec.options().stream().filter(o -> !o.hidden()).forEach(o ->
                assertTrue(!String.join("", o.description()).isBlank(), name + " " + o.longestName() + " has no description"));
        spec.positionalParameters().stream().filter(p -> !p.hidden()).forEach(p ->
                assertTrue(!String.join("", p.description()).isBlank(), name + " " + p.paramLabel() + " has no description"));
        String help = cl.getUsageMessage();
        assertTrue(help.contains("Example"), name + " --help shows no example:\n" + help);
        // wrapped at spaces only: every word of every description stays whole (paths, names, globs)
        java.util.Set<String> tokens = new java.util.HashSet<>(List.of(help.split("\\s+")));
        List<String> texts = new java.util.ArrayList<>(List.of(String.join(" ", spec.usageMessage().description())));
        spec.options().stream().filter(o -> !o.hidden()).forEach(o -> texts.add(String.join(" ", o.description())));
        spec.positionalParameters().stream().filter(p -> !p.hidden()).forEach(p -> texts.add(String.join(" ", p.description())));
        for (String text : texts) {
            for (String word : text.split("\\s+")) {
                assertTrue(word.isEmpty() || tokens.contains(word), name + ": \"" + word + "\" is split in --help:\n" + help);
            }
        }
        for (String line : help.split("\\R")) {
            assertTrue(line.length() <= 80 || line.strip().startsWith("cargohold ") || !line.strip().contains(" "),
                    name + ": line longer than 80 columns: " + line);
        }
        for (String example : io.cargohold.cli.cargohold.Examples.BY_COMMAND.get(name)) {
            List<String> words = shellWords(example.substring(example.indexOf("cargohold ") < 0 ? 0 : example.lastIndexOf("| ") < 0 ? 0
                    : example.lastIndexOf("| ") + 2));
            assertEquals("cargohold", words.getFirst(), example);
            picocli.CommandLine fresh = Docs.commandLine();
            var parsed = fresh.parseArgs(words.subList(1, words.size()).toArray(String[]::new));
            var leaf = parsed;
            while (leaf.hasSubcommand()) {
                leaf = leaf.subcommand();
            }
            assertTrue(leaf.commandSpec().qualifiedName().startsWith(name), example + " parses as " + leaf.commandSpec().qualifiedName());
        }
        for (picocli.CommandLine sub : new java.util.LinkedHashSet<>(cl.getSubcommands().values())) {
            checkTree(sub, seen);
        }
    }

    /** Words as a POSIX shell splits them: blanks separate, single and double quotes group. */
    private static List<String> shellWords(String line) {
        List<String> out = new java.util.ArrayList<>();
        StringBuilder w = null;
        char quote = 0;
        for (char c : line.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    w.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                w = w == null ? new StringBuilder() : w;
            } else if (c == ' ') {
                if (w != null) {
                    out.add(w.toString());
                    w = null;
                }
            } else {
                w = w == null ? new StringBuilder() : w;
                w.append(c);
            }
        }
        if (w != null) {
            out.add(w.toString());
        }
        return out;
    }

    @Test
    void everyManPageRendersAndNamesItsOptions() throws Exception {
        requireMan();
        Docs.main(new String[] {tmp.toString()});
        Path dir = tmp.resolve("man/man1");
        List<Path> pages;
        try (Stream<Path> s = Files.list(dir)) {
            pages = s.sorted().toList();
        }
        assertTrue(pages.size() > 10, pages.toString());
        for (Path p : pages) {
            String text = render(p);
            assertTrue(text.contains("NAME") && text.contains("SYNOPSIS"), p + ":\n" + text);
        }
        String copy = render(dir.resolve("cargohold-copy.1"));
        assertTrue(copy.contains("--dest-compress-format gzip|zstd") && copy.contains("SOURCE DESTINATION"), copy);
        String top = render(dir.resolve("cargohold.1"));
        assertTrue(top.contains("cargohold-copy(1)") && top.contains("--root DIR"), top);
    }

    @Test
    void installPutsLaunchersCompletionAndPagesUnderThePrefix() throws Exception {
        Path project = Path.of(System.getProperty("basedir", "")).toAbsolutePath().getParent();
        Assumptions.assumeTrue(Files.isDirectory(project.resolve("target/docs")) && Files.isRegularFile(project.resolve("cargohold-cli/target/classpath")),
                "bin/build has not run: nothing to install");
        Path prefix = tmp.resolve("prefix");
        String out = run(project.resolve("bin/install").toString(), "--prefix", prefix.toString());
        assertTrue(out.contains("installed into " + prefix), out);
        assertEquals(project.resolve("bin/cargohold"), Files.readSymbolicLink(prefix.resolve("bin/cargohold")));
        assertEquals(project.resolve("bin/containers-storage"), Files.readSymbolicLink(prefix.resolve("bin/containers-storage")));
        assertEquals(List.of("copy"), complete(prefix.resolve("share/bash-completion/completions/cargohold"), "_complete_cargohold", "cargohold", "co"));
        assertTrue(Files.isRegularFile(prefix.resolve("share/bash-completion/completions/containers-storage")));
        assertTrue(Files.isRegularFile(prefix.resolve("share/man/man1/cargohold-copy.1")));
        assertTrue(Files.isRegularFile(prefix.resolve("share/man/man1/containers-storage.1")));
        // the installed launcher runs (through its link)
        assertTrue(run(prefix.resolve("bin/cargohold").toString(), "--help").contains("Usage: cargohold"));
    }
}
