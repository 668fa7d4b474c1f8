package io.cargohold.cstorage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cargohold.storage.internal.PosixFs;
import io.cargohold.testkit.images.Tools;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code overlay.*} options through upstream's Go {@code containers-storage} 1.43.0 and ours on fresh
 * stores: {@code status} must end with the same exit status and the same output, for good values and
 * for every refusal upstream's parseOptions and Init make: {@code size}/{@code inodes} (go-units and
 * strconv errors; on a file system other than XFS, Init's "only supported for backingFS XFS. Found …",
 * here on a tmpfs so the text does not depend on the machine), {@code additionallayerstore} (relative,
 * missing, not a directory, unknown and repeated flags, a good one), {@code force_mask} (bad octal;
 * without a mount program), {@code mount_program} (missing), {@code skip_mount_home} (a bad value is
 * silently false upstream), metacopy in {@code mountopt} (the {@code Using metacopy} line).
 */
class OverlayOptionsPeerTest {
    @TempDir
    Path tmp;

    @AfterEach
    void unmountAll() throws Exception {
        Mounts.unmountAll(tmp);
    }

    record Run(int status, String out) {
    }

    private int n;

    private Run upstream(Path root, List<String> opts) throws Exception {
        Path conf = tmp.resolve("empty.conf");
        Files.writeString(conf, "[storage]\ndriver = \"overlay\"\n");
        List<String> argv = new ArrayList<>(List.of(Tools.require("containers-storage").toString(), "-s", "overlay", "-g",
                root.resolve("up/g").toString(), "-R", root.resolve("up/r").toString()));
        for (String o : opts) {
            argv.addAll(List.of("--storage-opt", o));
        }
        argv.add("status");
        ProcessBuilder pb = new ProcessBuilder(argv).directory(tmp.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        pb.environment().clear();
        pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        pb.environment().put("HOME", tmp.toString());
        pb.environment().put("CONTAINERS_STORAGE_CONF", conf.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out.replace(root.resolve("up").toString(), "$STORE"));
    }

    private Run ours(Path root, List<String> opts) {
        List<String> argv = new ArrayList<>(List.of("-s", "overlay", "-g", root.resolve("our/g").toString(), "-R",
                root.resolve("our/r").toString()));
        for (String o : opts) {
            argv.addAll(List.of("--storage-opt", o));
        }
        argv.add("status");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        int status = Main.run(new ByteArrayInputStream(new byte[0]), ps, ps, Map.of("HOME", tmp.toString(),
                "CONTAINERS_STORAGE_CONF", tmp.resolve("empty.conf").toString()), tmp, argv,
                Host.under(tmp.resolve("host")));
        return new Run(status, out.toString(StandardCharsets.UTF_8).replace(root.resolve("our").toString(), "$STORE"));
    }

    private void same(Path under, String... opts) throws Exception {
        Path root = under.resolve("s" + n++);
        Run a = upstream(root, List.of(opts));
        Run b = ours(root, List.of(opts));
        assertEquals(a, b, String.join(" ", opts));
    }

    @Test
    void optionsAndRefusalsAreUpstreams() throws Exception {
        Assumptions.assumeTrue(PosixFs.geteuid() == 0, "kernel overlay mounts need root");
        Path fuse = Tools.require("fuse-overlayfs");
        Path file = tmp.resolve("a-file");
        Files.writeString(file, "x");
        Path dir = Files.createDirectories(tmp.resolve("a-dir"));
        same(tmp);
        same(tmp, "overlay.size=abc");
        same(tmp, "overlay.size=1.2.3G");
        same(tmp, "overlay.inodes=x");
        same(tmp, "overlay.inodes=-1");
        same(tmp, "overlay.additionallayerstore=relative/dir");
        same(tmp, "overlay.additionallayerstore=" + tmp.resolve("missing"));
        same(tmp, "overlay.additionallayerstore=" + file);
        same(tmp, "overlay.additionallayerstore=" + dir + ":foo");
        same(tmp, "overlay.additionallayerstore=" + dir + ":ref:ref");
        same(tmp, "overlay.additionallayerstore=" + dir + ":ref");
        same(tmp, "overlay.additionallayerstore=");
        same(tmp, "overlay.force_mask=0800");
        same(tmp, "overlay.force_mask=0700");
        same(tmp, "overlay.force_mask=private", "overlay.mount_program=" + fuse);
        same(tmp, "overlay.mount_program=" + tmp.resolve("no-such-program"));
        same(tmp, "overlay.skip_mount_home=maybe");
        same(tmp, "overlay.skip_mount_home=true");
        same(tmp, "overlay.mountopt=metacopy=on");
        same(tmp, "overlay.mountopt=nodev,metacopy=on");
        same(tmp, "overlay.unknown=1");
        // quotas: a backing file system that is not XFS (a tmpfs, so the name is the same everywhere)
        Path t = Files.createDirectories(tmp.resolve("tmpfs"));
        Mounts.tmpfs(t, "64m");
        same(t, "overlay.size=10G");
        same(t, "overlay.inodes=1000");
        same(t, "overlay.size=1.5M", "overlay.inodes=10");
    }
}
