package io.cargohold.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cargohold.storage.archive.Compression;
import io.cargohold.testkit.fs.TreeSnapshot;
import io.cargohold.testkit.images.Image;
import io.cargohold.testkit.images.ImageBuilder;
import io.cargohold.testkit.images.Layer;
import io.cargohold.testkit.images.LayerBuilder;
import io.cargohold.testkit.images.OciLayoutWriter;
import io.cargohold.testkit.images.RawTar;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.Tools;
import io.cargohold.testkit.images.WrittenLayout;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every layer of realistic test images applied by us, layer after layer, gives the tree umoci
 * unpacks from the image cut at that layer (content, modes, owners, xattrs, links, times, whiteouts
 * and opaque directories applied), and our diff of each layer has the layer's recorded digest.
 * Two upstream behaviours umoci does not share are kept (checked against skopeo's extraction): a
 * hard-link header's mode and owner are applied to the inode, and directories changed by a layer
 * without an entry in it get the apply time; the test images write link headers as GNU tar does
 * (the inode's own mode) and the comparison ignores directory times above the first layer.
 */
class UmociTreesTest {
    @TempDir
    Path tmp;

    @Test
    void edgeCasesImage() throws Exception {
        compareEveryLayer("edge", TestImages.edgeCasesImage(7).layerSources());
    }

    @Test
    void smallAppImageWithReleaseLayer() throws Exception {
        compareEveryLayer("small", TestImages.smallImage(5, io.cargohold.testkit.images.Compression.GZIP).layerSources());
    }

    @Test
    void gnuFormatAndSparseLayers() throws Exception {
        Layer gnu = LayerBuilder.create().format(LayerBuilder.Format.GNU).dirs("opt/gnu")
                .file("opt/gnu/" + "long-name-".repeat(15) + "end", "gnu long name\n").owner(3_000_000, 3_000_001)
                .symlink("opt/gnu/" + "long-link-".repeat(12), "../" + "target-".repeat(20))
                .file("opt/gnu/short", "s\n").build();
        Layer sparse = LayerBuilder.create().dirs("var/lib/disk")
                .sparseFile("var/lib/disk/image.raw", 5L << 20, List.of(new RawTar.Region(0, "boot sector".getBytes()),
                        new RawTar.Region(3L << 20, new byte[] {1, 2, 3}), new RawTar.Region(4L << 20, "tail".getBytes())))
                .sparseFile("var/lib/disk/holes-only", 1L << 20, List.of())
                .build();
        compareEveryLayer("gnu-sparse", List.of(gnu, sparse));
    }

    private void compareEveryLayer(String name, List<Layer> layers) throws Exception {
        Tools.require("umoci");
        Store store = Store.open(StoreOptions.vfs(tmp.resolve(name + "-g"), tmp.resolve(name + "-r")));
        String parent = null;
        for (int k = 1; k <= layers.size(); k++) {
            Layer layer = layers.get(k - 1);
            io.cargohold.storage.Layer ours;
            try (InputStream in = layer.blob(io.cargohold.testkit.images.Compression.GZIP).open()) {
                ours = store.createLayer(LayerOptions.of(parent), in);
            }
            assertEquals(layer.diffId(), ours.uncompressedDigest());
            assertEquals(layer.diffId(), diffDigest(store, ours.id()), "our diff of layer " + k);
            parent = ours.id();

            ImageBuilder ib = ImageBuilder.create();
            for (Layer l : layers.subList(0, k)) {
                ib.layer(l, io.cargohold.testkit.images.Compression.GZIP, "layer");
            }
            Image img = ib.build();
            WrittenLayout w = new OciLayoutWriter(tmp.resolve(name + "-layout-" + k)).tag("latest", img).write();
            Path bundle = tmp.resolve(name + "-bundle-" + k);
            Tools.ok("umoci", "--log", "error", "unpack", "--image", w.umociRef("latest"), bundle);
            // Over a lower layer, directories that the layer changes without carrying an entry for them
            // keep the time of the apply (upstream does the same; umoci restores their old mtime).
            TreeSnapshot.Options.Builder o = TreeSnapshot.Options.builder().exclude(p -> p.equals("."));
            TreeSnapshot.assertSameTree(bundle.resolve("rootfs"), store.layerTree(ours.id()), k == 1 ? o.build() : o.ignoreDirMtimes().build());
        }
    }

    static String diffDigest(Store store, String id) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        store.diff(null, id, Compression.NONE, out);
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(out.toByteArray()));
    }
}
