package io.cargohold.storage.archive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cargohold.testkit.images.Content;
import io.cargohold.testkit.images.LayerBuilder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * Random tars (files of random sizes, directories, symlinks, hard links, FIFOs, modes incl.
 * setuid/setgid/sticky, owners incl. PAX-sized IDs, ns mtimes, user xattrs), applied as a base layer
 * and a second layer with whiteouts over it: each reassembles to exactly its input bytes, and the
 * files hold their contents.
 */
class ApplyReassembleProperties {
    private static final String[] DIRS = {"a", "a/b", "a/b/c", "d", "d/e", "long-" + "x".repeat(120)};

    @Property(tries = 40)
    void randomLayersReassembleByteForByte(@ForAll @LongRange(min = 1) long seed, @ForAll @IntRange(min = 1, max = 40) int n)
            throws IOException {
        Random rnd = new Random(seed);
        Path tmp = Files.createTempDirectory("prop-apply");
        try {
            Path root = Files.createDirectory(tmp.resolve("root"));
            List<String> files = new ArrayList<>();
            LayerBuilder base = randomLayer(rnd, n, "b", files);
            check(base, root);
            LayerBuilder top = randomLayer(rnd, Math.max(1, n / 2), "t", new ArrayList<>());
            for (String f : files) {
                if (rnd.nextInt(3) == 0) {
                    top.whiteout(f);
                }
            }
            if (rnd.nextBoolean()) {
                top.dirs("a").opaque("a");
            }
            check(top, root);
        } finally {
            try (var s = Files.walk(tmp)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        io.cargohold.storage.internal.PosixFs.chmod(p, 0700);
                    }
                    Files.delete(p);
                }
            }
        }
    }

    private static void check(LayerBuilder b, Path root) throws IOException {
        byte[] tar = b.build().tar().bytes();
        ByteArrayOutputStream ts = new ByteArrayOutputStream();
        ApplyResult r = LayerArchive.apply(new ByteArrayInputStream(tar), root, ts, ApplyOptions.defaults());
        assertEquals(tar.length, r.uncompressedSize());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LayerArchive.reassemble(new ByteArrayInputStream(ts.toByteArray()), root, out);
        assertArrayEquals(tar, out.toByteArray());
    }

    private static LayerBuilder randomLayer(Random rnd, int n, String prefix, List<String> regularFiles) {
        LayerBuilder b = LayerBuilder.create().defaultMtime(Instant.ofEpochSecond(1_600_000_000L + rnd.nextInt(1_000_000)));
        for (String d : DIRS) {
            if (rnd.nextInt(4) > 0) {
                b.dirs(d);
                b.mode(new int[] {0755, 0700, 01777, 02775, 0555}[rnd.nextInt(5)]);
            }
        }
        List<String> mine = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String dir = DIRS[rnd.nextInt(DIRS.length)];
            String path = dir + "/" + prefix + i + (rnd.nextInt(5) == 0 ? "-é-" + "y".repeat(rnd.nextInt(150)) : "");
            b.dirs(dir);
            switch (rnd.nextInt(6)) {
                case 0, 1 -> {
                    byte[] data = new byte[rnd.nextInt(4) == 0 ? rnd.nextInt(70_000) : rnd.nextInt(1100)];
                    rnd.nextBytes(data);
                    b.file(path, Content.bytes(data)).mode(new int[] {0644, 0755, 04755, 02711, 0600, 0}[rnd.nextInt(6)]);
                    mine.add(path);
                }
                case 2 -> b.symlink(path, rnd.nextBoolean() ? "../" + DIRS[rnd.nextInt(DIRS.length)] : "/etc/target-" + i);
                case 3 -> {
                    if (mine.isEmpty()) {
                        b.file(path, "");
                        mine.add(path);
                    } else {
                        b.hardlink(path, mine.get(rnd.nextInt(mine.size())));
                    }
                }
                case 4 -> b.fifo(path);
                default -> b.file(path, "x" + i + "\n").xattr("user.k" + i, "v" + rnd.nextInt(1000));
            }
            long id = rnd.nextInt(10) == 0 ? 3_000_000L : rnd.nextInt(70_000);
            b.owner(id, rnd.nextInt(3) == 0 ? id : rnd.nextInt(1000));
            b.mtime(Instant.ofEpochSecond(946_684_800L + rnd.nextInt(900_000_000), rnd.nextInt(1_000_000_000)));
        }
        regularFiles.addAll(mine);
        return b;
    }
}
