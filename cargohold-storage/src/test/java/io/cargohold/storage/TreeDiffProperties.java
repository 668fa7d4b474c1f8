package io.cargohold.storage;

import io.cargohold.storage.archive.Compression;
import io.cargohold.testkit.fs.TreeSnapshot;
import io.cargohold.testkit.images.Content;
import io.cargohold.testkit.images.LayerBuilder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/**
 * Random trees: a base layer from a random tar, a child whose tree is then changed at random
 * (files added, rewritten, removed; directories removed; modes, owners, times and xattrs changed;
 * a file replaced by a directory and a directory by a file; new hard-linked files), the child's diff
 * generated from the trees, and that diff applied over the same base: the new layer's tree is the
 * changed child's tree.
 */
class TreeDiffProperties {
    @Property(tries = 25)
    void diffThenApplyGivesTheSameTree(@ForAll @LongRange(min = 1) long seed) throws Exception {
        Random rnd = new Random(seed);
        Path tmp = Files.createTempDirectory("prop-tree");
        try {
            Store store = Store.open(StoreOptions.vfs(tmp.resolve("g"), tmp.resolve("r")));
            LayerBuilder b = LayerBuilder.create().defaultMtime(Instant.ofEpochSecond(1_650_000_000L));
            for (String d : List.of("a", "a/b", "c", "c/d", "e")) {
                b.dirs(d);
            }
            for (int i = 0; i < 20; i++) {
                String dir = List.of("a", "a/b", "c", "c/d", "e").get(rnd.nextInt(5));
                byte[] data = new byte[rnd.nextInt(3000)];
                rnd.nextBytes(data);
                b.file(dir + "/f" + i, Content.bytes(data)).mode(rnd.nextBoolean() ? 0644 : 0755).owner(rnd.nextInt(3) * 1000, 0);
            }
            Layer base = store.createLayer(LayerOptions.of(null), new ByteArrayInputStream(b.build().tar().bytes()));
            Layer child = store.createLayer(LayerOptions.of(base.id()));
            mutate(store.layerTree(child.id()), rnd);

            ByteArrayOutputStream diff = new ByteArrayOutputStream();
            store.diff(null, child.id(), Compression.NONE, diff);
            Layer again = store.createLayer(LayerOptions.of(base.id()), new ByteArrayInputStream(diff.toByteArray()));
            TreeSnapshot.assertSameTree(store.layerTree(child.id()), store.layerTree(again.id()),
                    TreeSnapshot.Options.builder().ignoreDirMtimes().build());
        } finally {
            try (Stream<Path> s = Files.walk(tmp)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static void mutate(Path t, Random rnd) throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(t)) {
            s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().forEach(files::add);
        }
        for (Path f : files) {
            switch (rnd.nextInt(9)) {
                case 0 -> Files.delete(f);
                case 1 -> Files.writeString(f, "rewritten " + rnd.nextInt());
                case 2 -> Files.setAttribute(f, "unix:mode", 0600 | (rnd.nextBoolean() ? 04000 : 0), LinkOption.NOFOLLOW_LINKS);
                case 3 -> Files.setAttribute(f, "unix:uid", 4242, LinkOption.NOFOLLOW_LINKS);
                case 4 -> Files.setLastModifiedTime(f, FileTime.from(Instant.ofEpochSecond(1_000_000_000L, rnd.nextInt(1_000_000_000))));
                case 5 -> io.cargohold.storage.internal.PosixFs.setXattr(f, "user.k", ("v" + rnd.nextInt()).getBytes());
                case 6 -> {
                    Files.delete(f);
                    Files.createDirectory(f);
                    Files.writeString(f.resolve("inside"), "was a file");
                }
                case 7 -> { // a new file with a second name (a link to an unchanged lower file would be exported as a copy, as upstream does)
                    Path n = Files.writeString(f.resolveSibling(f.getFileName() + ".new"), "new " + rnd.nextInt());
                    Files.createLink(f.resolveSibling(f.getFileName() + ".hl"), n);
                }
                default -> {
                }
            }
        }
        if (rnd.nextBoolean() && Files.isDirectory(t.resolve("c/d"))) {
            try (Stream<Path> s = Files.walk(t.resolve("c/d"))) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
            if (rnd.nextBoolean()) {
                Files.writeString(t.resolve("c/d"), "a directory became a file");
            }
        }
        Files.createDirectories(t.resolve("new/dir"));
        Files.writeString(t.resolve("new/dir/file"), "added");
        Files.createSymbolicLink(t.resolve("new/link"), Path.of("dir/file"));
        // upstream's diff carries whole seconds (Go's tar writer); give the tree times it can carry
        try (Stream<Path> s = Files.walk(t)) {
            for (Path p : s.toList()) {
                FileTime m = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
                long sec = m.toInstant().getEpochSecond() * 1_000_000_000L;
                io.cargohold.storage.internal.PosixFs.setTimes(p, sec, sec);
            }
        }
    }
}
