package io.cargohold.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.Tools;
import io.cargohold.testkit.images.WrittenLayout;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, "readable when it cannot be written": a store on a read-only bind mount, a store of
 * another user (a real process as uid 65534), and a store on a 100 % full tmpfs can be listed,
 * inspected, checked and exported from (and the full one garbage-collected, which frees room); every
 * write fails saying why and where. Mounting needs root: skipped without it, except under CI=true
 * (CI runs as root), where it fails instead.
 */
class UnwritableStoreTest {
    @TempDir
    Path tmp;
    private final List<Path> mounts = new ArrayList<>();

    @BeforeEach
    void needsRoot() throws IOException {
        if (!Tools.isRoot(tmp)) {
            if ("true".equals(System.getenv("CI"))) {
                fail("mounting needs root, and CI runs as root");
            }
            Assumptions.abort("mounting needs root");
        }
    }

    @AfterEach
    void unmount() throws Exception {
        for (int i = mounts.size() - 1; i >= 0; i--) {
            // lazy: this JVM keeps its descriptor of a store's lock file open for good (PosixLockFile)
            sh("umount", "-l", mounts.get(i).toString());
        }
    }

    private static void sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
    }

    private Cli storeWithAnImage(Path root, String ref) throws IOException {
        Cli cli = new Cli(root);
        WrittenLayout w = TestImages.small(tmp.resolve("layout-" + ref.replace(':', '-')));
        cli.run("import", "--sref", "latest", "--dref", ref, w.dir().toString()).ok();
        return cli;
    }

    private static List<String> tree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    /** What every unwritable store must allow, and what it must refuse with {@code why}. */
    private void readsWorkWritesFail(Cli cli, String ref, int writeCode, String why) throws IOException {
        assertTrue(cli.run("list", "--format", "{{.Reference}}\\t{{.Digest}}").ok().out().startsWith(ref + "\t"));
        cli.run("inspect", ref).ok();
        cli.run("check", ref).ok();
        cli.run("blob", "ls").ok();
        cli.run("status").ok();
        cli.run("fsck", "--quick").ok();
        Path out = tmp.resolve("export-" + System.nanoTime());
        cli.run("export", "--sref", ref, out.toString()).ok();
        Tools.ok(Tools.require("skopeo"), "inspect", "oci:" + out + ":" + ref);
        Path file = tmp.resolve("a-file");
        Files.writeString(file, "new content " + System.nanoTime());
        cli.run("blob", "put", file.toString()).fails(writeCode, why);
        cli.run("kv", "set", "notes", "k", "v").fails(writeCode, why);
        cli.run("rm", ref).fails(writeCode, why);
    }

    @Test
    void aStoreOnAReadOnlyBindMountIsReadable() throws Exception {
        Path store = tmp.resolve("store");
        Cli writer = storeWithAnImage(store, "app:1");
        List<String> before = tree(store);
        Path ro = Files.createDirectory(tmp.resolve("ro"));
        sh("mount", "--bind", store.toString(), ro.toString());
        mounts.add(ro);
        sh("mount", "-o", "remount,ro,bind", ro.toString());
        Cli cli = new Cli(ro);
        readsWorkWritesFail(cli, "app:1", 4, "cannot be written (read-only file system)");
        cli.run("gc").fails(4, "read-only file system");
        cli.run("fsck", "--repair").fails(4, "read-only file system");
        assertEquals(before, tree(store), "nothing was created, not even the lock file's neighbours");
        writer.run("check", "app:1").ok();
    }

    @Test
    void aStoreOfAnotherUserIsReadableToUs() throws Exception {
        Path base = Files.createDirectory(tmp.resolve("shared"));
        Path store = base.resolve("store");
        storeWithAnImage(store, "app:1");
        // Readable by everybody, writable by root only; the tree above too.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxrwxrwx"));
        List<String> before = tree(store);
        // A real process as uid/gid 65534 (nobody). It keeps CAP_DAC_READ_SEARCH only so that it can load
        // the JDK's and Maven's class path from root's home; the capability bypasses read checks, never
        // write checks, so the store stays unwritable to it.
        String java = ProcessHandle.current().info().command().orElseThrow();
        String cp = System.getProperty("java.class.path");
        for (String[] c : new String[][] {
                {"list"}, {"inspect", "app:1"}, {"check", "app:1"}, {"fsck", "--quick"}, {"status"},
                {"export", "--sref", "app:1", base.resolve("exported").toString()}}) {
            assertEquals(0, asNobody(java, cp, store, c), String.join(" ", c));
        }
        assertTrue(Files.isRegularFile(base.resolve("exported/index.json")));
        Path file = base.resolve("new-blob");
        Files.writeString(file, "from nobody");
        assertEquals(4, asNobody(java, cp, store, "blob", "put", file.toString()));
        assertEquals(4, asNobody(java, cp, store, "gc"));
        assertEquals(before, tree(store));
    }

    private int asNobody(String java, String cp, Path store, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search", java, "--enable-native-access=ALL-UNNAMED",
                "-Djava.io.tmpdir=" + tmp.resolve("shared"), "-cp", cp, "io.cargohold.cli.Main", "--root", store.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        if (p.exitValue() == 4) {
            assertTrue(out.contains("cannot be written (permission denied on " + store), out);
        } else if (p.exitValue() != 0) {
            System.err.println(String.join(" ", args) + ": " + out);
        }
        return p.exitValue();
    }

    @Test
    void aStoreOnAFullFileSystemIsReadableAndGcFreesRoom() throws Exception {
        Path mnt = Files.createDirectory(tmp.resolve("small"));
        sh("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mnt.toString());
        mounts.add(mnt);
        Path store = mnt.resolve("store");
        Cli cli = storeWithAnImage(store, "app:1");
        WrittenLayout other = TestImages.small(tmp.resolve("other"), 3);
        cli.run("import", "--sref", "latest", "--dref", "other:1", other.dir().toString()).ok();
        cli.run("rm", "other:1").ok(); // garbage for the gc below
        try (OutputStream o = Files.newOutputStream(mnt.resolve("filler"))) {
            byte[] block = new byte[64 << 10];
            while (true) {
                o.write(block);
            }
        } catch (IOException full) {
            assertTrue(String.valueOf(full.getMessage()).contains("No space left on device"), full.toString());
        }
        assertEquals(0, Files.getFileStore(mnt).getUsableSpace(), "100 % full");

        readsWorkWritesFail(cli, "app:1", 1, "no space left on device");
        Cli.Result put = cli.run("blob", "put", tmp.resolve("a-file").toString());
        assertTrue(put.err().contains("cannot write blob " + store.resolve("ingest")), put.err());

        Cli.Result gc = cli.run("gc").ok();
        assertTrue(gc.out().contains("freed "), gc.out());
        assertTrue(Files.getFileStore(mnt).getUsableSpace() > 0);
        cli.run("blob", "put", tmp.resolve("a-file").toString()).ok();
        cli.run("check", "app:1").ok();
        cli.run("fsck").ok();
    }
}
