package io.cargohold.cstorage;

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

/**
 * The AOT training runs recorded by {@code bin/lib/prepare-launch} into {@code cargohold-cstorage/target/*.aot}:
 * the commands scripts (and upstream's BATS suite) call most, against a throw-away store, in one JVM, with
 * the global options the suite passes, so a cache holds the classes a typical invocation loads and links.
 * Commands not written yet just report "unrecognized command"; rebuild to train them. The JVM loads and
 * links every class of its cache at start-up, needed or not, so bin/containers-storage picks one of three
 * caches by the command word:
 * <ul>
 * <li>{@code Train DIR} (cstorage.aot): everything, for the commands that move layer content ({@link #CONTENT});
 * <li>{@code Train DIR quick} (cstorage-quick.aot): everything but those (~30 ms of CPU less for the archive,
 * compression and checking classes a {@code create-image} never uses): the writes and anything else;
 * <li>{@code Train DIR read} (cstorage-read.aot): only the commands that read records ({@link #READS}), against
 * the store {@code Train DIR prepare} left in DIR, run beforehand in a JVM of its own that records nothing,
 * so the writes' classes (record writers, temp files, the vfs copy) stay out of this cache.
 * </ul>
 */
public final class Train {
    private Train() {
    }

    /** The commands that read or write layer content: trained only into the full cache (bin/containers-storage picks it for them). */
    static final java.util.Set<String> CONTENT = java.util.Set.of("applydiff", "import-layer", "diff", "diffsize", "changes", "check", "copy");

    /**
     * The commands that only read records, trained alone into cstorage-read.aot (bin/containers-storage lists
     * the same words with their aliases; {@code CacheChoiceTest} checks that the two lists agree).
     */
    static final java.util.Set<String> READS = java.util.Set.of("status", "version", "layers", "layer", "images", "image",
            "containers", "container", "exists", "metadata", "get-names", "list-layer-data", "get-layer-data", "list-image-data",
            "get-image-data", "get-image-data-size", "get-image-data-digest", "images-by-digest", "list-container-data",
            "get-container-data", "get-container-data-size", "get-container-data-digest", "get-container-dir",
            "get-container-run-dir", "container-parent-owners", "layer-parent-owners", "mounted", "storage-layers");

    public static void main(String[] args) throws IOException {
        // what main does before run: the environment and the warm-up thread (their classes then come from the cache)
        System.getenv().size();
        io.cargohold.StartupWarmup.begin();
        String mode = args.length > 1 ? args[1] : "";
        boolean quick = mode.equals("quick");
        Path dir = Path.of(args[0]);
        String g = dir.resolve("root").toString();
        String r = dir.resolve("runroot").toString();
        Path file = dir.resolve("data");
        byte[] tar = tar("hello.txt", "hello\n".getBytes(StandardCharsets.UTF_8));
        Path tarFile = dir.resolve("layer.tar");
        if (!mode.equals("read")) {
            Files.writeString(file, "training content\n");
            Files.write(tarFile, tar);
        }
        // overlay too (as root: kernel mounts) into the quick and read caches, on a store of its own, so an overlay
        // command finds the driver's classes there; not into the full cache (its overlay pass slowed applydiff ~3x,
        // bench/README.md section 25), nor where the short commands' profiles would be replayed (they are not)
        boolean overlay = io.cargohold.storage.internal.PosixFs.geteuid() == 0 && !mode.isEmpty();
        String og = dir.resolve("overlay-root").toString();
        String or = dir.resolve("overlay-runroot").toString();
        if (mode.equals("prepare") || mode.equals("read")) {
            for (String[] a : mode.equals("prepare") ? prepare(file, tarFile) : READ_RUNS) {
                run("vfs", g, r, dir, tar, a);
            }
            if (overlay) {
                for (String[] a : mode.equals("prepare") ? prepare(file, tarFile) : READ_RUNS) {
                    run("overlay", og, or, dir, tar, a);
                }
                if (mode.equals("read")) {
                    unmountUnder(dir);
                }
            }
            return;
        }
        String[][] runs = {
                {"status"},
                {"--debug=false", "status", "-j"},
                {"version"},
                {"layers"},
                {"layers", "-j"},
                {"create-layer", "-n", "base"},
                {"create-layer", "-n", "child", "base"},
                {"applydiff", "-f", tarFile.toString(), "child"},
                {"import-layer", "-n", "imported", "-f", tarFile.toString(), "base"},
                {"layer", "child"},
                {"layer", "-j", "child"},
                {"layers"},
                {"layers", "-t"},
                {"mount", "child"},
                {"mounted", "child"},
                {"unmount", "child"},
                {"diff", "-f", dir.resolve("diff.tar").toString(), "child"},
                {"diff", "-f", dir.resolve("diff2.tar").toString(), "base"}, // a layer without tar-split data: the tree archiver
                {"diffsize", "child"},
                {"changes", "child"},
                {"set-layer-data", "-f", file.toString(), "child", "key"},
                {"list-layer-data", "child"},
                {"get-layer-data", "child", "key"},
                {"create-image", "-n", "img", "child"},
                {"images"},
                {"images", "-j"},
                {"image", "img"},
                {"image", "-j", "img"},
                {"set-image-data", "-f", file.toString(), "img", "manifest"},
                {"list-image-data", "img"},
                {"get-image-data", "img", "manifest"},
                {"get-image-data-size", "img", "manifest"},
                {"get-image-data-digest", "img", "manifest"},
                {"images-by-digest", "sha256:0000000000000000000000000000000000000000000000000000000000000000"},
                {"create-container", "-n", "ctr", "img"},
                {"containers"},
                {"containers", "-j"},
                {"container", "ctr"},
                {"container", "-j", "ctr"},
                {"set-container-data", "-f", file.toString(), "ctr", "config"},
                {"get-container-data", "ctr", "config"},
                {"get-container-dir", "ctr"},
                {"get-container-run-dir", "ctr"},
                {"mount", "ctr"},
                {"unmount", "ctr"},
                {"copy", file.toString(), "child:/copied"},
                {"exists", "img"},
                {"exists", "-l", "nothing"},
                {"metadata", "img"},
                {"set-metadata", "-m", "meta", "img"},
                {"get-names", "img"},
                {"add-names", "-n", "other", "img"},
                {"set-names", "-n", "img", "img"},
                {"check"},
                {"check", "-q"},
                {"check", "-j"},
                {"storage-layers"},
                {"delete-container", "ctr"},
                {"delete-image", "img"},
                {"delete-layer", "imported"},
                {"delete", "child"},
                {"create-storage-layer"},
                {"check", "-r", "-m", "0"},
                {"layer", "nothing"},
                {"shutdown"},
                {"wipe"},
                {"status", "--help"},
                {"nosuch"},
                {"layers", "-x"},
        };
        for (String[] a : runs) {
            if (quick && CONTENT.contains(a[0])) {
                continue;
            }
            run("vfs", g, r, dir, tar, a);
            if (a[0].equals("create-layer") && a[2].equals("base")) {
                // a file in the base layer (written here: the quick training has no applydiff), so that the
                // child layer's and the container's vfs copies copy one (their per-file tasks then come from the cache)
                try (var layers = Files.list(dir.resolve("root").resolve("vfs").resolve("dir"))) {
                    for (Path layer : layers.toList()) {
                        Files.writeString(layer.resolve("base.txt"), "base\n");
                    }
                }
            }
        }
        if (overlay && quick) {
            for (String[] a : runs) {
                if (!CONTENT.contains(a[0])) {
                    run("overlay", og, or, dir, tar, a);
                }
            }
            unmountUnder(dir);
        }
    }

    /** Whatever the training left mounted below {@code dir} (the overlay home's private bind mount, a layer's merged view). */
    private static void unmountUnder(Path dir) throws IOException {
        List<io.cargohold.storage.internal.driver.KernelMounts.MountInfo> mounts =
                io.cargohold.storage.internal.driver.KernelMounts.mountsUnder(dir.toAbsolutePath());
        for (int i = mounts.size() - 1; i >= 0; i--) {
            io.cargohold.storage.internal.driver.KernelMounts.unmount(mounts.get(i).mountPoint(),
                    io.cargohold.storage.internal.driver.KernelMounts.MNT_DETACH);
        }
    }

    private static void run(String driver, String g, String r, Path dir, byte[] tar, String[] a) {
        List<String> argv = new ArrayList<>(List.of("--debug", "--graph", g, "--run", r, "--storage-driver", driver));
        argv.addAll(List.of(a));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream sink = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int code = Main.run(new ByteArrayInputStream(tar), sink, sink, Map.of("HOME", "/root"), dir, argv);
        System.out.println(String.join(" ", a) + " -> " + code);
    }

    /** {@code Train DIR prepare}: a store for the read training (a layer with content and data, an image, a container, all named). */
    private static String[][] prepare(Path file, Path tarFile) {
        return new String[][] {
                {"create-layer", "-n", "base"},
                {"create-layer", "-n", "child", "base"},
                {"applydiff", "-f", tarFile.toString(), "child"},
                {"set-layer-data", "-f", file.toString(), "child", "key"},
                {"create-image", "-n", "img", "child"},
                {"set-image-data", "-f", file.toString(), "img", "manifest"},
                {"add-names", "-n", "other", "img"},
                {"set-metadata", "-m", "meta", "img"},
                {"create-container", "-n", "ctr", "img"},
                {"set-container-data", "-f", file.toString(), "ctr", "config"},
                {"mount", "child"},
        };
    }

    /** {@code Train DIR read}: every command of {@link #READS}, in its usual forms and a failing one, on the prepared store. */
    static final String[][] READ_RUNS = {
            {"status"},
            {"--debug=false", "status", "-j"},
            {"version"},
            {"layers"},
            {"layers", "-j"},
            {"layers", "-t"},
            {"layer", "child"},
            {"layer", "-j", "child"},
            {"layer", "nothing"},
            {"list-layer-data", "child"},
            {"get-layer-data", "child", "key"},
            {"layer-parent-owners", "child"},
            {"mounted", "child"},
            {"images"},
            {"images", "-j"},
            {"image", "img"},
            {"image", "-j", "img"},
            {"list-image-data", "img"},
            {"get-image-data", "img", "manifest"},
            {"get-image-data-size", "img", "manifest"},
            {"get-image-data-digest", "img", "manifest"},
            {"images-by-digest", "sha256:0000000000000000000000000000000000000000000000000000000000000000"},
            {"containers"},
            {"containers", "-j"},
            {"container", "ctr"},
            {"container", "-j", "ctr"},
            {"list-container-data", "ctr"},
            {"get-container-data", "ctr", "config"},
            {"get-container-data-size", "ctr", "config"},
            {"get-container-data-digest", "ctr", "config"},
            {"get-container-dir", "ctr"},
            {"get-container-run-dir", "ctr"},
            {"container-parent-owners", "ctr"},
            {"exists", "img"},
            {"exists", "-l", "nothing"},
            {"metadata", "img"},
            {"get-names", "img"},
            {"storage-layers"},
            {"status", "--help"},
            {"layers", "-x"},
    };

    /**
     * A one-file ustar archive (what applydiff reads on stdin), as a fixed header block written here:
     * it is built in the quick training too, and commons-compress's tar writer would put its classes
     * into the quick cache, which every start of a non-content command loads and links.
     */
    static byte[] tar(String name, byte[] content) {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000644\0");
        put(h, 108, "0000000\0");
        put(h, 116, "0000000\0");
        put(h, 124, String.format("%011o\0", content.length));
        put(h, 136, "00000000000\0");
        h[156] = '0';
        put(h, 257, "ustar\0");
        put(h, 263, "00");
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, String.format("%06o\0 ", sum));
        int padded = (content.length + 511) / 512 * 512;
        byte[] out = new byte[512 + padded + 1024];
        System.arraycopy(h, 0, out, 0, 512);
        System.arraycopy(content, 0, out, 512, content.length);
        return out;
    }

    private static void put(byte[] b, int off, String s) {
        byte[] x = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(x, 0, b, off, x.length);
    }
}
