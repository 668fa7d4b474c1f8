package io.cargohold.cstorage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.testkit.images.Tools;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * storage.conf files through upstream's Go {@code containers-storage} 1.43.0 and through ours, with the
 * same environment: the store they resolve ({@code --debug status}'s Root, Run Root, Driver Name and
 * Driver Options), what they log while reading the file, and the error they report. The one difference
 * kept on purpose: a decode error has no {@code line N} here (BurntSushi knows the key's line, Jackson's
 * tree does not), so upstream's text is compared with that part removed; a syntax error's text after
 * {@code toml: line N:} is Jackson's, so only that prefix is compared.
 */
class StorageConfPeerTest {
    @TempDir
    Path dir;

    record Run(int status, String out, List<String> resolved, List<String> logged) {
    }

    private Map<String, String> env(Path conf, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("HOME", dir.toString());
        env.put("XDG_RUNTIME_DIR", dir.toString());
        env.put("XDG_DATA_HOME", dir.resolve("data").toString());
        env.put("CONTAINERS_STORAGE_CONF", conf.toString());
        env.putAll(extra);
        return env;
    }

    private static List<String> resolved(String err) {
        return err.lines().map(l -> l.replaceFirst("^time=\"[^\"]*\" level=debug msg=\"(.*)\"$", "$1"))
                .filter(l -> l.startsWith("Root: ") || l.startsWith("Run Root: ") || l.startsWith("Driver Name: ")
                        || l.startsWith("Driver Options: ")).toList();
    }

    private static List<String> logged(String err) {
        return err.lines().filter(l -> l.contains("level=warning") || l.contains("level=error"))
                .map(l -> l.replaceFirst("^time=\"[^\"]*\" ", "")).toList();
    }

    private Run upstream(Path conf, Map<String, String> extra) throws Exception {
        Path bin = Tools.require("containers-storage");
        ProcessBuilder pb = new ProcessBuilder(bin.toString(), "--debug", "status").directory(dir.toFile());
        pb.environment().clear();
        pb.environment().putAll(env(conf, extra));
        Path out = dir.resolve("up.out");
        Path err = dir.resolve("up.err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        int status = pb.start().waitFor();
        String e = Files.readString(err);
        return new Run(status, Files.readString(out), resolved(e), logged(e));
    }

    private Run ours(Path conf, Map<String, String> extra) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env(conf, extra), dir, List.of("--debug", "status"),
                Host.under(dir.resolve("host")));
        String e = err.toString(StandardCharsets.UTF_8);
        return new Run(status, out.toString(StandardCharsets.UTF_8), resolved(e), logged(e));
    }

    private Path conf(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text.replace("@DIR@", dir.toString()));
        return p;
    }

    /** Upstream's output with BurntSushi's decode-error line numbers taken out (see the class comment). */
    private static String withoutLine(String s) {
        return s.replaceAll("toml: line \\d+ \\(last key", "toml: (last key");
    }

    private void same(Path conf, Map<String, String> extra) throws Exception {
        Run up = upstream(conf, extra);
        Run our = ours(conf, extra);
        String what = (Files.exists(conf) ? Files.readString(conf) : conf + " (missing)") + " " + extra;
        assertEquals(up.resolved(), our.resolved(), what);
        assertEquals(up.logged(), our.logged(), what);
        if (up.status() != 0 || our.status() != 0) {
            assertEquals(up.status(), our.status(), what + "\n" + up + "\n" + our);
            assertEquals(withoutLine(up.out()), our.out(), what);
        }
    }

    @Test
    void theStoreTheOptionsAndTheWarningsAreUpstreams() throws Exception {
        Path full = conf("full.conf", """
                [storage]
                driver = "vfs"
                runroot = "@DIR@/run"
                graphroot = "@DIR@/graph"
                [storage.options]
                additionalimagestores = ["@DIR@/ro"]
                ignore_chown_errors = "true"
                pull_options = {enable_partial_images = "false"}
                [storage.options.vfs]
                ignore_chown_errors = "false"
                [storage.options.overlay]
                mountopt = "nodev"
                """);
        Files.createDirectories(dir.resolve("ro"));
        same(full, Map.of());
        same(full, Map.of("STORAGE_OPTS", "vfs.ignore_chown_errors=true"));
        same(full, Map.of("STORAGE_OPTS", ""));
        same(full, Map.of("STORAGE_DRIVER", "vfs"));
        Path unknown = conf("unknown.conf", """
                foo = "bar"
                [storage]
                driver = "vfs"
                runroot = "@DIR@/run2"
                graphroot = "@DIR@/graph2"
                [storage.options]
                graphroot = "/var/lib/containers/storage"
                [storage.zzz]
                a = 1
                """);
        same(unknown, Map.of());
        Path expand = conf("expand.conf", """
                [storage]
                driver = "vfs"
                runroot = "$HOME/$UID/run"
                graphroot = "${HOME}/x/../$UID/graph"
                """);
        same(expand, Map.of());
        Path mask = conf("mask.conf", """
                [storage]
                driver = "vfs"
                runroot = "@DIR@/run3"
                graphroot = "@DIR@/graph3"
                [storage.options]
                force_mask = 0o700
                mountopt = "nodev"
                """);
        same(mask, Map.of());
    }

    // every file names the vfs driver: without one upstream probes for a driver and leaves overlay's mount behind
    @Test
    void theErrorsAreUpstreams() throws Exception {
        for (String body : List.of("runroot = 5", "runroot = [1]", "runroot = 1.5", "runroot = true",
                "[storage.options]\nadditionalimagestores = \"x\"", "[storage.options]\nauto-userns-min-size = -1",
                "[storage.options]\nforce_mask = \"0700\"", "[storage.options]\nvfs = \"x\"", "[storage.options]\ndisable-volatile = 1",
                "[storage.options]\npull_options = {a = 1}", "[storage.options]\nremap-uids = \"0:1\"",
                "[storage.options]\nremap-gids = \"a:b:c\"")) {
            String roots = body.startsWith("runroot") ? "graphroot = \"@DIR@/g\"\n" : "runroot = \"@DIR@/r\"\ngraphroot = \"@DIR@/g\"\n";
            same(conf("bad.conf", "[storage]\ndriver = \"vfs\"\n" + roots + body + "\n"), Map.of());
        }
        same(dir.resolve("missing.conf"), Map.of());
        // a syntax error: the same "toml: line N" prefix, then Jackson's words (upstream may add "(last key …)")
        for (String text : List.of("[storage]\ndriver = \"vfs\"\n[storage.options\n", "[storage\ndriver = \"vfs\"\n")) {
            Path syntax = conf("syntax.conf", text);
            Run up = upstream(syntax, Map.of());
            Run our = ours(syntax, Map.of());
            assertEquals(up.status(), our.status());
            String upLine = up.out().replaceFirst("(?s)^(Failed to read \\S+ toml: line \\d+)[ :].*", "$1");
            assertTrue(upLine.startsWith("Failed to read " + syntax + " toml: line "), up.out());
            assertTrue(our.out().startsWith(upLine + ": "), our.out() + " vs " + up.out());
            assertTrue(our.out().contains("\nerror initializing: toml: line "), our.out());
        }
    }
}
