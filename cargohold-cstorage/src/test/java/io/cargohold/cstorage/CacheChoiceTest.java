package io.cargohold.cstorage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/containers-storage picks the AOT cache by the command word ({@link Train#CONTENT}: cstorage.aot,
 * {@link Train#READS}: cstorage-read.aot, anything else: cstorage-quick.aot), with its own copy of those lists:
 * the real launcher and bin/lib/jdk.sh run here in a copy of the project's layout, against a stand-in
 * {@code java} that prints its arguments, for every command name and alias. Run with an empty PATH: the
 * launcher starts no other program (every one costs a start-up a millisecond or two).
 */
class CacheChoiceTest {
    @TempDir
    Path tmp;

    private Path launcher;

    @BeforeEach
    void layout() throws IOException {
        Path project = Path.of(System.getProperty("basedir", "")).toAbsolutePath().getParent();
        Path bin = Files.createDirectories(tmp.resolve("project/bin/lib"));
        launcher = tmp.resolve("project/bin/containers-storage");
        Files.copy(project.resolve("bin/containers-storage"), launcher);
        Files.copy(project.resolve("bin/lib/jdk.sh"), bin.resolve("jdk.sh"));
        Path target = Files.createDirectories(tmp.resolve("project/cargohold-cstorage/target"));
        Files.writeString(target.resolve("classpath"), "/the/class/path.jar\n");
        for (String cache : List.of("cstorage.aot", "cstorage-quick.aot", "cstorage-read.aot")) {
            Files.writeString(target.resolve(cache), "");
        }
        Path java = Files.createDirectories(tmp.resolve("jdk/bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(tmp.resolve("jdk/release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"25.0.1\"\n");
    }

    /** The arguments the launcher gives java for {@code args}. */
    private List<String> javaArgs(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("/bin/bash", launcher.toString()));
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().clear();
        pb.environment().put("PATH", tmp.resolve("nothing").toString());
        pb.environment().put("CARGOHOLD_JAVA_HOME", tmp.resolve("jdk").toString());
        pb.environment().put("LC_ALL", "C.UTF-8");
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), err);
        assertEquals("", err, String.join(" ", args));
        return out.lines().toList();
    }

    private static String cache(List<String> javaArgs) {
        return javaArgs.stream().filter(a -> a.startsWith("-XX:AOTCache=")).map(a -> Path.of(a.substring(13)).getFileName().toString())
                .reduce((a, b) -> b).orElse("none");
    }

    @Test
    void everyCommandGetsTheCacheOfItsKind() throws Exception {
        Set<String> primaries = new TreeSet<>();
        for (Command c : Commands.all()) {
            String primary = c.names().getFirst();
            primaries.add(primary);
            String expected = Train.CONTENT.contains(primary) ? "cstorage.aot"
                    : Train.READS.contains(primary) ? "cstorage-read.aot" : "cstorage-quick.aot";
            for (String name : c.names()) {
                List<String> a = javaArgs("--debug", "-g", "/var/g", "--run", "/var/r", "--storage-driver", "vfs", name, "x");
                assertEquals(expected, cache(a), name);
                assertEquals("io.cargohold.cstorage.Main", a.get(a.size() - 10), name);
                assertEquals(List.of("--debug", "-g", "/var/g", "--run", "/var/r", "--storage-driver", "vfs", name, "x"),
                        a.subList(a.size() - 9, a.size()), name);
                assertTrue(a.contains("-cp") && a.get(a.indexOf("-cp") + 1).equals("/the/class/path.jar"), name);
                // the training's profiles are replayed (and C2 runs the digest code) only for the commands that hash
                // layer content; the others, changes, diffsize and copy among them, run without replay
                boolean hashing = Set.of("applydiff", "import-layer", "diff", "check").contains(primary);
                assertEquals(!hashing, a.contains("-XX:-AOTReplayTraining"), name);
                assertEquals(!hashing, a.contains("-XX:TieredStopAtLevel=1"), name);
            }
        }
        assertTrue(primaries.containsAll(Train.CONTENT), "CONTENT names commands that exist");
        assertTrue(primaries.containsAll(Train.READS), "READS names commands that exist");
        // no command word: usage, from the quick cache
        assertEquals("cstorage-quick.aot", cache(javaArgs()));
        assertEquals("cstorage-quick.aot", cache(javaArgs("--help")));
    }

    @Test
    void theReadTrainingRunsEveryRead() {
        Set<String> trained = new TreeSet<>();
        for (String[] run : Train.READ_RUNS) {
            Arrays.stream(run).filter(w -> !w.startsWith("-")).findFirst().ifPresent(trained::add);
        }
        Set<String> missing = new TreeSet<>(Train.READS);
        missing.removeAll(trained);
        assertEquals(Set.of(), missing, "reads the training does not run");
        assertTrue(Train.READS.containsAll(trained), "the read training runs reads only");
    }

    /** The FFM stub is made ahead only where a native call may come: a mount on vfs makes none. */
    @Test
    void theNativeWarmUpIsLeftOutForVfsMounts() throws Exception {
        String warm = "-Dcargohold.warmup.native=true";
        assertTrue(!javaArgs("--storage-driver", "vfs", "mount", "l").contains(warm));
        assertTrue(!javaArgs("--storage-driver=vfs", "unmount", "l").contains(warm));
        assertTrue(!javaArgs("-s", "vfs", "umount", "l").contains(warm));
        assertTrue(javaArgs("--storage-driver", "overlay", "mount", "l").contains(warm));
        assertTrue(javaArgs("mount", "l").contains(warm)); // the driver from storage.conf
        // create-layer: Main starts it when a parent is named (the launcher cannot tell without the option parsing)
        assertTrue(!javaArgs("--storage-driver", "vfs", "create-layer", "-n", "x", "base").contains(warm));
        assertTrue(javaArgs("--storage-driver", "vfs", "create-container", "-n", "x", "img").contains(warm));
        assertTrue(!javaArgs("--storage-driver", "vfs", "layers").contains(warm));
    }

    @Test
    void aMissingCacheIsLeftOut() throws Exception {
        Files.delete(tmp.resolve("project/cargohold-cstorage/target/cstorage-read.aot"));
        List<String> a = javaArgs("layers");
        assertEquals("none", cache(a));
        assertTrue(!a.contains("-Xlog:aot=off"));
    }
}
