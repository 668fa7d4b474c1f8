package io.cargohold.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library as JPMS modules: the CLI runs from the module path (the launchers use the class path), the
 * {@code docker://} transport is found as a service of the registry module, and no module exports an
 * internal package to anyone but the named friends.
 */
class ModulePathTest {
    /** Our modules and what each may export to everyone; every other package is internal. */
    private static final Map<String, Set<String>> API = Map.of(
            "io.cargohold.base", Set.of("io.cargohold.digest", "io.cargohold.errors"),
            "io.cargohold.content", Set.of("io.cargohold.content", "io.cargohold.content.gc"),
            "io.cargohold.oci", Set.of("io.cargohold.oci", "io.cargohold.oci.refs"),
            "io.cargohold.storage", Set.of("io.cargohold.storage", "io.cargohold.storage.archive", "io.cargohold.storage.check",
                    "io.cargohold.storage.config"),
            "io.cargohold.copy", Set.of("io.cargohold.copy", "io.cargohold.copy.cargohold", "io.cargohold.copy.storage"),
            "io.cargohold.registry", Set.of("io.cargohold.registry", "io.cargohold.registry.docker", "io.cargohold.registry.config"),
            "io.cargohold.cli", Set.of(),
            "io.cargohold.cstorage", Set.of());

    private static String modulePath;
    private static Map<String, ModuleDescriptor> ours;

    @TempDir
    Path tmp;

    @BeforeAll
    static void findModules() {
        // the explicit modules among the test class path's entries (this module's classes, its siblings' jars,
        // the libraries'); automatic modules (no descriptor) are left out, as the JVM would refuse some names
        List<String> entries = new ArrayList<>();
        ours = new TreeMap<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(e);
            if (!Files.exists(p) || p.getFileName().toString().equals("test-classes")) {
                continue;
            }
            for (ModuleReference r : ModuleFinder.of(p).findAll()) {
                if (!r.descriptor().isAutomatic()) {
                    entries.add(e);
                    if (r.descriptor().name().startsWith("io.cargohold.")) {
                        ours.put(r.descriptor().name(), r.descriptor());
                    }
                }
            }
        }
        modulePath = String.join(File.pathSeparator, entries);
    }

    @Test
    void everyModuleIsExplicitAndExportsItsInternalsOnlyToNamedFriends() {
        assertEquals(API.keySet(), ours.keySet(), "the modules found on the test class path");
        for (ModuleDescriptor d : ours.values()) {
            for (ModuleDescriptor.Exports x : d.exports()) {
                if (!x.isQualified()) {
                    assertTrue(API.get(d.name()).contains(x.source()), d.name() + " exports " + x.source() + " to everyone");
                } else {
                    for (String friend : x.targets()) {
                        assertTrue(API.containsKey(friend), d.name() + " exports " + x.source() + " to " + friend + ", not one of ours");
                    }
                }
            }
            assertTrue(d.opens().stream().allMatch(o -> o.isQualified()), d.name() + " opens a package to everyone");
        }
        // the storage internals reach only containers-storage, which speaks upstream's records directly
        ModuleDescriptor storage = ours.get("io.cargohold.storage");
        Set<String> internalTargets = storage.exports().stream().filter(x -> x.source().equals("io.cargohold.storage.internal"))
                .flatMap(x -> x.targets().stream()).collect(Collectors.toSet());
        assertEquals(Set.of("io.cargohold.cstorage"), internalTargets);
        assertTrue(ours.get("io.cargohold.registry").provides().stream()
                .anyMatch(p -> p.service().equals("io.cargohold.copy.Transport")), "the registry module provides a Transport");
    }

    @Test
    void jdepsFindsNoUseOfAnotherModulesInternalsExceptByTheDeclaredFriends() throws Exception {
        Path jdeps = Path.of(System.getProperty("java.home"), "bin", "jdeps");
        List<String> cmd = new ArrayList<>(List.of(jdeps.toString(), "--multi-release", "25", "--module-path", modulePath,
                "-verbose:package"));
        cmd.add("--add-modules");
        cmd.add(String.join(",", ours.keySet()) + ",jdk.httpserver"); // the CLI's `requires static` (its AOT training run)
        Path out = tmp.resolve("jdeps.txt");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "jdeps timed out");
        List<String> lines = Files.readAllLines(out);
        assertEquals(0, p.exitValue(), String.join("\n", lines));
        int crossings = 0;
        String module = null;
        for (String line : lines) {
            // a module's summary lines ("io.cargohold.cstorage -> java.base") start unindented, then its packages':
            // "   io.cargohold.cstorage   -> io.cargohold.storage.internal   io.cargohold.storage (qualified)"
            String[] f = line.trim().split("\\s+");
            if (!line.startsWith(" ") && f.length >= 3 && f[1].equals("->")) {
                module = f[0];
            }
            assertFalse(line.contains("JDK internal API") || line.contains("not found"), line);
            if (!line.startsWith(" ") || f.length < 4 || !f[1].equals("->") || !f[0].startsWith("io.cargohold")) {
                continue;
            }
            String target = f[3];
            if (!API.containsKey(target) || target.equals(module)) {
                continue;
            }
            String pkg = f[2];
            ModuleDescriptor.Exports x = ours.get(target).exports().stream().filter(e -> e.source().equals(pkg)).findFirst()
                    .orElseThrow(() -> new AssertionError("uses a package its module does not export: " + line));
            assertEquals(x.isQualified(), line.contains("(qualified)"), line);
            if (!x.isQualified()) {
                assertTrue(API.get(target).contains(pkg), line);
            }
            crossings++;
        }
        assertTrue(crossings > 20, "jdeps reported " + crossings + " uses of other modules' packages:\n" + String.join("\n", lines));
    }

    @Test
    void theCliRunsFromTheModulePathAndFindsTheRegistryTransportAsAService() throws Exception {
        Path root = tmp.resolve("store");
        Result copy = run("--root", root.toString(), "copy", "-q", "sample:hello", "oci:" + tmp.resolve("layout") + ":hello");
        assertEquals(0, copy.code, copy.err);
        assertTrue(Files.isRegularFile(tmp.resolve("layout/index.json")));
        Result list = run("--root", root.toString(), "copy", "-q", "oci:" + tmp.resolve("layout") + ":hello", "cargohold:hello:1");
        assertEquals(0, list.code, list.err);
        Result status = run("--root", root.toString(), "list");
        assertEquals(0, status.code, status.err);
        assertTrue(status.out.contains("hello"), status.out);
        // docker:// lives in another module and is found through `provides`: an unreachable registry fails
        // on the network, not as an unknown transport
        Result docker = run("--root", root.toString(), "inspect", "--tls-verify=false", "docker://127.0.0.1:1/x:y");
        assertFalse(docker.code == 0);
        assertFalse(docker.err.contains("transport"), docker.err);
        assertTrue(docker.err.contains("127.0.0.1:1"), docker.err);
        for (Result r : List.of(copy, list, status, docker)) {
            assertFalse(r.err.contains("IllegalAccess") || r.err.contains("InaccessibleObject") || r.err.contains("WARNING"), r.err);
        }
    }

    private record Result(int code, String out, String err) {
    }

    private Result run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=io.cargohold.base,io.cargohold.content,io.cargohold.storage,org.xerial.sqlitejdbc,"
                        + "com.github.luben.zstd_jni",
                "--module-path", modulePath, "-m", "io.cargohold.cli/io.cargohold.cli.Main"));
        cmd.addAll(List.of(args));
        Path out = tmp.resolve("out.txt");
        Path err = tmp.resolve("err.txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
