package io.cargohold.cstorage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cargohold.storage.internal.PosixFs;
import io.cargohold.testkit.images.LayerBuilder;
import io.cargohold.testkit.images.RawTar;
import io.cargohold.testkit.images.Tools;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compatibility sweep of the layer store (issue 13): the same command sequence through upstream's
 * Go {@code containers-storage} 1.43.0 (Debian's binary) and through ours, each on its own store, for
 * vfs and overlay; then the results are compared: every command's exit status and output (the store's
 * path replaced), every diff byte for byte (applied layers replayed from tar-split; a layer written
 * through its mount, whose diff is made from the tree by Go's tar writer upstream; an applied layer
 * whose file was changed afterwards, which both refuse), the refusals of malformed layers, and the
 * stores on disk: every file's type, mode, owner, size, content, xattrs and rdev (whiteouts, opaque
 * directories), the times inside layer trees, the record files (creation times taken out), the
 * tar-split files (decompressed), {@code link} and {@code lower} files and the {@code l/} short links
 * (their random names replaced by the layer they point at).
 *
 * <p>A random part (seeded; the seed is in the failure message): the files the mounted layer's
 * writer adds, and the order of the malformed layers.
 */
class LayerStoreSweepPeerTest {
    @TempDir
    Path tmp;

    /** The time every entry written during the sweep gets in a layer tree, so both stores' trees agree. */
    private static final long FIXED = 1_700_000_100L;
    private long started;

    record Run(int status, String out, String err) {
    }

    interface Cli {
        Run run(byte[] stdin, String... args) throws Exception;

        Path graph();
    }

    private Path emptyConf;

    /** A variant's storage options: {@code metacopy} (overlay.mountopt=metacopy=on), {@code fuse} (fuse-overlayfs as mount program), {@code mask} (force_mask). */
    private static List<String> options(String variant) {
        List<String> o = new ArrayList<>();
        for (String w : variant.split(" ")) {
            switch (w) {
                case "metacopy" -> o.addAll(List.of("--storage-opt", "overlay.mountopt=metacopy=on"));
                case "fuse" -> o.addAll(List.of("--storage-opt", "overlay.mount_program=" + Tools.require("fuse-overlayfs")));
                case "mask" -> o.addAll(List.of("--storage-opt", "overlay.force_mask=0750"));
                default -> {
                }
            }
        }
        return o;
    }

    private Cli upstream(String driver, List<String> opts) throws IOException {
        Path bin = Tools.require("containers-storage");
        Path g = tmp.resolve("up/g");
        Path r = tmp.resolve("up/r");
        return new Cli() {
            @Override
            public Run run(byte[] stdin, String... args) throws Exception {
                List<String> argv = new ArrayList<>(List.of(bin.toString(), "-s", driver, "-g", g.toString(), "-R", r.toString()));
                argv.addAll(opts);
                argv.addAll(List.of(args));
                ProcessBuilder pb = new ProcessBuilder(argv).directory(tmp.toFile());
                pb.environment().clear();
                pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
                pb.environment().put("HOME", tmp.toString());
                pb.environment().put("CONTAINERS_STORAGE_CONF", emptyConf.toString());
                Path in = tmp.resolve("up.in");
                Files.write(in, stdin);
                Path out = tmp.resolve("up.out");
                Path err = tmp.resolve("up.err");
                pb.redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
                int status = pb.start().waitFor();
                return new Run(status, normal(Files.readString(out, StandardCharsets.ISO_8859_1), tmp.resolve("up")),
                        normal(Files.readString(err), tmp.resolve("up")));
            }

            @Override
            public Path graph() {
                return g;
            }
        };
    }

    private Cli ours(String driver, List<String> opts) {
        Path g = tmp.resolve("our/g");
        Path r = tmp.resolve("our/r");
        return new Cli() {
            @Override
            public Run run(byte[] stdin, String... args) {
                List<String> argv = new ArrayList<>(List.of("-s", driver, "-g", g.toString(), "-R", r.toString()));
                argv.addAll(opts);
                argv.addAll(List.of(args));
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                int status = Main.run(new ByteArrayInputStream(stdin), new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8), Map.of("HOME", tmp.toString(),
                        "CONTAINERS_STORAGE_CONF", emptyConf.toString()), tmp, argv,
                        Host.under(tmp.resolve("host")));
                return new Run(status, normal(out.toString(StandardCharsets.ISO_8859_1), tmp.resolve("our")),
                        normal(err.toString(StandardCharsets.UTF_8), tmp.resolve("our")));
            }

            @Override
            public Path graph() {
                return g;
            }
        };
    }

    private static String normal(String s, Path root) {
        return s.replace(root.toString(), "$STORE");
    }

    @AfterEach
    void unmountAll() throws Exception {
        Mounts.unmountAll(tmp);
    }

    // ------------------------------------------------------------------ the layers

    private static byte[] tar(LayerBuilder b) throws IOException {
        return b.build().tar().bytes();
    }


    /**
     * The base layer; under force_mask without its FIFO and symbolic link: no user.* xattr can be set on
     * a FIFO (upstream fails such a layer: checked in the sweep) nor on a symbolic link (upstream does
     * not try; fuse-overlayfs with xattr_permissions=2 then fails to list the directory with ENODATA,
     * for upstream's store and ours alike).
     */
    private static byte[] base(boolean special) throws IOException {
        LayerBuilder b = LayerBuilder.create()
                .dir("etc").file("etc/hosts", "127.0.0.1 localhost\n").owner(0, 0)
                .file("etc/passwd", "root:x:0:0\n").mode(0644)
                .hardlink("etc/passwd-link", "etc/passwd")
                .file("etc/attr", "x").xattr("user.test", "value")
                .file("etc/suid", "#!/bin/sh\n").mode(04755);
        if (special) {
            b.fifo("etc/fifo").symlink("etc/link", "hosts").owner(33, 44);
        }
        return tar(b.dir("var").dir("var/cache").file("var/cache/old", "old\n")
                .dir("opt").file("opt/keep", "keep\n")
                .dir("srv").file("srv/a", "a\n").file("srv/b", "b\n").owner(1000, 1000)
                .dir("tmp", 01777));
    }

    private static byte[] second() throws IOException {
        return tar(LayerBuilder.create()
                .dir("etc").whiteout("etc/hosts")
                .file("etc/passwd", "root:x:0:0\nuser:x:1000:1000\n")
                .dir("var").dir("var/cache").opaque("var/cache").file("var/cache/new", "new\n"));
    }

    private static byte[] third() throws IOException {
        return tar(LayerBuilder.create()
                .whiteout("opt")
                .dir("srv").file("srv/c", "c\n").mode(0600));
    }

    /**
     * Hostile layers upstream extracts in a chroot, where a name or link climbing out silently lands in
     * the layer (vfs) or fails on a missing target (overlay), and we refuse (README: "Hostile input is
     * refused, not clamped").
     */
    private static final java.util.Set<String> REFUSED_ON_PURPOSE = java.util.Set.of("dotdot", "symlink-escape", "hardlink-escape");

    /** Malformed layers both must refuse (or accept) alike, by name. */
    private static Map<String, byte[]> malformed(byte[] good) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("dotdot", RawTar.create().file("../escape", "x").end().toByteArray());
        m.put("symlink-escape", RawTar.create().dir("a/").symlink("a/up", "../../../..").file("a/up/escaped", "x").end().toByteArray());
        m.put("hardlink-escape", RawTar.create().hardlink("h", "../../../../etc/passwd").end().toByteArray());
        m.put("truncated-in-padding", java.util.Arrays.copyOf(good, 1024 + 100)); // Go's reader: the end of the archive
        m.put("truncated-in-header", java.util.Arrays.copyOf(good, 512 + 100));
        m.put("not-a-tar", "this is not a tar archive, it is plain text\n".repeat(40).getBytes(StandardCharsets.UTF_8));
        m.put("bad-checksum", RawTar.create().entry(RawTar.header("f", '0').raw(148, "0000000\0".getBytes(StandardCharsets.US_ASCII)),
                "x".getBytes(StandardCharsets.US_ASCII)).end().toByteArray());
        m.put("absolute-symlink-through", RawTar.create().symlink("abs", "/").file("abs/tmp/cargohold-sweep-escape", "x").end().toByteArray());
        return m;
    }

    /** What the mounted layer's writer does (through the mount point: overlayfs makes the whiteouts). */
    private static void write(Path m, Random rnd, boolean fifo) throws IOException {
        Files.writeString(m.resolve("etc/passwd"), "changed\n");
        if (fifo) {
            Files.delete(m.resolve("etc/link"));
        }
        Files.delete(m.resolve("srv/a"));
        deleteTree(m.resolve("var/cache"));
        Files.createDirectory(m.resolve("var/cache"));
        Files.writeString(m.resolve("var/cache/fresh"), "fresh\n");
        PosixFs.chmod(m.resolve("srv/b"), 0600);
        PosixFs.lchown(m.resolve("srv/c"), 1000, 1000);
        PosixFs.setXattr(m.resolve("etc/passwd-link"), "user.sweep", "v".getBytes(StandardCharsets.UTF_8));
        Files.move(m.resolve("etc/suid"), m.resolve("etc/suid2"));
        Files.createDirectories(m.resolve("new/deep"));
        int files = 1 + rnd.nextInt(5);
        for (int i = 0; i < files; i++) {
            byte[] b = new byte[rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(20_000)];
            rnd.nextBytes(b);
            Files.write(m.resolve("new/deep/f" + i), b);
            PosixFs.chmod(m.resolve("new/deep/f" + i), 0400 + rnd.nextInt(0400));
        }
        Files.createLink(m.resolve("new/hard"), m.resolve("new/deep/f0"));
        if (fifo) {
            Files.createSymbolicLink(m.resolve("new/sym"), Path.of("deep/f0"));
            PosixFs.mknod(m.resolve("new/fifo"), 0010644, 0);
        }
        try (var ch = java.nio.channels.FileChannel.open(m.resolve("new/sparse"), java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap("tail".getBytes(StandardCharsets.UTF_8)), 200_000);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        Files.walkFileTree(p, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                Files.delete(f);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Everything in a layer's own tree changed during the sweep gets the same time in both stores. */
    private void settleTimes(Path tree) throws IOException {
        Files.walkFileTree(tree, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
                settle(d, a);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                settle(f, a);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private void settle(Path p, BasicFileAttributes a) throws IOException {
        if (a.lastModifiedTime().toMillis() >= started) {
            PosixFs.setTimes(p, FIXED * 1_000_000_000L, FIXED * 1_000_000_000L);
        }
    }

    private static Path layerTree(Cli c, String driver, String id) {
        return driver.equals("overlay") ? c.graph().resolve("overlay").resolve(id).resolve("diff") : c.graph().resolve("vfs/dir").resolve(id);
    }

    // ------------------------------------------------------------------ the sweep

    @ParameterizedTest
    @ValueSource(strings = {"vfs", "overlay", "overlay metacopy", "overlay fuse", "overlay fuse mask"})
    void theSameSequenceGivesTheSameOutputDiffsAndStore(String variant) throws Exception {
        String driver = variant.split(" ")[0];
        Assumptions.assumeTrue(PosixFs.geteuid() == 0, "the sweep runs as root (device nodes, owners, kernel overlay)");
        emptyConf = tmp.resolve("empty.conf");
        Files.writeString(emptyConf, "[storage]\ndriver = \"" + driver + "\"\n");
        Tools.require("containers-storage");
        long seed = new Random().nextLong();
        String what = variant + ", seed " + seed;
        List<String> opts = options(variant);
        Cli up = upstream(driver, opts);
        Cli our = ours(driver, opts);
        started = System.currentTimeMillis() - 2000;
        boolean masked = variant.contains("mask");
        byte[] base = base(!masked);
        List<String> transcript = new ArrayList<>();
        Map<String, byte[]> diffs = new LinkedHashMap<>();
        List<String> differences = new ArrayList<>();
        Sweep s = new Sweep(up, our, what, transcript, differences, masked);

        s.same("status");
        s.same("create-layer", "--id", "base");
        s.sameWithInput(base, "applydiff", "base");
        s.sameWithInput(second(), "import-layer", "--id", "second", "-n", "second-name", "base");
        s.same("create-layer", "--id", "third", "second");
        s.sameWithInput(third(), "applydiff", "third");
        s.same("layers");
        s.same("layer", "second");
        s.same("get-names", "second");
        for (String id : List.of("base", "second", "third")) {
            diffs.put(id, s.same("diff", "-u", id).out().getBytes(StandardCharsets.ISO_8859_1));
            s.sameLines("changes", id);
            s.same("diffsize", id);
        }
        s.same("diff", "-u", "third", "base");
        s.sameLines("changes", "third", "base");
        s.same("diffsize", "third", "base");

        // a layer written through its mount: its diff is made from the tree
        Random rnd = new Random(seed);
        long writerSeed = rnd.nextLong();
        s.same("create-layer", "--id", "work", "third");
        s.same("mount", "work");
        s.same("mounted", "work");
        for (Cli c : masked ? List.<Cli>of() : List.of(up, our)) {
            Path m = c.graph().resolve(driver.equals("overlay") ? "overlay/work/merged" : "vfs/dir/work");
            try {
                write(m, new Random(writerSeed), !masked);
            } catch (IOException e) {
                differences.add("writing through " + tmp.relativize(m) + ": " + e);
            }
        }
        s.same("unmount", "work");
        for (Cli c : List.of(up, our)) {
            settleTimes(layerTree(c, driver, "work"));
        }
        diffs.put("work", s.same("diff", "-u", "work").out().getBytes(StandardCharsets.ISO_8859_1));
        s.sameLines("changes", "work");
        s.same("diffsize", "work");
        s.same("diff", "-u", "work", "base");
        // the mounted layer's diff applied to a new layer gives the same tree again
        s.same("create-layer", "--id", "replay", "third");
        s.sameWithInput(diffs.get("work"), "applydiff", "replay");
        s.same("diff", "-u", "replay");

        // malformed layers, in a random order
        List<Map.Entry<String, byte[]>> bad = new ArrayList<>(malformed(base).entrySet());
        java.util.Collections.shuffle(bad, rnd);
        for (Map.Entry<String, byte[]> b : bad) {
            String id = "bad-" + b.getKey();
            s.same("create-layer", "--id", id, "base");
            if (REFUSED_ON_PURPOSE.contains(b.getKey())) {
                s.refusedByUs(b.getValue(), "applydiff", id);
            } else {
                s.sameWithInput(b.getValue(), "applydiff", id);
            }
            s.same("exists", "-l", id);
            s.same("delete-layer", id);
        }
        assertFalse(Files.exists(tmp.resolve("escape")), what);
        assertFalse(Files.exists(Path.of("/tmp/cargohold-sweep-escape")), what);

        if (masked) {
            // a FIFO under force_mask: the override xattr cannot be set on it (EPERM), the layer fails for both
            s.same("create-layer", "--id", "fifo", "base");
            s.sameStatus(tar(LayerBuilder.create().dir("x").fifo("x/fifo")), "applydiff", "fifo");
            s.same("delete-layer", "fifo");
        }

        // an applied layer whose file was changed afterwards: its tar-split no longer matches
        for (Cli c : List.of(up, our)) {
            Files.writeString(layerTree(c, driver, "third").resolve("srv/c"), "C\n");
        }
        s.sameStatus(new byte[0], "diff", "-u", "third");
        for (Cli c : List.of(up, our)) {
            Files.writeString(layerTree(c, driver, "third").resolve("srv/c"), "c\n");
        }

        s.same("delete-layer", "replay");
        s.same("layers");

        // the stores on disk
        Map<String, String> upDisk = snapshot(up, driver);
        Map<String, String> ourDisk = snapshot(our, driver);
        List<String> diskDiff = new ArrayList<>();
        for (String k : new java.util.TreeSet<>(union(upDisk.keySet(), ourDisk.keySet()))) {
            String a = upDisk.get(k);
            String b = ourDisk.get(k);
            if (!java.util.Objects.equals(a, b) && !(b == null && ONLY_UPSTREAM.contains(k))) {
                diskDiff.add(k + "\n    upstream: " + a + "\n    ours:     " + b);
            }
        }
        differences.addAll(diskDiff);
        assertEquals(List.of(), differences, what + "\n" + String.join("\n", transcript));
        assertTrue(masked || diffs.get("work").length > 10_000, "the written layer's diff is not empty");
    }

    private static java.util.Set<String> union(java.util.Set<String> a, java.util.Set<String> b) {
        java.util.Set<String> u = new java.util.HashSet<>(a);
        u.addAll(b);
        return u;
    }

    /** Runs each step on both; collects every difference (all of them are reported at the end). */
    private record Sweep(Cli up, Cli our, String what, List<String> transcript, List<String> differences, boolean readsFail) {
        /** Under force_mask, reading a mounted tree fails for both (fuse-overlayfs: ENODATA); only the status is compared. */
        private boolean statusOnly(String... args) {
            return readsFail && List.of("diff", "changes", "diffsize").contains(args[0]);
        }

        Run same(String... args) throws Exception {
            return sameWithInput(new byte[0], args);
        }

        /** Same status and the same lines in any order (upstream's changes come from a Go map: their order varies run to run). */
        void sameLines(String... args) throws Exception {
            if (statusOnly(args)) {
                sameStatus(new byte[0], args);
                return;
            }
            Run a = up.run(new byte[0], args);
            Run b = our.run(new byte[0], args);
            String cmd = String.join(" ", args);
            transcript.add("$ " + cmd + " -> " + a.status() + "/" + b.status());
            if (a.status() != b.status() || !a.out().lines().sorted().toList().equals(b.out().lines().sorted().toList())
                    || !a.err().equals(b.err())) {
                differences.add(cmd + "\n    upstream: " + a + "\n    ours:     " + b);
            }
        }

        Run sameWithInput(byte[] in, String... args) throws Exception {
            if (statusOnly(args)) {
                sameStatus(in, args);
                return new Run(0, "", "");
            }
            Run a = comparable(up.run(in, args), args);
            Run b = comparable(our.run(in, args), args);
            String cmd = String.join(" ", args);
            transcript.add("$ " + cmd + " -> " + a.status() + "/" + b.status());
            if (a.status() != b.status() || !a.out().equals(b.out()) || !a.err().equals(b.err())) {
                differences.add(cmd + "\n    status " + a.status() + "/" + b.status() + "\n    stdout: " + where(a.out(), b.out())
                        + "\n    stderr: " + where(a.err(), b.err()));
            }
            return a;
        }

        /**
         * Logged times become {@code T}; in a diff (a tar), the time and checksum of whiteout headers are
         * masked: the naive diff writes them with the time of the diff (upstream's ExportChanges: time.Now()).
         */
        static Run comparable(Run r, String... args) {
            String err = r.err().replaceAll("time=\"[^\"]*\"", "time=\"T\"");
            String out = r.out();
            if (args[0].equals("diff") && r.status() == 0) {
                char[] c = out.toCharArray();
                int pos = 0;
                while (pos + 512 <= c.length) {
                    String name = new String(c, pos, 100).replaceAll("\u0000.*", "");
                    if (name.isEmpty()) {
                        break;
                    }
                    String base = name.substring(name.lastIndexOf('/', name.length() - 2) + 1);
                    long size = Long.parseLong(new String(c, pos + 124, 11).trim().isEmpty() ? "0" : new String(c, pos + 124, 11).trim(), 8);
                    if (base.startsWith(".wh.") && !base.startsWith(".wh..wh.")) {
                        java.util.Arrays.fill(c, pos + 136, pos + 156, 'T');
                    }
                    char type = c[pos + 156];
                    pos += 512 + (type == '0' || type == 'x' || type == 0 ? (int) ((size + 511) / 512 * 512) : 0);
                }
                out = new String(c);
            }
            return new Run(r.status(), out, err);
        }

        /** Where two outputs part (binary ones are tars): lengths, the offset, and 120 bytes from just before it. */
        static String where(String a, String b) {
            if (a.equals(b)) {
                return "same";
            }
            int i = 0;
            while (i < a.length() && i < b.length() && a.charAt(i) == b.charAt(i)) {
                i++;
            }
            int from = Math.max(0, i - 20);
            return "lengths " + a.length() + "/" + b.length() + ", first difference at " + i + (i >= 512 ? " (block " + i / 512 + " +"
                    + i % 512 + ")" : "") + "\n      upstream: " + show(a, from) + "\n      ours:     " + show(b, from);
        }

        private static String show(String s, int from) {
            StringBuilder b = new StringBuilder();
            for (int k = from; k < Math.min(s.length(), from + 120); k++) {
                char c = s.charAt(k);
                if (c >= 32 && c < 127) {
                    b.append(c);
                } else if (c == 0) {
                    b.append('.');
                } else {
                    b.append(String.format("\\x%02x", (int) c & 0xff));
                }
            }
            return b.toString();
        }

        /** A hostile layer: ours refuses it (exit 1), whatever upstream did (kept in the transcript). */
        void refusedByUs(byte[] in, String... args) throws Exception {
            Run a = up.run(in, args);
            Run b = our.run(in, args);
            String cmd = String.join(" ", args);
            transcript.add("$ " + cmd + " -> " + a.status() + "/" + b.status() + " (refused on purpose)\n    upstream: " + a.err().strip()
                    + "\n    ours:     " + b.err().strip());
            if (b.status() != 1) {
                differences.add(cmd + " (not refused)\n    upstream: " + a + "\n    ours:     " + b);
            }
        }

        /** Same exit status (and both fail or both succeed); the messages are Go's and ours. */
        void sameStatus(byte[] in, String... args) throws Exception {
            Run a = up.run(in, args);
            Run b = our.run(in, args);
            String cmd = String.join(" ", args);
            transcript.add("$ " + cmd + " -> " + a.status() + "/" + b.status() + "\n    upstream: " + a.err().strip()
                    + "\n    ours:     " + b.err().strip());
            if (a.status() != b.status()) {
                differences.add(cmd + " (status)\n    upstream: " + a + "\n    ours:     " + b);
            }
        }
    }

    // ------------------------------------------------------------------ the stores on disk

    /** Every entry under the graph and run roots, normalised (see the class comment). */
    private Map<String, String> snapshot(Cli c, String driver) throws IOException {
        Path root = c.graph().getParent();
        Map<String, String> linkNames = new TreeMap<>();
        Path l = c.graph().resolve("overlay/l");
        if (Files.isDirectory(l)) {
            try (var ds = Files.newDirectoryStream(l)) {
                for (Path p : ds) {
                    String target = Files.readSymbolicLink(p).toString();
                    linkNames.put(p.getFileName().toString(), "L(" + target + ")");
                }
            }
        }
        Map<String, String> out = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
                out.put(key(d), describe(d, a));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                out.put(key(f), describe(f, a));
                return FileVisitResult.CONTINUE;
            }

            private String key(Path p) {
                return names(root.relativize(p).toString());
            }

            private String names(String s) {
                for (Map.Entry<String, String> e : linkNames.entrySet()) {
                    s = s.replace(e.getKey(), e.getValue());
                }
                return s;
            }

            private String describe(Path p, BasicFileAttributes a) throws IOException {
                Map<String, Object> st = Files.readAttributes(p, "unix:mode,uid,gid,rdev,size,nlink", LinkOption.NOFOLLOW_LINKS);
                String rel = root.relativize(p).toString();
                StringBuilder d = new StringBuilder();
                d.append(String.format("mode=%o uid=%s gid=%s", st.get("mode"), st.get("uid"), st.get("gid")));
                int type = (int) st.get("mode") & 0170000;
                if (type == 0020000 || type == 0060000) {
                    d.append(" rdev=").append(st.get("rdev"));
                }
                boolean inTree = rel.matches("g/(overlay/[^/]+/diff\\d*|vfs/dir/[^/]+)(/.*)?");
                boolean treeRoot = rel.matches("g/(overlay/[^/]+/diff\\d*|vfs/dir/[^/]+)");
                // a layer's root is made at the apply's time (no tar entry for it), and so is an applied whiteout
                // device (upstream's ConvertRead: mknod, no time set); the diffs compare the written ones' times
                boolean whiteout = type == 0020000 && ((Number) st.get("rdev")).longValue() == 0;
                if (inTree && !treeRoot && !whiteout) {
                    d.append(" mtime=").append(a.lastModifiedTime().to(java.util.concurrent.TimeUnit.SECONDS));
                    if (type == 0100000) {
                        d.append(" nlink=").append(st.get("nlink"));
                    }
                }
                if (a.isSymbolicLink()) {
                    d.append(" -> ").append(names(Files.readSymbolicLink(p).toString()));
                } else if (a.isRegularFile()) {
                    d.append(" ").append(content(p, rel));
                }
                for (String x : PosixFs.listXattrs(p)) {
                    if (VARYING_XATTRS.contains(x)) {
                        d.append(" xattr ").append(x); // made by the kernel per mount or file handle: present, value varies
                    } else if (!x.startsWith("security.")) {
                        byte[] v = PosixFs.getXattr(p, x);
                        d.append(" xattr ").append(x).append('=').append(v == null ? "-" : new String(v, StandardCharsets.ISO_8859_1));
                    }
                }
                return d.toString();
            }

            private String content(Path p, String rel) throws IOException {
                String name = p.getFileName().toString();
                if (rel.matches("g/overlay/[^/]+/(link|lower)")) {
                    return "text=" + names(Files.readString(p));
                }
                if (name.endsWith(".lock") || name.equals("lock")) {
                    return "lock size=" + Files.size(p);
                }
                if (name.endsWith(".json") && !rel.contains("/diff") && !rel.startsWith("g/vfs/dir/")) {
                    return "json=" + records(Files.readString(p));
                }
                if (name.endsWith(".tar-split.gz")) {
                    try (GZIPInputStream in = new GZIPInputStream(Files.newInputStream(p))) {
                        return "tar-split sha256=" + sha256(in.readAllBytes());
                    }
                }
                return "size=" + Files.size(p) + " sha256=" + sha256(Files.readAllBytes(p));
            }
        });
        return out;
    }

    /**
     * Kept on purpose: upstream's Get probes whether the kernel can idmap an overlay's lower layers and
     * caches the answer in the run root; we never make idmapped mounts (README, overlay), so we neither
     * probe nor write that cache file.
     */
    private static final java.util.Set<String> ONLY_UPSTREAM = java.util.Set.of("r/overlay/idmapped-lower-dir-true",
            "r/overlay/idmapped-lower-dir-false");

    /** overlayfs's own: the upper's uuid (new per mount) and the origin file handles (inode numbers). */
    private static final java.util.Set<String> VARYING_XATTRS = java.util.Set.of("trusted.overlay.uuid", "trusted.overlay.origin",
            "user.overlay.uuid", "user.overlay.origin");

    /** A record file with its creation times taken out (each store made its layers at its own time). */
    private static String records(String json) throws IOException {
        JsonNode n = Cs.JSON.readTree(json);
        if (n instanceof ArrayNode arr) {
            for (JsonNode e : arr) {
                if (e instanceof ObjectNode o) {
                    o.remove("created");
                }
            }
        }
        return Cs.JSON.writeValueAsString(n);
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unused")
    private static FileTime fixed() {
        return FileTime.from(FIXED, java.util.concurrent.TimeUnit.SECONDS);
    }
}
