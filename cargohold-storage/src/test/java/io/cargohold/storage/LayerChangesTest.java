package io.cargohold.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.storage.archive.Change;
import io.cargohold.storage.archive.Compression;
import io.cargohold.storage.archive.IdPair;
import io.cargohold.testkit.images.LayerBuilder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Changes, diff size, the diff generated from trees, and copy, through the Store. */
class LayerChangesTest {
    @TempDir
    Path tmp;

    private Store store;
    private Layer base;
    private Layer child;

    private void setUp() throws IOException {
        store = Store.open(StoreOptions.vfs(tmp.resolve("g"), tmp.resolve("r")));
        byte[] tar = LayerBuilder.create().dir("etc").file("etc/hosts", "127.0.0.1 localhost\n").file("etc/motd", "hi\n")
                .dir("var").dir("var/cache").file("var/cache/a", "aaaa").file("var/cache/b", "bb").build().tar().bytes();
        base = store.createLayer(LayerOptions.of(null), new ByteArrayInputStream(tar));
        child = store.createLayer(LayerOptions.of(base.id()));
        Path t = store.layerTree(child.id());
        Files.writeString(t.resolve("etc/hosts"), "127.0.0.1 localhost changed\n");
        Files.delete(t.resolve("etc/motd"));
        Files.delete(t.resolve("var/cache/a"));
        Files.delete(t.resolve("var/cache/b"));
        Files.delete(t.resolve("var/cache"));
        Files.createDirectories(t.resolve("opt/new"));
        Files.writeString(t.resolve("opt/new/file"), "new file\n");
        Files.createLink(t.resolve("opt/new/link"), t.resolve("opt/new/file"));
    }

    @Test
    void changesFollowUpstreamsRules() throws Exception {
        setUp();
        List<String> got = store.changes(null, child.id()).stream().map(Change::toString).toList();
        assertEquals(List.of("C /etc", "C /etc/hosts", "D /etc/motd", "A /opt", "A /opt/new", "A /opt/new/file", "A /opt/new/link",
                "C /var", "D /var/cache"), got);
        // the same against an explicit "from": the base; and a base layer against nothing
        assertEquals(got, store.changes(base.id(), child.id()).stream().map(Change::toString).toList());
        assertTrue(store.changes(null, base.id()).stream().allMatch(c -> c.kind() == Change.Kind.ADD));
        assertEquals("127.0.0.1 localhost changed\n".length() + "new file\n".length(), store.diffSize(null, child.id()),
                "modified and added files, the hard-linked one once");
    }

    @Test
    void aLayerWithoutTarSplitDiffsFromItsTreeWithWhiteouts() throws Exception {
        setUp();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        store.diff(null, child.id(), Compression.NONE, out);
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                names.add(e.getName() + (e.isLink() ? " -> " + e.getLinkName() : ""));
            }
        }
        assertEquals(List.of("etc/", "etc/hosts", "etc/.wh.motd", "opt/", "opt/new/", "opt/new/file", "opt/new/link -> opt/new/file",
                "var/", "var/.wh.cache"), names);
        // applying that diff over the same parent gives the child's tree again
        Layer again = store.createLayer(LayerOptions.of(base.id()), new ByteArrayInputStream(out.toByteArray()));
        Path t = store.layerTree(again.id());
        assertEquals("127.0.0.1 localhost changed\n", Files.readString(t.resolve("etc/hosts")));
        assertFalse(Files.exists(t.resolve("etc/motd")));
        assertFalse(Files.exists(t.resolve("var/cache")));
        assertEquals(Files.getAttribute(t.resolve("opt/new/file"), "unix:ino"), Files.getAttribute(t.resolve("opt/new/link"), "unix:ino"));
        assertEquals(store.changes(null, child.id()).stream().map(Change::toString).toList(),
                store.changes(null, again.id()).stream().map(Change::toString).toList());
    }

    @Test
    void copyIntoOutOfAndBetweenLayers() throws Exception {
        setUp();
        Path host = Files.createDirectories(tmp.resolve("host/dir"));
        Files.writeString(host.resolve("f.txt"), "from the host\n");
        store.copy(List.of(new CopyLocation(null, host.toString())), new CopyLocation(child.id(), "/srv/copied"), new IdPair(1000, 1001));
        Path t = store.layerTree(child.id());
        assertEquals("from the host\n", Files.readString(t.resolve("srv/copied/f.txt")));
        assertEquals(1000, Files.getAttribute(t.resolve("srv/copied/f.txt"), "unix:uid"));
        assertEquals(1001, Files.getAttribute(t.resolve("srv/copied/f.txt"), "unix:gid"));
        // a file out of a layer to the host, then from one layer into another
        Path outDir = Files.createDirectories(tmp.resolve("out"));
        store.copy(List.of(CopyLocation.parse(base.id() + ":/etc/hosts")), new CopyLocation(null, outDir + "/"), null);
        assertEquals("127.0.0.1 localhost\n", Files.readString(outDir.resolve("hosts")));
        store.copy(List.of(CopyLocation.parse(base.id() + ":etc/motd")), CopyLocation.parse(child.id() + ":/etc/"), null);
        assertEquals("hi\n", Files.readString(t.resolve("etc/motd")));
        // a path in a layer never leads outside it, whatever its symbolic links say
        Files.createSymbolicLink(t.resolve("escape"), Path.of("../../../../../../.."));
        assertThrows(IOException.class, () -> store.copy(List.of(new CopyLocation(null, host.toString())),
                CopyLocation.parse(child.id() + ":/escape/tmp/x"), null));
        assertFalse(Files.exists(Path.of("/tmp/x/f.txt")));
    }
}
