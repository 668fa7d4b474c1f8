package io.cargohold.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.cargohold.cli.cargohold.QuickCommands;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.WrittenLayout;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands {@link QuickCommands} runs without picocli print exactly what picocli's path prints,
 * byte for byte on stdout and stderr, with the same exit code; every other shape of arguments goes to
 * picocli.
 */
class QuickCommandsTest {
    @TempDir
    Path tmp;

    @Test
    void everyQuickShapeBehavesAsThroughPicocli() throws Exception {
        Path root = tmp.resolve("store");
        Cli cli = new Cli(root);
        WrittenLayout w = TestImages.twoTagsSharingLayers(tmp.resolve("layout"));
        cli.run("import", "--all", "--repo", "app", w.dir().toString()).ok();
        String blob = cli.withStdin("some content\n".getBytes(StandardCharsets.UTF_8), "blob", "put", "-").ok().out().trim();
        String r = root.toString();
        String absent = Cli.sha256("absent".getBytes(StandardCharsets.UTF_8));
        List<String[]> quick = new ArrayList<>();
        for (String[] global : new String[][] {{"--root", r}, {"--root=" + r}, {"--root", r, "--lock-timeout", "5"},
                {"--lock-timeout=0.5", "--root", r}}) {
            for (String[] cmd : new String[][] {{"status"}, {"status", "--json"}, {"list"}, {"images"}, {"list", "--json"},
                    {"blob", "ls"}, {"blob", "ls", "--json"}, {"blob", "get", blob}, {"blob", "get", blob.substring(0, 12)},
                    {"blob", "get", absent}, {"blob", "get", "sha256:"}, {"blob", "get", "not-a-digest"}}) {
                List<String> a = new ArrayList<>(List.of(global));
                a.addAll(List.of(cmd));
                quick.add(a.toArray(String[]::new));
            }
        }
        quick.add(new String[] {"--root", tmp.resolve("new-store").toString(), "status"});
        quick.add(new String[] {"--root", tmp.resolve("new-store-2").toString(), "list"});
        int failures = 0;
        for (String[] args : quick) {
            Map<String, String> env = new HashMap<>(cli.env);
            assertNotNull(QuickCommands.parse(new CliContext(null, null, null, env), args), () -> "not quick: " + String.join(" ", args));
            Run fast = run(env, false, args);
            Run slow = run(env, true, args);
            String what = String.join(" ", args);
            assertEquals(slow.code, fast.code, what);
            assertArrayEquals(slow.out, fast.out, what);
            assertEquals(slow.err, fast.err, what);
            failures += fast.code == 0 ? 0 : 1;
        }
        assertEquals(3 * 4, failures, "each global form has three failing gets (absent, ambiguous, malformed)");
    }

    @Test
    void otherShapesGoToPicocli() {
        Map<String, String> env = Map.of("HOME", tmp.toString());
        CliContext c = new CliContext(null, null, null, env);
        for (String[] args : new String[][] {{}, {"status", "--help"}, {"--root", "x", "status", "-h"}, {"-h"}, {"--version"},
                {"status", "--json", "--json"}, {"status", "x"}, {"list", "--root", "x"}, {"blob", "get", "-o", "f", "sha256:ab"},
                {"blob", "get", "--no-verify", "sha256:ab"}, {"blob", "get"}, {"blob", "get", "a", "b"}, {"blob", "ls", "--prefix", "ab"},
                {"blob", "put", "f"}, {"@args", "status"}, {"blob", "get", "@f"}, {"--root"}, {"--root", "--json", "status"},
                {"--root", "a", "--root", "b", "status"}, {"--lock-timeout", "soon", "status"}, {"--root=", "status"},
                {"inspect", "a:1"}, {"--", "status"}, {"statuss"}}) {
            assertNull(QuickCommands.parse(c, args), () -> "quick: " + String.join(" ", args));
        }
        Run bad = run(env, false, "--lock-timeout", "soon", "status");
        assertEquals(ExitCodes.USAGE, bad.code);
    }

    private record Run(int code, byte[] out, String err) {
    }

    private static Run run(Map<String, String> env, boolean picocli, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            ByteArrayInputStream in = new ByteArrayInputStream(new byte[0]);
            code = picocli ? Main.runWithPicocli(new CliContext(in, o, e, env), args) : Main.run(in, o, e, env, args);
        }
        return new Run(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }
}
