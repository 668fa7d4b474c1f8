package io.cargohold.testkit.images;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Ready-made realistic test images, named after the cases of the shared {@code make-test-images}
 * tool, built in-process (no external tool). Each method writes into a given directory (created if
 * missing; it must not hold a layout yet) and returns what it wrote, so tests can assert against
 * the record without parsing anything. Output depends only on the seed: uncompressed tars (diff_ids)
 * are byte-identical everywhere; compressed blobs for a given JDK zlib and zstd-jni version.
 *
 * <ul>
 *   <li>{@link #small}: tag {@code latest}, linux/amd64, 2 gzip layers (base rootfs, {@code /opt/app}).
 *   <li>{@link #twoTagsSharingLayers}: tags {@code latest} and {@code v2}: the same base and app layers,
 *       each its own top layer (opaque {@code /opt/app/plugins}; v2 also whites out
 *       {@code /opt/app/conf/logging.json}).
 *   <li>{@link #multiArch}: tag {@code latest} = an image index of linux/amd64 and linux/arm64/v8
 *       sharing the base layer.
 *   <li>{@link #zstd}: {@link #small}'s content with zstd layers.
 *   <li>{@link #hardlinksWhiteoutsOddNames}: tag {@code latest}: edge-case base layer (gzip), an update
 *       layer (uncompressed) with whiteouts, an opaque dir, type changes and cross-layer hard links,
 *       and an empty layer (gzip). See {@link #edgeCasesImage} for the paths.
 *   <li>{@link #dockerSchema2}: Docker schema 2 media types in an OCI layout.
 *   <li>{@link #dockerArchive}: {@link #small}'s image as a docker-archive tagged {@code app:latest}.
 *   <li>{@link #large}: about {@code totalBytes} of layer content for benchmarks, streamed to disk.
 * </ul>
 */
public final class TestImages {
    public static final long DEFAULT_SEED = 1;
    /** 2023-11-14T22:13:20Z, the make-test-images SOURCE_DATE_EPOCH default; layer N has mtimes EPOCH + N days. */
    public static final Instant EPOCH = LayerBuilder.DEFAULT_MTIME;
    public static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private TestImages() {}

    // ========================================================================================= cases

    public static WrittenLayout small(Path dir) throws IOException {
        return small(dir, DEFAULT_SEED);
    }

    public static WrittenLayout small(Path dir, long seed) throws IOException {
        return new OciLayoutWriter(dir).tag("latest", smallImage(seed, Compression.GZIP)).write();
    }

    public static WrittenLayout twoTagsSharingLayers(Path dir) throws IOException {
        return twoTagsSharingLayers(dir, DEFAULT_SEED);
    }

    /** Tags {@code latest} (release 1.0.0) and {@code v2} (2.0.0), sharing the base and app layers. */
    public static WrittenLayout twoTagsSharingLayers(Path dir, long seed) throws IOException {
        Layer base = baseLayer(seed);
        Layer app = appLayer(seed);
        return new OciLayoutWriter(dir)
                .tag("latest", appImage(base, app, releaseLayer(seed, 1), 1))
                .tag("v2", appImage(base, app, releaseLayer(seed, 2), 2))
                .write();
    }

    public static WrittenLayout multiArch(Path dir) throws IOException {
        return multiArch(dir, DEFAULT_SEED);
    }

    /** Tag {@code latest}: an OCI image index of linux/amd64 and linux/arm64/v8; both share the base layer. */
    public static WrittenLayout multiArch(Path dir, long seed) throws IOException {
        Layer base = baseLayer(seed);
        IndexBuilder index = IndexBuilder.create().annotation("org.opencontainers.image.created", ImageBuilder.rfc3339(day(9)));
        for (Platform p : List.of(Platform.LINUX_AMD64, Platform.LINUX_ARM64_V8)) {
            String arch = p.architecture();
            Layer archLayer = LayerBuilder.create().defaultMtime(day(9))
                    .dirs("opt/arch/bin")
                    .file("opt/arch/ARCH", arch + "\n")
                    .file("opt/arch/bin/hello.sh", "#!/bin/sh\necho hello from " + p + "\n").mode(0755)
                    .randomFile("opt/arch/bin/hello-" + arch, 64 * 1024, sub(seed, "arch-" + arch)).mode(0755)
                    .build();
            index.add(ImageBuilder.create().platform(p).created(day(9))
                    .env(DEFAULT_PATH.replace("PATH=", "PATH=/opt/arch/bin:"), "TARGET_ARCH=" + arch)
                    .entrypoint("/opt/arch/bin/hello.sh")
                    .label("org.opencontainers.image.title", "cargohold multiarch")
                    .layer(base, Compression.GZIP, "ADD base-rootfs.tar /")
                    .layer(archLayer, Compression.GZIP, 6, "COPY arch/ /opt/arch # " + p, day(9))
                    .history("ENTRYPOINT [\"/opt/arch/bin/hello.sh\"]")
                    .build());
        }
        return new OciLayoutWriter(dir).tag("latest", index.build()).write();
    }

    public static WrittenLayout zstd(Path dir) throws IOException {
        return zstd(dir, DEFAULT_SEED);
    }

    /** {@link #small}'s layers stored with zstd ({@code application/vnd.oci.image.layer.v1.tar+zstd}). */
    public static WrittenLayout zstd(Path dir, long seed) throws IOException {
        return new OciLayoutWriter(dir).tag("latest", smallImage(seed, Compression.ZSTD)).write();
    }

    public static WrittenLayout hardlinksWhiteoutsOddNames(Path dir) throws IOException {
        return hardlinksWhiteoutsOddNames(dir, DEFAULT_SEED);
    }

    /** Tag {@code latest} = {@link #edgeCasesImage}. */
    public static WrittenLayout hardlinksWhiteoutsOddNames(Path dir, long seed) throws IOException {
        return new OciLayoutWriter(dir).tag("latest", edgeCasesImage(seed)).write();
    }

    public static WrittenLayout dockerSchema2(Path dir) throws IOException {
        return dockerSchema2(dir, DEFAULT_SEED);
    }

    /**
     * {@link #small}'s content with Docker schema 2 media types (manifest, config, gzip layers), as
     * two references sharing all blobs: {@code latest} = an OCI index whose one entry (linux/amd64) is
     * the Docker manifest, which skopeo 1.9 reads; {@code bare} = the Docker manifest directly in
     * index.json, which is what {@code skopeo copy --preserve-digests} writes from a Docker source,
     * but which skopeo 1.9 itself cannot read back ("no descriptor found for reference": its OCI
     * transport only looks at OCI media types in index.json).
     */
    public static WrittenLayout dockerSchema2(Path dir, long seed) throws IOException {
        Image docker = appImage(ImageBuilder.create().dockerMediaTypes(), baseLayer(seed), appLayer(seed), null, 0,
                Compression.GZIP);
        return new OciLayoutWriter(dir)
                .tag("latest", IndexBuilder.create().add(docker).build())
                .tag("bare", docker)
                .write();
    }

    public static WrittenDockerArchive dockerArchive(Path file) throws IOException {
        return dockerArchive(file, DEFAULT_SEED);
    }

    /** {@link #small}'s image as a docker-archive with RepoTags {@code ["app:latest"]}. */
    public static WrittenDockerArchive dockerArchive(Path file, long seed) throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        return new DockerArchiveWriter(file).add(smallImage(seed, Compression.GZIP), "app:latest").write();
    }

    public static WrittenLayout large(Path dir, long totalBytes) throws IOException {
        return large(dir, totalBytes, DEFAULT_SEED, Compression.GZIP, 1);
    }

    /**
     * Tag {@code latest}: about {@code totalBytes} of uncompressed layer content for benchmarks, in
     * four layers: many small text files (~15%), big incompressible files (~60%) split into files of
     * at most 64 MiB, a mixed layer (~25%), and a small config layer. Layers are streamed to
     * {@code dir/.spool} (memory use stays flat) and hard-linked into the layout, compressed in
     * parallel with {@code compression} at {@code level} (gzip level 1 by default: incompressible
     * data goes through java.util.zip at ~40 MB/s per core whatever the level).
     */
    public static WrittenLayout large(Path dir, long totalBytes, long seed, Compression compression, int level)
            throws IOException {
        if (totalBytes < 1024 * 1024) {
            throw new IllegalArgumentException("totalBytes below 1 MiB: " + totalBytes);
        }
        Path spool = dir.resolve(".spool");
        try {
            long small = totalBytes * 15 / 100;
            long big = totalBytes * 60 / 100;
            long mixed = totalBytes - small - big;

            LayerBuilder l1 = LayerBuilder.create().defaultMtime(day(1)).dirs("usr/share/bench/many");
            int files = (int) Math.max(1, small / 4096);
            int dirs = Math.max(1, (int) Math.sqrt(files) / 4);
            for (int d = 0; d < dirs; d++) {
                l1.dir(String.format("usr/share/bench/many/d%04d", d));
            }
            long left = small;
            for (int i = 0; i < files; i++) {
                long size = i == files - 1 ? left : Math.min(left, 1024 + (i * 7919L) % 6144);
                left -= size;
                l1.textFile(String.format("usr/share/bench/many/d%04d/f%06d.txt", i % dirs, i), size, sub(seed, "many") + i);
            }
            LayerBuilder l2 = LayerBuilder.create().defaultMtime(day(2)).dirs("opt/bench/data");
            chunks(l2, "opt/bench/data/random-", big, seed, false);
            LayerBuilder l3 = LayerBuilder.create().defaultMtime(day(3)).dirs("var/lib/bench");
            chunks(l3, "var/lib/bench/log-", mixed / 2, seed, true);
            chunks(l3, "var/lib/bench/blob-", mixed - mixed / 2, seed + 1, false);
            LayerBuilder l4 = LayerBuilder.create().defaultMtime(day(4)).dirs("etc/bench")
                    .file("etc/bench/size", totalBytes + "\n");

            List<Layer> layers = new ArrayList<>();
            for (LayerBuilder b : List.of(l1, l2, l3, l4)) {
                layers.add(b.build(spool));
            }
            layers.parallelStream().forEach(l -> l.blob(compression, level));
            ImageBuilder ib = ImageBuilder.create().created(day(5)).env(DEFAULT_PATH).cmd("/bin/sh")
                    .label("com.example.size-bytes", Long.toString(totalBytes));
            String[] steps = {"ADD many-small-files.tar /", "COPY data/ /opt/bench/data/", "RUN generate-state", "COPY etc/ /etc/bench/"};
            for (int i = 0; i < layers.size(); i++) {
                ib.layer(layers.get(i), compression, level, steps[i], day(i + 1));
            }
            return new OciLayoutWriter(dir).tag("latest", ib.build()).write();
        } finally {
            deleteTree(spool);
        }
    }

    // ================================================================================ the images

    /** {@link #small}'s image: base rootfs + /opt/app, stored with {@code c}. */
    public static Image smallImage(long seed, Compression c) {
        return appImage(ImageBuilder.create(), baseLayer(seed), appLayer(seed), null, 0, c);
    }

    /**
     * The edge-case image of {@link #hardlinksWhiteoutsOddNames}. After unpacking all layers the
     * rootfs has (paths relative to it):
     * <ul>
     *   <li>hard links: {@code usr/share/app/hardlinks/original.txt} = {@code …/link-same-dir} =
     *       {@code usr/share/app/hardlinks-other/link-other-dir} (one inode); {@code …/empty-original} =
     *       {@code …/empty-link}; {@code usr/local/bin/suid-tool} (04755) = {@code suid-tool.hardlink}
     *       = {@code opt/app/bin/hardlink-to-lower-layer} (linked from the update layer);
     *       {@code opt/app/lib/shared.so} = {@code shared.so.1}; {@code …/link-removed-later} is gone
     *   <li>modes: {@code usr/local/bin/sgid-tool} 02755 gid 5, {@code suid-sgid} 06750 0:50,
     *       {@code sticky-file} 01644, {@code no-perms} 0, {@code read-only} 0444, {@code exec-only} 0111;
     *       dirs {@code tmp} 01777, {@code srv/shared} 03777, {@code var/mail} 02775 gid 8
     *   <li>owners: {@code srv/ids/uid3000000} 3000000:3000000 (PAX), {@code srv/ids/uid70000},
     *       {@code srv/ids/nobody} 65534, {@code home/app} 1000:1000
     *   <li>symlinks under {@code usr/share/app/links}: {@code relative} → {@code ../data/orders.csv},
     *       {@code absolute}, {@code dangling-relative}, {@code dangling-absolute} →
     *       {@code /nonexistent/path/file}, {@code chain-1}→{@code chain-2}→{@code chain-3}, {@code loop-a}
     *       ⇄ {@code loop-b}, {@code self}, {@code escapes-root}, {@code dot}; {@code bin} → {@code usr/bin}
     *   <li>names: {@code usr/share/app/names/} a 154-byte and a 255-byte name, a path over 300 bytes
     *       under {@code usr/share/app/long-path/} with a symlink whose target is over 100 bytes;
     *       {@code usr/share/app/i18n/}: Japanese, German, Greek, emoji, {@code café} NFC and NFD,
     *       {@code données/fichier-été.txt}, spaces, {@code -leading-dash}, quotes, glob characters,
     *       a tab, a backslash, {@code .hidden}
     *   <li>times ({@code usr/share/app/times/}): {@code epoch-zero} 0, {@code y2040-future} 2208988800,
     *       {@code y1999-nsec} 946684799.1234567; xattrs: {@code usr/share/app/xattrs/tagged} has
     *       {@code user.comment} and {@code user.mime_type}; a FIFO {@code usr/share/app/special/app.fifo}
     *   <li>whiteouts: {@code opt/app/tmp/secret.key} (file), {@code opt/app/cache} (directory),
     *       {@code usr/share/app/doomed/sub} (subtree; {@code doomed} stays),
     *       {@code usr/share/doc/app/obsolete.txt}; opaque {@code opt/app/plugins} (only {@code delta} left)
     *   <li>type changes: {@code usr/share/app/types/file2link} is a symlink, {@code link2file} a file,
     *       {@code file2dir/child} exists, {@code dir2file} is a file (was a non-empty directory)
     *   <li>metadata-only changes in the update layer: {@code var/lib/app/state} owner 999,
     *       {@code opt/app/bin/start.sh} mode 0750, {@code usr/share/app/touched} mtime 1600000000
     * </ul>
     */
    public static Image edgeCasesImage(long seed) {
        Layer edge = edgeBaseLayer(seed);
        Layer update = updateLayer(seed);
        Layer empty = LayerBuilder.create().build();
        return ImageBuilder.create().created(day(6)).author("cargohold-testkit")
                .env(DEFAULT_PATH, "APP_HOME=/opt/app", "LANG=C.UTF-8", "EMPTY_VALUE=")
                .entrypoint("/opt/app/bin/start.sh").cmd("--serve", "--port=8080")
                .user("1000:1000").workingDir("/opt/app").exposedPort("8080/tcp").exposedPort("9090/udp")
                .volume("/var/lib/app/data").stopSignal("SIGTERM")
                .label("org.opencontainers.image.title", "cargohold edge cases")
                .label("com.example.unicode", "héllo wörld ✓ 日本").label("com.example.empty", "")
                .layer(edge, Compression.GZIP, 6, "ADD base-rootfs.tar / # edge-case files", day(1))
                .layer(update, Compression.NONE, 0, "RUN rm -rf /opt/app/cache /opt/app/tmp/secret.key && ./update.sh", day(3))
                .layer(empty, Compression.GZIP, 6, "RUN true # produces an empty layer", day(5))
                .history("ENV APP_HOME=/opt/app LANG=C.UTF-8")
                .history("USER 1000:1000 / WORKDIR /opt/app / EXPOSE / VOLUME / ENTRYPOINT / CMD")
                .build();
    }

    // ================================================================================ the layers

    /** Base rootfs: usr-merged skeleton, /etc, a busybox-like binary with hard links, a setuid tool, docs. */
    static Layer baseLayer(long seed) {
        LayerBuilder b = LayerBuilder.create().defaultMtime(day(1));
        skeleton(b);
        b.file("etc/os-release", "PRETTY_NAME=\"Cargohold Test Linux 1.0\"\nNAME=\"Cargohold Test Linux\"\nID=chtest\nVERSION_ID=\"1.0\"\n")
                .file("etc/passwd", PASSWD).file("etc/group", GROUP)
                .file("etc/shadow", "root:*:19000:0:99999:7:::\napp:!:19000:0:99999:7:::\n").mode(0640).owner(0, 42)
                .file("etc/hostname", "chtest\n").file("etc/hosts", "127.0.0.1 localhost\n::1 localhost ip6-localhost\n")
                .file("etc/motd", "")
                .textFile("etc/app/defaults.yaml", 3000, sub(seed, "defaults"))
                .file("etc/ssl/private/server.key", "-----BEGIN FAKE KEY-----\nnot-a-real-key\n-----END FAKE KEY-----\n").mode(0600)
                .randomFile("usr/bin/busybox", 96 * 1024, sub(seed, "busybox")).mode(0755)
                .hardlink("usr/bin/ls", "usr/bin/busybox").hardlink("usr/bin/cat", "usr/bin/busybox")
                .symlink("usr/bin/sh", "busybox")
                .randomFile("usr/local/bin/suid-tool", 8192, sub(seed, "suid")).mode(04755)
                .hardlink("usr/local/bin/suid-tool.hardlink", "usr/local/bin/suid-tool")
                .randomFile("usr/lib/x86_64-linux-gnu/libapp.so.1.2.3", 48 * 1024, sub(seed, "libapp")).mode(0755)
                .symlink("usr/lib/x86_64-linux-gnu/libapp.so.1", "libapp.so.1.2.3")
                .symlink("usr/lib/x86_64-linux-gnu/libapp.so", "libapp.so.1")
                .textFile("usr/share/doc/app/README.md", 24 * 1024, sub(seed, "readme"))
                .textFile("usr/share/doc/app/obsolete.txt", 2000, sub(seed, "obsolete"))
                .file("home/app/.profile", "export PATH=$HOME/bin:$PATH\n").owner(1000, 1000)
                .file("var/lib/app/state", "state=initial\n");
        return b.build();
    }

    /** /opt/app: scripts, a binary, jars, config, plugins, a secret and a cache to delete later. */
    static Layer appLayer(long seed) {
        LayerBuilder b = LayerBuilder.create().defaultMtime(day(2))
                .dirs("opt/app/bin").dir("opt/app/lib").dir("opt/app/conf").dir("opt/app/plugins").dir("opt/app/tmp")
                .dir("opt/app/cache").dirs("var/log/app").owner(999, 999)
                .file("opt/app/bin/start.sh", START_SH).mode(0755)
                .randomFile("opt/app/bin/app", 128 * 1024, sub(seed, "app-binary")).mode(0755)
                .symlink("opt/app/bin/app-latest", "app")
                .textFile("opt/app/conf/app.yaml", 2400, sub(seed, "app.yaml"))
                .textFile("opt/app/conf/logging.json", 800, sub(seed, "logging"))
                .file("opt/app/tmp/secret.key", "SECRET-TO-BE-DELETED\n").mode(0600)
                .file("opt/app/tmp/keep.txt", "kept\n")
                .textFile("var/log/app/app.log", 40 * 1024, sub(seed, "app.log")).owner(999, 999)
                .file("etc/hostname", "chtest-app\n");
        for (int i = 0; i < 8; i++) {
            b.randomFile("opt/app/lib/lib-" + i + ".jar", 1024 + (i * 104729L) % 16384, sub(seed, "lib") + i);
        }
        for (String p : List.of("alpha", "beta", "gamma")) {
            b.dir("opt/app/plugins/" + p)
                    .randomFile("opt/app/plugins/" + p + "/plugin.bin", 16384, sub(seed, "plugin-" + p + "-v1"))
                    .file("opt/app/plugins/" + p + "/manifest.txt", "name=" + p + "\nversion=1\n");
        }
        for (int i = 1; i <= 10; i++) {
            b.textFile("opt/app/cache/entry-" + i + ".txt", 300 + i * 37, sub(seed, "cache") + i);
        }
        return b.build();
    }

    /** Top layer of release {@code v}: plugins replaced (opaque), release files; v2 whites out conf/logging.json. */
    static Layer releaseLayer(long seed, int v) {
        LayerBuilder b = LayerBuilder.create().defaultMtime(day(6 + v))
                .dir("opt/app/plugins").opaque("opt/app/plugins")
                .dir("opt/app/release")
                .file("opt/app/release/VERSION", v + ".0.0\n")
                .textFile("opt/app/release/NOTES.md", 1500L * v, sub(seed, "notes") + v)
                .randomFile("opt/app/release/app-" + v + ".0.0.bin", 32 * 1024L * v, sub(seed, "release") + v)
                .file("opt/app/release/owned-by-app", "release " + v + "\n").mode(0640).owner(1000, 1000)
                .textFile("opt/app/conf/app.yaml", 2400 + v, sub(seed, "app.yaml") + v);
        for (String p : List.of("alpha", "delta", v == 2 ? "zeta" : "epsilon")) {
            b.dir("opt/app/plugins/" + p)
                    .randomFile("opt/app/plugins/" + p + "/plugin.bin", 16384, sub(seed, "plugin-" + p + "-v" + v))
                    .file("opt/app/plugins/" + p + "/manifest.txt", "name=" + p + "\nversion=" + (v + 1) + "\n");
        }
        if (v == 2) {
            b.whiteout("opt/app/conf/logging.json")
                    .randomFile("opt/app/lib/feature-v2.jar", 65536, sub(seed, "feature-v2"))
                    .file("opt/app/release/MIGRATION.txt", "v2 only\n");
        }
        return b.build();
    }

    private static Image appImage(Layer base, Layer app, Layer release, int version) {
        return appImage(ImageBuilder.create(), base, app, release, version, Compression.GZIP);
    }

    private static Image appImage(ImageBuilder ib, Layer base, Layer app, Layer release, int version, Compression c) {
        ib.created(day(release == null ? 3 : 6 + version)).author("cargohold-testkit")
                .env(DEFAULT_PATH.replace("PATH=", "PATH=/opt/app/bin:"), "APP_HOME=/opt/app", "LANG=C.UTF-8")
                .entrypoint("/opt/app/bin/start.sh").cmd("--serve", "--port=8080").workingDir("/opt/app")
                .exposedPort("8080/tcp")
                .label("org.opencontainers.image.title", "cargohold test app")
                .layer(base, c, c.defaultLevel(), "ADD base-rootfs.tar / # minimal userland", day(1))
                .layer(app, c, c.defaultLevel(), "COPY app/ /opt/app/ # binaries, libs, config, plugins", day(2))
                .history("ENV APP_HOME=/opt/app LANG=C.UTF-8 PATH=...")
                .history("ENTRYPOINT [\"/opt/app/bin/start.sh\"] CMD [\"--serve\", \"--port=8080\"]");
        if (release != null) {
            ib.layer(release, c, c.defaultLevel(), "COPY release-" + version + ".0.0/ /opt/app/ # plugins replaced (opaque)",
                    day(6 + version))
                    .env("APP_VERSION=" + version + ".0.0")
                    .label("org.opencontainers.image.version", version + ".0.0")
                    .history("LABEL version=" + version + ".0.0");
            if (!ib.isDocker()) {
                ib.manifestAnnotation("org.opencontainers.image.version", version + ".0.0");
            }
        }
        return ib.build();
    }

    private static void skeleton(LayerBuilder b) {
        for (String d : List.of("etc", "etc/app", "etc/default", "etc/ssl", "home", "opt", "srv", "usr", "usr/bin",
                "usr/lib", "usr/lib/x86_64-linux-gnu", "usr/local", "usr/local/bin", "usr/sbin", "usr/share",
                "usr/share/doc", "usr/share/doc/app", "var", "var/lib", "var/log", "var/cache")) {
            b.dir(d);
        }
        b.dir("etc/ssl/private", 0710).dir("home/app", 0750).owner(1000, 1000).dir("root", 0700)
                .dir("tmp", 01777).dir("var/tmp", 01777).dir("var/lib/app", 0750).owner(999, 999)
                .symlink("bin", "usr/bin").symlink("lib", "usr/lib").symlink("sbin", "usr/sbin")
                .symlink("var/run", "/run")
                .symlink("etc/localtime", "/usr/share/zoneinfo/Etc/UTC"); // absolute, dangling in the image
    }

    /** The edge-case base layer: modes, owners, links, names, times, xattrs, a FIFO, things to delete later. */
    static Layer edgeBaseLayer(long seed) {
        LayerBuilder b = LayerBuilder.create().defaultMtime(day(1));
        skeleton(b);
        String a = "usr/share/app";
        b.file("etc/passwd", PASSWD).file("etc/group", GROUP).file("etc/motd", "")
                .file("etc/default/empty.conf", "").mode(0600)
                .textFile("usr/share/doc/app/obsolete.txt", 2000, sub(seed, "obsolete"))
                .file("var/lib/app/state", "state=initial\n")
                .dir(a).dir(a + "/data").textFile(a + "/data/orders.csv", 6000, sub(seed, "orders"))
                .randomFile(a + "/data/random.bin", 64 * 1024, sub(seed, "random.bin"))
                .file(a + "/data/zeros.img", Content.zeros(256 * 1024));
        // permission bits
        b.randomFile("usr/local/bin/suid-tool", 8192, sub(seed, "suid")).mode(04755)
                .hardlink("usr/local/bin/suid-tool.hardlink", "usr/local/bin/suid-tool")
                .randomFile("usr/local/bin/sgid-tool", 8192, sub(seed, "sgid")).mode(02755).owner(0, 5)
                .randomFile("usr/local/bin/suid-sgid", 4096, sub(seed, "suidsgid")).mode(06750).owner(0, 50)
                .file("usr/local/bin/sticky-file", "sticky bit on a regular file\n").mode(01644)
                .file("usr/local/bin/no-perms", "mode 0000\n").mode(0)
                .file("usr/local/bin/read-only", "mode 0444\n").mode(0444)
                .file("usr/local/bin/exec-only", "#!/bin/sh\necho exec-only\n").mode(0111)
                .dir("var/mail", 02775).owner(0, 8)
                .dir("srv/shared", 03777)
                .dir("srv/readonly-dir", 0555).file("srv/readonly-dir/inside.txt", "file in a 0555 dir\n");
        // owners
        b.file("home/app/.profile", "export PATH=$HOME/bin:$PATH\n").owner(1000, 1000).names("app", "app")
                .dir("srv/ids")
                .file("srv/ids/nobody", "owned by 65534\n").owner(65534, 65534).names("nobody", "nogroup")
                .file("srv/ids/uid70000", "uid above 16 bit\n").owner(70000, 70000)
                .file("srv/ids/uid3000000", "uid above the ustar octal limit (PAX)\n").mode(0640).owner(3_000_000, 3_000_000)
                .file("srv/ids/mixed", "root owner, app group\n").mode(0664).owner(0, 1000);
        // hard links
        b.dir(a + "/hardlinks").dir(a + "/hardlinks-other")
                .textFile(a + "/hardlinks/original.txt", 3000, sub(seed, "original"))
                .hardlink(a + "/hardlinks/link-same-dir", a + "/hardlinks/original.txt")
                .hardlink(a + "/hardlinks-other/link-other-dir", a + "/hardlinks/original.txt")
                .hardlink(a + "/hardlinks/link-removed-later", a + "/hardlinks/original.txt")
                .file(a + "/hardlinks/empty-original", "")
                .hardlink(a + "/hardlinks/empty-link", a + "/hardlinks/empty-original")
                // sorts before its target: the builder writes it after the target
                .hardlink(a + "/hardlinks/a-sorts-first", a + "/hardlinks/original.txt");
        // long names and paths
        String long154 = "file-name-longer-than-one-hundred-bytes-" + "0".repeat(110) + ".txt";
        String long255 = "n" + "0".repeat(250) + ".txt";
        String c60 = "directory-component-of-sixty-bytes-" + "0".repeat(25);
        String deep = a + "/long-path/" + String.join("/", c60, c60, c60, c60, c60);
        b.dir(a + "/names").file(a + "/names/" + long154, "long name\n").file(a + "/names/" + long255, "NAME_MAX name\n")
                .dirs(deep).file(deep + "/" + long154, "path longer than 255 bytes\n")
                .symlink(deep + "/link-with-long-target", "../../../../../../names/" + long154)
                .hardlink(deep + "/hardlink-with-long-target", a + "/names/" + long154);
        // odd names
        String i = a + "/i18n/";
        b.dir(a + "/i18n").dir(i + "données")
                .file(i + "日本語のファイル名.txt", "ja\n").file(i + "Ünïcödé-Straße.txt", "de\n")
                .file(i + "Ελληνικά.md", "el\n").file(i + "emoji-🚀📦.txt", "emoji\n")
                .file(i + "caf\u00e9.txt", "nfc\n").file(i + "cafe\u0301.txt", "nfd\n")
                .file(i + "données/fichier-été.txt", "fr\n").file(i + "name with spaces.txt", "space\n")
                .file(i + "-leading-dash", "dash\n").file(i + "--double-dash", "dash dash\n")
                .file(i + "quote'and\"double.txt", "quote\n").file(i + "star*question?[x].txt", "glob\n")
                .file(i + "tab\tinside.txt", "tab\n").file(i + "back\\slash.txt", "backslash\n")
                .file(i + ".hidden", "hidden\n").symlink(i + "lien-utf8", "données/fichier-été.txt");
        // symlinks
        String l = a + "/links/";
        b.dir(a + "/links").symlink(l + "relative", "../data/orders.csv")
                .symlink(l + "absolute", "/usr/share/app/data/orders.csv")
                .symlink(l + "dangling-relative", "../does/not/exist")
                .symlink(l + "dangling-absolute", "/nonexistent/path/file")
                .symlink(l + "to-directory", "../hardlinks")
                .symlink(l + "chain-1", "chain-2").symlink(l + "chain-2", "chain-3").symlink(l + "chain-3", "../data/orders.csv")
                .symlink(l + "loop-a", "loop-b").symlink(l + "loop-b", "loop-a").symlink(l + "self", "self")
                .symlink(l + "escapes-root", "../../../../../../../../etc/passwd")
                .symlink(l + "dot", ".");
        // times, xattrs, special files
        b.dir(a + "/times").mtime(1_234_567_890L)
                .file(a + "/times/epoch-zero", "epoch\n").mtime(0)
                .file(a + "/times/y2001", "y2001\n").mtime(1_000_000_000L)
                .file(a + "/times/y2040-future", "y2040\n").mtime(2_208_988_800L)
                .file(a + "/times/y1999-nsec", "y1999\n").mtime(Instant.ofEpochSecond(946_684_799L, 123_456_700))
                .symlink(a + "/times/old-symlink", "y2001").mtime(946_684_800L)
                .dir(a + "/xattrs").file(a + "/xattrs/tagged", "has extended attributes\n")
                .xattr("user.comment", "written as PAX SCHILY.xattr").xattr("user.mime_type", "text/plain")
                .dir(a + "/special").fifo(a + "/special/app.fifo")
                .dir(a + "/many").file(a + "/many/empty-file", "").dir(a + "/many/empty-dir")
                .file(a + "/touched", "time changes in the update layer\n");
        // things the update layer deletes or changes
        b.dirs(a + "/doomed/sub/subsub").file(a + "/doomed/sub/f1", "doomed 1\n").file(a + "/doomed/sub/f2", "doomed 2\n")
                .file(a + "/doomed/sub/subsub/y", "x\n")
                .dir(a + "/types").file(a + "/types/file2link", "will become a symlink\n")
                .symlink(a + "/types/link2file", "file2link-target")
                .dirs(a + "/types/dir2file/sub").file(a + "/types/dir2file/sub/x", "inside dir2file\n")
                .file(a + "/types/file2dir", "will become a dir\n")
                .dirs("opt/app/bin").file("opt/app/bin/start.sh", START_SH).mode(0755)
                .dir("opt/app/tmp").file("opt/app/tmp/secret.key", "SECRET-TO-BE-DELETED\n").mode(0600)
                .file("opt/app/tmp/keep.txt", "kept\n")
                .dir("opt/app/cache").file("opt/app/cache/entry-1.txt", "cached\n").file("opt/app/cache/entry-2.txt", "cached\n")
                .dir("opt/app/plugins");
        for (String p : List.of("alpha", "beta")) {
            b.dir("opt/app/plugins/" + p).file("opt/app/plugins/" + p + "/manifest.txt", "name=" + p + "\nversion=1\n");
        }
        return b.build();
    }

    /** The update layer: whiteouts, an opaque directory, type and metadata changes, hard links to a lower layer. */
    static Layer updateLayer(long seed) {
        String a = "usr/share/app";
        return LayerBuilder.create().defaultMtime(day(3))
                .whiteout("opt/app/tmp/secret.key")                    // file whiteout
                .whiteout("opt/app/cache")                             // directory whiteout
                .whiteout("usr/share/doc/app/obsolete.txt")
                .whiteout(a + "/doomed/sub")                           // subtree; doomed stays
                .whiteout(a + "/hardlinks/link-removed-later")         // one name of a hard-link group
                .dir("opt/app/plugins").opaque("opt/app/plugins")      // plugins replaced wholesale
                .dir("opt/app/plugins/delta").file("opt/app/plugins/delta/manifest.txt", "name=delta\nversion=2\n")
                .file("opt/app/bin/start.sh", START_SH).mode(0750)       // mode-only change
                .file("var/lib/app/state", "state=initial\n").owner(999, 999) // owner-only change
                .file(a + "/touched", "time changes in the update layer\n").mtime(1_600_000_000L)
                .hardlink("opt/app/bin/hardlink-to-lower-layer", "usr/local/bin/suid-tool").mode(04755).mtime(day(1))
                .dirs("opt/app/lib").randomFile("opt/app/lib/shared.so", 32768, sub(seed, "shared"))
                .hardlink("opt/app/lib/shared.so.1", "opt/app/lib/shared.so")
                .symlink(a + "/types/file2link", "../data/orders.csv")   // file -> symlink
                .file(a + "/types/link2file", "now a file\n")            // symlink -> file
                .dir(a + "/types/file2dir").file(a + "/types/file2dir/child", "child\n") // file -> dir
                .file(a + "/types/dir2file", "now a file\n")             // non-empty dir -> file
                .textFile("usr/share/doc/app/CHANGELOG", 1500, sub(seed, "changelog"))
                .build();
    }

    // ================================================================================== helpers

    /** EPOCH + n days. */
    static Instant day(int n) {
        return EPOCH.plusSeconds(86_400L * n);
    }

    /** A seed for one named piece of content, derived from the case seed (SplitMix64 finaliser). */
    static long sub(long seed, String name) {
        long z = seed * 0x9E3779B97F4A7C15L + name.hashCode();
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static void chunks(LayerBuilder b, String prefix, long total, long seed, boolean text) {
        long chunk = 64L << 20;
        int n = 0;
        for (long left = total; left > 0; left -= chunk, n++) {
            long size = Math.min(chunk, left);
            String path = String.format("%s%03d%s", prefix, n, text ? ".log" : ".bin");
            long s = sub(seed, prefix) + n;
            b.file(path, text ? Content.text(size, s) : Content.random(size, s));
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                Files.delete(f);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static final String PASSWD = """
            root:x:0:0:root:/root:/bin/sh
            daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
            appsvc:x:999:999:app service:/var/lib/app:/usr/sbin/nologin
            app:x:1000:1000:App User,,,:/home/app:/bin/sh
            big:x:3000000:3000000:large id:/nonexistent:/usr/sbin/nologin
            nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
            """;
    private static final String GROUP = """
            root:x:0:
            tty:x:5:
            mail:x:8:
            shadow:x:42:
            staff:x:50:
            appsvc:x:999:
            app:x:1000:
            big:x:3000000:
            nogroup:x:65534:
            """;
    private static final String START_SH = """
            #!/bin/sh
            # entrypoint of the cargohold test app image
            echo "app ${APP_VERSION:-unknown} (${APP_HOME:-?}) args: $*"
            [ -f /opt/app/release/VERSION ] && cat /opt/app/release/VERSION
            exit 0
            """;
}
