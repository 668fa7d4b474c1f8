package io.cargohold.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.errors.FailedPreconditionException;
import io.cargohold.storage.internal.GoJson;
import io.cargohold.storage.internal.RecordJson;
import io.cargohold.testkit.images.LayerBuilder;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Wipe, shutdown, image deletion with layer pruning, mapped top layers, parent owners, record JSON. */
class StoreMaintenanceTest {
    @TempDir
    Path tmp;

    private Store open() throws Exception {
        return Store.open(StoreOptions.vfs(tmp.resolve("g"), tmp.resolve("r")));
    }

    @Test
    void deleteImagePrunesLayersNobodyElseUses() throws Exception {
        Store s = open();
        Layer base = s.createLayer(LayerOptions.of(null));
        Layer mid = s.createLayer(LayerOptions.of(base.id()));
        Layer top = s.createLayer(LayerOptions.of(mid.id()));
        Layer other = s.createLayer(LayerOptions.of(base.id()));
        Image img = s.createImage(ImageOptions.of(top.id()));
        assertEquals(List.of(top.id(), mid.id()), s.deleteImage(img.id(), true), "base stays: another layer is its child");
        assertEquals(List.of(base.id(), other.id()), s.layers().stream().map(Layer::id).toList());
    }

    @Test
    void containersWithOtherIdMapsGetAMappedTopLayer() throws Exception {
        Store s = open();
        byte[] tar = LayerBuilder.create().file("f", "x\n").owner(5, 6).build().tar().bytes();
        Layer top = s.createLayer(LayerOptions.of(null), new ByteArrayInputStream(tar));
        Image img = s.createImage(ImageOptions.of(top.id()));
        List<IdMap> map = List.of(new IdMap(0, 200_000, 1000));
        Container c = s.createContainer(ContainerOptions.of(img.id()).withIdMaps(map, map));
        Image after = s.image(img.id());
        assertEquals(1, after.mappedLayers().size());
        Layer mapped = s.layer(after.mappedLayers().getFirst());
        assertEquals(map, mapped.uidMap());
        assertEquals(top.uncompressedDigest(), mapped.uncompressedDigest());
        assertEquals(mapped.id(), s.layer(c.layer()).parent(), "the container layer sits on the mapped copy");
        assertEquals(200_005, Files.getAttribute(s.layerTree(mapped.id()).resolve("f"), "unix:uid"));
        assertEquals(5, Files.getAttribute(s.layerTree(top.id()).resolve("f"), "unix:uid"));
        // a second container with the same maps reuses it; our diff of the mapped layer is the original tar
        Container c2 = s.createContainer(ContainerOptions.of(img.id()).withIdMaps(map, map));
        assertEquals(mapped.id(), s.layer(c2.layer()).parent());
        assertEquals(top.uncompressedDigest(), LayerDiffPeersTest.diffDigest(s, mapped.id()));
        s.deleteContainer(c.id());
        s.deleteContainer(c2.id());
        assertEquals(List.of(mapped.id(), top.id()), s.deleteImage(img.id(), true));
        assertEquals(List.of(), s.layers());
    }

    @Test
    void wipeAndShutdown() throws Exception {
        Store s = open();
        Layer l = s.createLayer(LayerOptions.of(null));
        Image i = s.createImage(ImageOptions.of(l.id()));
        s.createContainer(ContainerOptions.of(i.id()));
        s.mount(l.id());
        assertThrows(FailedPreconditionException.class, () -> s.shutdown(false));
        assertEquals(List.of(l.id()), s.shutdown(true));
        assertEquals(List.of(), s.shutdown(false));
        s.wipe();
        assertEquals(List.of(), s.layers());
        assertEquals(List.of(), s.images());
        assertEquals(List.of(), s.containers());
        try (var d = Files.list(tmp.resolve("g/vfs/dir"))) {
            assertEquals(0, d.count());
        }
    }

    @Test
    void parentOwnersAndRecordJson() throws Exception {
        Store s = open();
        Layer plain = s.createLayer(LayerOptions.of(null));
        assertEquals(0, s.layerParentOwners(plain.id())[0].length);
        List<IdMap> map = List.of(new IdMap(0, 300_000, 1000));
        Layer mappedLayer = s.createLayer(LayerOptions.of(null).withIdMaps(map, map));
        assertThrows(FailedPreconditionException.class, () -> s.layerParentOwners(mappedLayer.id()), "not mounted");
        s.mount(mappedLayer.id());
        long[][] owners = s.layerParentOwners(mappedLayer.id());
        assertTrue(owners[0].length > 0 && owners[0][0] == 0, "root-owned directories above the tree: " + owners[0].length);
        // the JSON of an API record is the record file's entry
        JsonNode file = GoJson.reader().readTree(Files.readAllBytes(tmp.resolve("g/vfs-layers/layers.json")));
        String ours = new String(GoJson.write(RecordJson.layer(s.layer(mappedLayer.id()))));
        assertEquals(file.get(1).toString(), GoJson.reader().readTree(ours).toString());
        assertNotEquals(-1, ours.indexOf("\"uidmap\":[{\"container_id\":0,\"host_id\":300000,\"size\":1000}]"), ours);
    }
}
