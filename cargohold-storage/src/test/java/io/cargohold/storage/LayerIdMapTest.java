package io.cargohold.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cargohold.storage.archive.Compression;
import io.cargohold.testkit.images.LayerBuilder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ID-mapped layers: owners shifted container -> host on apply and back on diff; uidset as in the archive. */
class LayerIdMapTest {
    @TempDir
    Path tmp;

    private static final List<IdMap> MAP = List.of(new IdMap(0, 100_000, 65_536));

    @Test
    void ownersAreMappedOnApplyAndBackOnDiff() throws Exception {
        Store store = Store.open(StoreOptions.vfs(tmp.resolve("g"), tmp.resolve("r")));
        byte[] tar = LayerBuilder.create().dir("home").dir("home/app").owner(1000, 1000).file("home/app/f", "x\n").owner(1000, 50)
                .file("root-file", "r\n").build().tar().bytes();
        Layer l = store.createLayer(LayerOptions.of(null).withIdMaps(MAP, MAP), new ByteArrayInputStream(tar));
        Path t = store.layerTree(l.id());
        assertEquals(101_000, Files.getAttribute(t.resolve("home/app/f"), "unix:uid"));
        assertEquals(100_050, Files.getAttribute(t.resolve("home/app/f"), "unix:gid"));
        assertEquals(100_000, Files.getAttribute(t.resolve("root-file"), "unix:uid"));
        assertEquals(List.of(0L, 1000L), l.uidSet(), "the archive's IDs, not the host's");
        assertEquals(List.of(0L, 50L, 1000L), l.gidSet());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        store.diff(null, l.id(), Compression.NONE, out);
        assertArrayEquals(tar, out.toByteArray());

        // a child (inherits the map) modified on disk: the generated diff carries container IDs again
        Layer child = store.createLayer(LayerOptions.of(l.id()));
        Path ct = store.layerTree(child.id());
        Files.writeString(ct.resolve("home/app/new"), "new\n");
        Files.setAttribute(ct.resolve("home/app/new"), "unix:uid", 100_033);
        Files.setAttribute(ct.resolve("home/app/new"), "unix:gid", 100_044);
        ByteArrayOutputStream d = new ByteArrayOutputStream();
        store.diff(null, child.id(), Compression.NONE, d);
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(d.toByteArray()))) {
            TarArchiveEntry e;
            boolean seen = false;
            while ((e = in.getNextEntry()) != null) {
                if (e.getName().equals("home/app/new")) {
                    assertEquals(33, e.getLongUserId());
                    assertEquals(44, e.getLongGroupId());
                    seen = true;
                }
            }
            assertEquals(true, seen);
        }
    }

    @Test
    void anOwnerOutsideTheMapFailsTheLayer() throws Exception {
        Store store = Store.open(StoreOptions.vfs(tmp.resolve("g"), tmp.resolve("r")));
        byte[] tar = LayerBuilder.create().file("f", "x\n").owner(70_000, 0).build().tar().bytes();
        IOException e = assertThrows(IOException.class,
                () -> store.createLayer(LayerOptions.of(null).withIdMaps(MAP, MAP), new ByteArrayInputStream(tar)));
        assertEquals("container UID 70000 cannot be mapped to a host ID", e.getMessage());
        assertEquals(List.of(), store.layers());
    }
}
