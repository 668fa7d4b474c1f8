package io.cargohold.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.storage.archive.Compression;
import io.cargohold.testkit.images.Descriptor;
import io.cargohold.testkit.images.Image;
import io.cargohold.testkit.images.OciLayoutWriter;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.Tools;
import io.cargohold.testkit.images.WrittenLayout;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layer content shared with skopeo: layers skopeo wrote into containers-storage are reproduced by
 * our diff with the digests skopeo recorded; layers we applied are copied out by skopeo with the
 * same digests it produces from its own store of the same image.
 */
class LayerDiffPeersTest {
    @TempDir
    Path tmp;

    @Test
    void ourDiffReproducesLayersSkopeoWrote() throws Exception {
        Tools.require("skopeo");
        WrittenLayout layout = TestImages.hardlinksWhiteoutsOddNames(tmp.resolve("oci"));
        Path g = tmp.resolve("g");
        Path r = tmp.resolve("r");
        Tools.ok("skopeo", "copy", "--quiet", layout.skopeoRef("latest"), Peers.ref(g, r, "edge:latest"));
        Store store = Store.open(StoreOptions.vfs(g, r));
        List<Layer> layers = store.layers();
        assertFalse(layers.isEmpty());
        for (Layer l : layers) {
            assertNotNull(l.uncompressedDigest(), "skopeo records the diff ID");
            assertEquals(l.uncompressedDigest(), diffDigest(store, l.id()), "our diff of skopeo's layer " + l.id());
        }
    }

    @Test
    void skopeoCopiesOutLayersWeAppliedWithTheSameDigests() throws Exception {
        Tools.require("skopeo");
        Image img = TestImages.edgeCasesImage(3);
        WrittenLayout layout = new OciLayoutWriter(tmp.resolve("oci")).tag("latest", img).write();

        // theirs: skopeo writes the image into a store, then copies it out again
        Path g1 = tmp.resolve("g1");
        Path r1 = tmp.resolve("r1");
        Tools.ok("skopeo", "copy", "--quiet", layout.skopeoRef("latest"), Peers.ref(g1, r1, "edge:latest"));
        Tools.ok("skopeo", "copy", "--quiet", Peers.ref(g1, r1, "edge:latest"), "oci:" + tmp.resolve("out-theirs") + ":x");

        // ours: the same layers applied by us, the image recorded, then copied out by skopeo
        Path g2 = tmp.resolve("g2");
        Path r2 = tmp.resolve("r2");
        Store store = Store.open(StoreOptions.vfs(g2, r2));
        String parent = null;
        List<Descriptor> descriptors = img.layers();
        for (int i = 0; i < descriptors.size(); i++) {
            byte[] blob = Files.readAllBytes(layout.blobPath(descriptors.get(i).digest()));
            Layer l = store.createLayer(LayerOptions.of(parent), new ByteArrayInputStream(blob));
            assertEquals(descriptors.get(i).digest(), l.compressedDigest());
            assertEquals(img.diffIds().get(i), l.uncompressedDigest());
            assertEquals(l.uncompressedDigest(), diffDigest(store, l.id()), "our diff of our layer");
            parent = l.id();
        }
        io.cargohold.storage.Image image = store.createImage(ImageOptions.of(parent).withNames(List.of("localhost/edge:latest")));
        store.setImageBigData(image.id(), img.config().digest(), img.configJson());
        store.setImageBigData(image.id(), "manifest", img.manifestJson());
        Tools.ok("skopeo", "copy", "--quiet", Peers.ref(g2, r2, "localhost/edge:latest"), "oci:" + tmp.resolve("out-ours") + ":x");

        assertEquals(layerDigests(tmp.resolve("out-theirs")), layerDigests(tmp.resolve("out-ours")));
        assertEquals(img.diffIds(), diffIdsOf(tmp.resolve("out-ours")));
    }

    private static List<String> layerDigests(Path layout) throws Exception {
        JsonNode m = manifest(layout);
        List<String> out = new ArrayList<>();
        for (JsonNode l : m.path("layers")) {
            out.add(l.path("digest").asText());
        }
        return out;
    }

    private static List<String> diffIdsOf(Path layout) throws Exception {
        JsonNode m = manifest(layout);
        String cfg = m.path("config").path("digest").asText();
        JsonNode c = Peers.JSON.readTree(Files.readAllBytes(layout.resolve("blobs/sha256/" + cfg.substring(7))));
        List<String> out = new ArrayList<>();
        for (JsonNode d : c.path("rootfs").path("diff_ids")) {
            out.add(d.asText());
        }
        return out;
    }

    private static JsonNode manifest(Path layout) throws Exception {
        JsonNode index = Peers.JSON.readTree(Files.readAllBytes(layout.resolve("index.json")));
        String d = index.path("manifests").get(0).path("digest").asText();
        return Peers.JSON.readTree(Files.readAllBytes(layout.resolve("blobs/sha256/" + d.substring(7))));
    }

    static String diffDigest(Store store, String layer) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (OutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), md)) {
            store.diff(null, layer, Compression.NONE, out);
        }
        return "sha256:" + HexFormat.of().formatHex(md.digest());
    }
}
