package io.cargohold.storage.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.testkit.images.HostileTars;
import io.cargohold.testkit.images.HostileTars.Case;
import io.cargohold.testkit.images.HostileTars.Hostile;
import io.cargohold.testkit.images.HostileTars.Sandbox;
import io.cargohold.testkit.images.Tools;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Hostile layers (the testkit's catalogue): escapes through "..", absolute names, symbolic links
 * and hard links, malformed and truncated headers, absurd sizes, decompression bombs. Each is
 * rejected with a clear error except the few that can be applied safely inside the root, and
 * nothing outside the root is ever created, changed or linked.
 */
class HostileLayersTest {
    @TempDir
    Path tmp;

    /** Cases we refuse outright (upstream's chroot would clamp the escapes and go on). */
    private static boolean mustFail(Case c) {
        return switch (c) {
            case ABSOLUTE_NAME, SYMLINK_ABSOLUTE_THEN_WRITE, HARDLINK_TO_SYMLINK -> false; // land inside the root
            default -> true;
        };
    }

    @ParameterizedTest
    @EnumSource(Case.class)
    void hostileLayerIsSafe(Case c) throws Exception {
        for (String form : new String[] {"tar", "gzip", "zstd"}) {
            Sandbox s = Sandbox.create(tmp.resolve(form));
            Hostile h = c.build(s);
            byte[] input = switch (form) {
                case "gzip" -> h.gzip();
                case "zstd" -> h.zstd();
                default -> h.tar();
            };
            if (mustFail(c)) {
                IOException e = assertThrows(IOException.class, () -> apply(input, s.root()), c + " (" + form + ")");
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "a clear message: " + e);
            } else {
                apply(input, s.root());
            }
            h.assertSafe(s);
            s.assertUntouched();
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"gzip", "zstd"})
    void decompressionBombsAreRefusedWithoutFillingTheDisk(Bombs kind) throws Exception {
        Path file = tmp.resolve("bomb");
        HostileTars.Bomb b = kind == Bombs.gzip ? HostileTars.gzipBomb(file, HostileTars.DEFAULT_BOMB_SIZE)
                : HostileTars.zstdBomb(file, HostileTars.DEFAULT_BOMB_SIZE);
        Path root = Files.createDirectory(tmp.resolve("root"));
        IOException e;
        try (InputStream in = Files.newInputStream(file)) {
            e = assertThrows(IOException.class, () -> LayerArchive.apply(in, root, OutputStream.nullOutputStream(),
                    ApplyOptions.defaults()));
        }
        assertTrue(e.getMessage().contains("decompression bomb"), e.getMessage());
        // What the refused entry left allocated under root (du counts blocks, so holes are free). The
        // file system's free space is no measure: other processes write to the same disk meanwhile.
        long apparent = Long.parseLong(Tools.ok(Tools.require("du"), "-s", "--apparent-size", "--block-size=1", root).out().split("\\s")[0]);
        long used = Long.parseLong(Tools.ok(Tools.require("du"), "-s", "--block-size=1", root).out().split("\\s")[0]);
        System.out.println(kind + " bomb refused: " + apparent + " bytes of its entry written, " + used + " bytes allocated");
        assertTrue(used < 64L << 20, "zeros are written as holes: " + used + " bytes allocated for " + apparent + " bytes written of a "
                + b.entrySize() + "-byte entry");
    }

    enum Bombs { gzip, zstd }

    /** Through the Store: a refused layer leaves no record, no tree, no tar-split; the store is as before. */
    @org.junit.jupiter.api.Test
    void refusedLayersLeaveTheStoreUnchanged() throws Exception {
        Path g = tmp.resolve("g");
        io.cargohold.storage.Store store = io.cargohold.storage.Store.open(io.cargohold.storage.StoreOptions.vfs(g, tmp.resolve("r")));
        io.cargohold.storage.Layer base = store.createLayer(io.cargohold.storage.LayerOptions.of(null),
                new ByteArrayInputStream(io.cargohold.testkit.images.LayerBuilder.create().file("kept", "kept\n").build().tar().bytes()));
        String before = Files.readString(g.resolve("vfs-layers/layers.json"));
        int refused = 0;
        for (Case c : Case.values()) {
            if (!mustFail(c)) {
                continue;
            }
            Hostile h = c.build(Sandbox.create(tmp.resolve("s-" + c)));
            assertThrows(IOException.class, () -> store.createLayer(io.cargohold.storage.LayerOptions.of(base.id()),
                    new ByteArrayInputStream(h.tar())), c.toString());
            refused++;
            assertEquals(before, Files.readString(g.resolve("vfs-layers/layers.json")), c.toString());
            try (var dirs = Files.list(g.resolve("vfs/dir")); var files = Files.list(g.resolve("vfs-layers"))) {
                assertEquals(1, dirs.count(), c + ": only the base layer's tree");
                assertEquals(3, files.count(), c + ": layers.json, layers.lock and the base's tar-split");
            }
        }
        assertEquals(1, store.layers().size());
        assertEquals("kept\n", Files.readString(store.layerTree(base.id()).resolve("kept")));
        assertTrue(refused >= 15, "refused " + refused);
    }

    private static void apply(byte[] input, Path root) throws IOException {
        LayerArchive.apply(new ByteArrayInputStream(input), root, OutputStream.nullOutputStream(), ApplyOptions.defaults());
    }

}
