package io.cargohold.storage.check;

import io.cargohold.storage.Image;
import io.cargohold.storage.ImageOptions;
import io.cargohold.storage.Layer;
import io.cargohold.storage.LayerOptions;
import io.cargohold.storage.Store;
import io.cargohold.testkit.images.ImageInfo;
import io.cargohold.testkit.images.Tools;
import io.cargohold.testkit.images.WrittenLayout;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Stores for the check tests: filled by skopeo, or by us as containers/image would fill them. */
final class Stores {
    private Stores() {
    }

    /** {@code containers-storage:[vfs@G+R]NAME}. */
    static String ref(Path g, Path r, String name) {
        return "containers-storage:[vfs@" + g.toAbsolutePath() + "+" + r.toAbsolutePath() + "]" + name;
    }

    static void skopeoCopy(WrittenLayout layout, String tag, Path g, Path r, String name) {
        Tools.ok("skopeo", "copy", "-q", layout.skopeoRef(tag), ref(g, r, name));
    }

    /** skopeo copies the image out of the store into an OCI layout (and so reads every layer back, checking digests). */
    static void skopeoReads(Path g, Path r, String name, Path out) {
        Tools.ok("skopeo", "copy", "-q", ref(g, r, name), "oci:" + out + ":x");
    }

    /**
     * Imports one image of a layout through our Store API with containers/image's IDs (layer: the diff ID
     * for a base layer, else sha256(parentID + "+" + diffID hex); image: the config digest's hex), as skopeo would.
     */
    static Image importWithUs(Store store, WrittenLayout layout, ImageInfo info, String name) throws IOException {
        String parent = null;
        for (int i = 0; i < info.layers().size(); i++) {
            String diffHex = info.diffIds().get(i).substring("sha256:".length());
            String id = parent == null ? diffHex : sha256Hex((parent + "+" + diffHex).getBytes(StandardCharsets.UTF_8));
            boolean exists = store.layers().stream().map(Layer::id).anyMatch(id::equals);
            if (!exists) {
                try (InputStream in = Files.newInputStream(layout.blobPath(info.layers().get(i).digest()))) {
                    store.createLayer(LayerOptions.of(parent).withId(id), in);
                }
            }
            parent = id;
        }
        String imageId = info.config().digest().substring("sha256:".length());
        Image image = store.createImage(ImageOptions.of(parent).withId(imageId).withNames(List.of(name))
                .withDigest(info.manifest().digest()));
        store.setImageBigData(imageId, "manifest", Files.readAllBytes(layout.blobPath(info.manifest().digest())));
        store.setImageBigData(imageId, info.config().digest(), Files.readAllBytes(layout.blobPath(info.config().digest())));
        return image;
    }

    /** The layers of an image, base first. */
    static List<Layer> chain(Store store, String image) throws IOException {
        List<Layer> out = new ArrayList<>();
        for (String id = store.image(image).topLayer(); id != null && !id.isEmpty(); id = store.layer(id).parent()) {
            out.addFirst(store.layer(id));
        }
        return out;
    }

    static String sha256Hex(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
