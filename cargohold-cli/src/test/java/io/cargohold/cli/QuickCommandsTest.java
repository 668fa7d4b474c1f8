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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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

    /** copy (io.cargohold.cli.cargohold.QuickCopy): the same output, exit code and result (the destination's files) both ways. */
    @Test
    void aQuickCopyBehavesAsThroughPicocli() throws Exception {
        WrittenLayout w = TestImages.twoTagsSharingLayers(tmp.resolve("layout"));
        Map<String, String> env = new Cli(tmp.resolve("store")).env;
        String src = "oci:" + w.dir() + ":latest";
        Path out = tmp.resolve("out");
        Path digest = tmp.resolve("digest");
        String[][] vectors = {
            {"copy", "-q", src, "oci:" + out + ":latest"},
            {"copy", "--json", "--digestfile", digest.toString(), "oci:" + w.dir() + ":v2", "oci:" + out + ":v2"},
            {"copy", "--quiet", "--dest-compress-format=zstd", "--dest-compress-level", "3", "--jobs=1", src, "oci:" + out},
            {"copy", "-q", "--src-tls-verify=false", "--retry-times", "1", src, "oci:" + out + ":x"},
            {"copy", "--json", src, "cargohold:app:1"},
            {"copy", "-q", "oci:" + tmp.resolve("missing") + ":x", "oci:" + out},
            {"copy", "--dest-compress-format", "lz4", src, "oci:" + out},
            {"copy", "-q", "ocii:x", "oci:" + out},
        };
        List<Integer> codes = new ArrayList<>();
        for (String[] v : vectors) {
            String what = String.join(" ", v);
            Run[] runs = new Run[2];
            List<Map<String, String>> results = new ArrayList<>();
            for (int k = 0; k < 2; k++) {
                Path root = tmp.resolve("store-" + codes.size() + "-" + k);
                List<String> a = new ArrayList<>(List.of("--root", root.toString()));
                a.addAll(List.of(v));
                String[] args = a.toArray(String[]::new);
                assertNotNull(QuickCommands.parse(new CliContext(null, null, null, env), args), () -> "not quick: " + what);
                runs[k] = run(env, k == 1, args);
                Map<String, String> files = new TreeMap<>();
                for (Path p : List.of(out, digest, root)) {
                    files.putAll(files(p, p.equals(root) ? "store/" : p.getFileName() + "/"));
                    deleteTree(p);
                }
                if (v[v.length - 1].startsWith("cargohold:")) {
                    files.put("list", run(env, true, "--root", root.toString(), "list", "--json").outString());
                }
                results.add(files);
            }
            assertEquals(runs[1].code, runs[0].code, what);
            assertEquals(seconds(runs[1].out), seconds(runs[0].out), what);
            assertEquals(runs[1].err, runs[0].err, what);
            for (Map<String, String> r : results) {
                r.keySet().removeIf(f -> f.startsWith("store/")); // the index's own bytes (times) differ; its content is "list"
            }
            assertEquals(results.get(1), results.get(0), what);
            codes.add(runs[0].code);
        }
        assertEquals(List.of(0, 0, 0, 0, 0, 3, 2, 2), codes);
    }

    private static void deleteTree(Path p) throws java.io.IOException {
        if (Files.exists(p)) {
            try (var s = Files.walk(p)) {
                for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
    }

    /** The JSON summary's seconds, which differ between two runs. */
    private static String seconds(byte[] out) {
        return new String(out, StandardCharsets.UTF_8).replaceAll("\"seconds\" *: *[0-9.E-]+", "\"seconds\":S");
    }

    /** Every regular file under {@code p} (or {@code p} itself) by relative path, its content's SHA-256. */
    private static Map<String, String> files(Path p, String prefix) throws java.io.IOException {
        Map<String, String> m = new TreeMap<>();
        if (!Files.exists(p)) {
            return m;
        }
        try (var s = Files.walk(p)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                m.put(prefix + p.relativize(f), Cli.sha256(Files.readAllBytes(f)));
            }
        }
        return m;
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
        String outString() {
            return new String(out, StandardCharsets.UTF_8);
        }
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
