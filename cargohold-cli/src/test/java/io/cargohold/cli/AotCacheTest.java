package io.cargohold.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AOT caches of {@code bin/cargohold} and {@code bin/containers-storage} only ever change how fast a
 * command starts: with a cache that is missing, damaged, empty or recorded for other jars, and while
 * {@code bin/lib/prepare-launch} records new ones, every command prints exactly what it prints with the
 * good cache, nothing on stderr, and exits 0 (containers-storage: a read, a write and a content command,
 * one for each of its three caches). Needs {@code bin/build} (bin/test runs it first); skipped otherwise,
 * like {@link LauncherTest}.
 */
class AotCacheTest {
    @TempDir
    Path tmp;

    private Path module;
    private Path launcher;
    private Path root;
    private String digest;

    @BeforeEach
    void store() throws Exception {
        module = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        launcher = module.resolveSibling("bin").resolve("cargohold");
        Assumptions.assumeTrue(Files.isRegularFile(module.resolve("target/classpath")) && Files.isRegularFile(module.resolve("target/cargohold.aot")),
                "target/classpath or target/cargohold.aot is absent: run bin/build to test the launcher's AOT cache");
        root = tmp.resolve("store");
        Files.writeString(tmp.resolve("f"), "cached or not\n");
        digest = exec(Map.of(), "--root", root.toString(), "blob", "put", tmp.resolve("f").toString()).ok().out.trim();
    }

    @Test
    void aMissingDamagedOrStaleCacheOnlyMakesTheStartSlower() throws Exception {
        Proc quick = exec(Map.of(), "--root", root.toString(), "blob", "ls").ok();
        Proc picocli = exec(Map.of(), "--root", root.toString(), "blob", "info", digest).ok();
        byte[] real = Files.readAllBytes(module.resolve("target/cargohold.aot"));
        Files.write(tmp.resolve("truncated.aot"), java.util.Arrays.copyOf(real, 64 * 1024));
        Files.write(tmp.resolve("empty.aot"), new byte[0]);
        Files.writeString(tmp.resolve("garbage.aot"), "not a cache\n");
        byte[] flipped = real.clone();
        flipped[flipped.length / 2] ^= 0x55;
        Files.write(tmp.resolve("flipped.aot"), flipped);
        List<Path> caches = new ArrayList<>(List.of(tmp.resolve("absent.aot"), tmp.resolve("truncated.aot"), tmp.resolve("empty.aot"),
                tmp.resolve("garbage.aot"), tmp.resolve("flipped.aot")));
        // recorded for other jars: containers-storage's cache (its class path differs from ours)
        Path other = module.resolveSibling("cargohold-cstorage").resolve("target/cstorage.aot");
        if (Files.isRegularFile(other)) {
            caches.add(other);
        }
        for (Path cache : caches) {
            Map<String, String> env = Map.of("CARGOHOLD_JAVA_OPTS", "-XX:AOTCache=" + cache);
            Proc q = exec(env, "--root", root.toString(), "blob", "ls").ok();
            assertEquals(quick.out, q.out, cache::toString);
            Proc p = exec(env, "--root", root.toString(), "blob", "info", digest).ok();
            assertEquals(picocli.out, p.out, cache::toString);
        }
        // containers-storage: each of its caches replaced by the broken ones (and by cargohold's: other jars)
        List<String> expected = cstorageCommands(Map.of());
        caches.remove(other);
        caches.add(module.resolve("target/cargohold.aot"));
        for (Path cache : caches) {
            assertEquals(expected, cstorageCommands(Map.of("CSTORAGE_JAVA_OPTS", "-XX:AOTCache=" + cache)), cache::toString);
        }
    }

    /**
     * One command of each of bin/containers-storage's caches, on a fresh store (a write, cstorage-quick.aot;
     * a read, cstorage-read.aot; a content command, cstorage.aot): their outputs, each checked to exit 0
     * with nothing on stderr.
     */
    private List<String> cstorageCommands(Map<String, String> env) throws IOException, InterruptedException {
        Path store = Files.createTempDirectory(tmp, "cs");
        List<String> g = List.of("--storage-driver", "vfs", "-g", store.resolve("g").toString(), "-R", store.resolve("r").toString());
        List<String> outs = new ArrayList<>();
        for (List<String> args : List.of(List.of("create-layer", "-n", "base"), List.of("layers", "-t"), List.of("diffsize", "base"))) {
            List<String> argv = new ArrayList<>(g);
            argv.addAll(args);
            outs.add(execCs(env, argv).ok().out);
        }
        // layer IDs are random: the outputs with the one made here replaced
        String id = outs.getFirst().lines().findFirst().orElseThrow(); // create-layer prints the ID, then the names
        return outs.stream().map(o -> o.replace(id, "ID")).toList();
    }

    @Test
    void recordingTheCacheWhileCommandsRunPrintsNoError() throws Exception {
        Proc expected = exec(Map.of(), "--root", root.toString(), "blob", "info", digest).ok();
        Path log = tmp.resolve("prepare-launch.log");
        Process build = new ProcessBuilder(module.resolveSibling("bin").resolve("lib").resolve("prepare-launch").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int runs = 0;
        try {
            List<String> cs = cstorageCommands(Map.of());
            while (build.isAlive() || runs < 3) {
                Proc p = exec(Map.of(), "--root", root.toString(), "blob", "info", digest).ok();
                assertEquals(expected.out, p.out, "run " + runs);
                assertEquals(expected.out.isEmpty(), false);
                exec(Map.of(), "--root", root.toString(), "blob", "ls").ok();
                assertEquals(cs, cstorageCommands(Map.of()), "run " + runs);
                runs++;
            }
        } finally {
            if (!build.waitFor(600, TimeUnit.SECONDS)) {
                build.destroyForcibly();
            }
        }
        assertEquals(0, build.exitValue(), () -> "prepare-launch failed: " + read(log));
        assertTrue(runs >= 3);
        assertTrue(Files.isRegularFile(module.resolve("target/cargohold.aot")));
        assertEquals(expected.out, exec(Map.of(), "--root", root.toString(), "blob", "info", digest).ok().out);
        for (Path target : List.of(module.resolve("target"), module.resolveSibling("cargohold-cstorage").resolve("target"))) {
            try (var s = Files.list(target)) {
                assertEquals(List.of(), s.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".new")).toList(),
                        "no half-written file left beside the caches in " + target);
            }
        }
        for (String cache : List.of("cstorage.aot", "cstorage-quick.aot", "cstorage-read.aot")) {
            assertTrue(Files.isRegularFile(module.resolveSibling("cargohold-cstorage").resolve("target").resolve(cache)), cache);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private record Proc(String what, int code, String out, String err) {
        Proc ok() {
            assertEquals(0, code, what + ": " + err);
            assertEquals("", err, what);
            return this;
        }
    }

    private Proc exec(Map<String, String> extraEnv, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(launcher.toString()));
        command.addAll(List.of(args));
        return run(command, extraEnv);
    }

    private Proc execCs(Map<String, String> extraEnv, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(module.resolveSibling("bin").resolve("containers-storage").toString()));
        command.addAll(args);
        return run(command, extraEnv);
    }

    private Proc run(List<String> command, Map<String, String> extraEnv) throws IOException, InterruptedException {
        List<String> args = command.subList(1, command.size());
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("CARGOHOLD_ROOT");
        pb.environment().remove("CARGOHOLD_JAVA_OPTS");
        pb.environment().remove("CSTORAGE_JAVA_OPTS");
        pb.environment().put("HOME", tmp.resolve("home").toString());
        pb.environment().putAll(extraEnv);
        Path out = Files.createTempFile(tmp, "out", "");
        Path err = Files.createTempFile(tmp, "err", "");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("launcher did not finish in 120 s");
        }
        String what = String.join(" ", args) + " " + extraEnv;
        return new Proc(what, p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
