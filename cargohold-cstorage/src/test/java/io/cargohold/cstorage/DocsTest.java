package io.cargohold.cstorage;

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

/** containers-storage's generated bash completion in a real bash, and its man page rendered by man. */
class DocsTest {
    @TempDir
    Path tmp;

    private List<String> complete(Path script, String... words) throws IOException, InterruptedException {
        StringBuilder array = new StringBuilder();
        for (String w : words) {
            array.append(" '").append(w).append("'");
        }
        String cmd = "source '" + script + "'; COMP_WORDS=(" + array + "); COMP_CWORD=" + (words.length - 1)
                + "; _containers_storage; printf '%s\\n' \"${COMPREPLY[@]}\"";
        return run(Map.of(), "bash", "--norc", "--noprofile", "-c", cmd).lines().filter(s -> !s.isEmpty()).toList();
    }

    private static String run(Map<String, String> env, String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + err);
        assertEquals("", err, String.join(" ", cmd));
        return out;
    }

    @Test
    void completionListsCommandsAliasesAndEachCommandsOptions() throws Exception {
        Docs.main(new String[] {tmp.toString()});
        Path script = tmp.resolve("completion/containers-storage.bash");
        assertEquals(List.of("layer", "layer-parent-owners", "layers"), complete(script, "containers-storage", "lay"));
        // a global option's value is skipped before the command
        assertEquals(List.of("create-container", "create-image", "create-layer", "create-storage-layer", "createcontainer", "createimage",
                "createlayer"), complete(script, "containers-storage", "-g", "/tmp/g", "create").stream().sorted().toList());
        List<String> layerOpts = complete(script, "containers-storage", "create-layer", "--");
        assertTrue(layerOpts.containsAll(List.of("--json", "--graph", "--storage-driver")), layerOpts.toString());
        assertTrue(complete(script, "containers-storage", "-").containsAll(List.of("-g", "--graph", "-R", "--run", "-s", "--debug")));
        // every command the CLI knows is offered
        assertEquals(Commands.all().stream().flatMap(c -> c.names().stream()).sorted().toList(),
                complete(script, "containers-storage", "").stream().sorted().toList());
    }

    @Test
    void manPageRenders() throws Exception {
        boolean man = Stream.of(System.getenv().getOrDefault("PATH", "").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, "man")));
        if (!man && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("man is not on PATH; .ci/run installs man-db");
        }
        Assumptions.assumeTrue(man, "man is not installed");
        Docs.main(new String[] {tmp.toString()});
        String text = run(Map.of("MANWIDTH", "80", "PAGER", "cat", "MANPAGER", "cat"), "man", "--warnings=all", "-l",
                tmp.resolve("man/man1/containers-storage.1").toString());
        assertTrue(text.contains("SYNOPSIS") && text.contains("create-layer") && text.contains("--storage-driver, -s VALUE"), text);
    }
}
