package io.cargohold.cli;

import static io.cargohold.cli.Cli.sha256;
import static io.cargohold.cli.Cli.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real launcher, {@code bin/cargohold}, as a subprocess: only when {@code bin/build} has prepared
 * {@code target/classpath} (a plain {@code mvn verify} does not), since the launcher needs it.
 */
class LauncherTest {
    @TempDir
    Path tmp;

    /** This module's directory, once bin/build has prepared its {@code target/classpath} (the test is skipped otherwise). */
    private static Path builtModule() {
        Path module = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        Assumptions.assumeTrue(Files.isRegularFile(module.resolve("target/classpath")),
                "target/classpath is absent: run bin/build to test the launcher");
        return module;
    }

    @Test
    void launcherRunsTheCliAndExitsWithItsCode() throws Exception {
        Path module = builtModule();
        Path launcher = module.resolveSibling("bin").resolve("cargohold");
        assertTrue(Files.isExecutable(launcher), launcher::toString);
        Path root = tmp.resolve("store");
        byte[] content = utf8("through the launcher\n");

        Proc put = exec(content, launcher.toString(), "--root", root.toString(), "blob", "put", "-");
        assertEquals(0, put.code, put.err);
        assertEquals(sha256(content) + "\n", put.out);
        assertEquals("", put.err); // nothing from the JVM either (the hashing commands run with compiler directives)
        assertArrayEquals(content, new Cli(root).run("blob", "get", sha256(content)).ok().stdout());
        Proc got = exec(new byte[0], launcher.toString(), "--root", root.toString(), "blob", "get", sha256(content));
        assertEquals(0, got.code, got.err);
        assertEquals(new String(content, StandardCharsets.UTF_8), got.out);
        assertEquals("", got.err);

        String absent = sha256(utf8("absent"));
        Proc get = exec(new byte[0], launcher.toString(), "--root", root.toString(), "blob", "get", absent);
        assertEquals(ExitCodes.NOT_FOUND, get.code);
        assertEquals("", get.out);
        assertEquals("cargohold: blob " + absent + " not found\n", get.err);
    }

    /**
     * The launchers find the project from their own path with bash alone: through a symlink from another
     * directory, by a relative path from their own directory, and by a relative path with "..".
     */
    @Test
    void launchersFindTheProjectHoweverTheyAreReached() throws Exception {
        Path module = builtModule();
        Path bin = module.resolveSibling("bin");
        Path links = Files.createDirectories(tmp.resolve("links"));
        Path root = tmp.resolve("store");
        for (String name : List.of("cargohold", "containers-storage")) {
            Path link = Files.createSymbolicLink(links.resolve(name), bin.resolve(name));
            String[] args = name.equals("cargohold")
                    ? new String[] {"--root", root.toString(), "status"}
                    : new String[] {"--storage-driver", "vfs", "-g", tmp.resolve("g").toString(), "-R", tmp.resolve("r").toString(), "layers"};
            for (Object[] how : new Object[][] {
                    {links, link.toString()}, {bin, "./" + name}, {module, "../bin/" + name}, {tmp, bin + "/../bin/" + name}}) {
                List<String> command = new java.util.ArrayList<>(List.of((String) how[1]));
                command.addAll(List.of(args));
                Proc p = execIn((Path) how[0], new byte[0], command.toArray(String[]::new));
                assertEquals(0, p.code, how[1] + " in " + how[0] + ": " + p.err);
                assertEquals("", p.err, how[1] + " in " + how[0]);
            }
        }
    }

    /**
     * SQLite's native library: the launcher loads the copy bin/build extracted for the driver's jar on its class
     * path; without it (here: the launcher and class path file copied into a project with no target/native), the
     * driver extracts its own copy to java.io.tmpdir as it does by default, the command prints the same and nothing
     * on stderr, and no copy is left behind (the quick commands then exit through the JDK's hooks, which delete it).
     */
    @Test
    void sqliteLibraryIsTheBuildsOrElseTheDriversOwnCopy() throws Exception {
        Path module = builtModule();
        Path bin = module.resolveSibling("bin");
        Path root = tmp.resolve("store");
        Path javaTmp = Files.createDirectories(tmp.resolve("java-tmp"));
        Path libLog = tmp.resolve("library.log");
        java.util.Map<String, String> env = java.util.Map.of("CARGOHOLD_JAVA_OPTS",
                "-Xlog:library=info:file=" + libLog + " -Djava.io.tmpdir=" + javaTmp);
        byte[] content = utf8("a blob\n");
        assertEquals(0, exec(content, bin.resolve("cargohold").toString(), "--root", root.toString(), "blob", "put", "-").code);

        Proc built = execEnv(env, bin.resolve("cargohold").toString(), "--root", root.toString(), "status");
        assertEquals(0, built.code, built.err);
        assertEquals("", built.err);
        String loaded = Files.readString(libLog);
        assertTrue(loaded.contains(module.resolve("target/native/sqlite-jdbc-") + ""), loaded);
        assertTrue(loaded.contains("/libsqlitejdbc.so"), loaded);
        assertEquals(List.of(), list(javaTmp));

        Path top = tmp.resolve("project");
        Files.createDirectories(top.resolve("bin/lib"));
        Files.createDirectories(top.resolve("cargohold-cli/target"));
        Files.copy(bin.resolve("cargohold"), top.resolve("bin/cargohold"));
        Files.copy(bin.resolve("lib/jdk.sh"), top.resolve("bin/lib/jdk.sh"));
        Files.copy(module.resolve("target/classpath"), top.resolve("cargohold-cli/target/classpath"));
        for (String[] args : new String[][] {{"status"}, {"blob", "get", sha256(content)}}) {
            List<String> command = new java.util.ArrayList<>(List.of("--root", root.toString()));
            command.addAll(List.of(args));
            command.addFirst(bin.resolve("cargohold").toString());
            Proc expected = execEnv(java.util.Map.of(), command.toArray(String[]::new));
            command.set(0, top.resolve("bin/cargohold").toString());
            Files.deleteIfExists(libLog);
            Proc extracted = execEnv(env, command.toArray(String[]::new));
            assertEquals(0, extracted.code, extracted.err);
            assertEquals(expected.out, extracted.out, String.join(" ", args));
            assertEquals("", extracted.err, String.join(" ", args));
            loaded = Files.readString(libLog);
            assertTrue(loaded.contains(javaTmp + "/sqlite-"), loaded); // the driver's own copy was loaded
            assertEquals(List.of(), list(javaTmp), "the driver's copy is deleted at exit");
        }
    }

    private static List<String> list(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    private record Proc(int code, String out, String err) {
    }

    private Proc execEnv(java.util.Map<String, String> env, String... command) throws IOException, InterruptedException {
        return execIn(null, new byte[0], env, command);
    }

    private Proc exec(byte[] stdin, String... command) throws IOException, InterruptedException {
        return execIn(null, stdin, command);
    }

    private Proc execIn(Path dir, byte[] stdin, String... command) throws IOException, InterruptedException {
        return execIn(dir, stdin, java.util.Map.of(), command);
    }

    private Proc execIn(Path dir, byte[] stdin, java.util.Map<String, String> env, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(List.of(command));
        pb.environment().putAll(env);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        pb.environment().remove("CARGOHOLD_ROOT");
        pb.environment().put("HOME", tmp.resolve("home").toString());
        Path out = tmp.resolve("stdout");
        Path err = tmp.resolve("stderr");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            in.write(stdin);
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("launcher did not finish in 60s");
        }
        return new Proc(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
