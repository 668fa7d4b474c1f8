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

    /**
     * An OCI layout (tag latest) of two layers made by GNU tar from directories ({@code ./} root entries,
     * as GNU tar and umoci write them), the second adding to directories of the first.
     */
    static Path gnuTarLayout(Path dir) throws IOException {
        Path blobs = dir.resolve("blobs/sha256");
        Files.createDirectories(blobs);
        List<String> layerDescs = new ArrayList<>();
        List<String> diffIds = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path src = dir.resolve("src" + i);
            Files.createDirectories(src.resolve("etc/conf.d"));
            Files.writeString(src.resolve("etc/conf.d/layer" + i), "layer " + i + "\n");
            Files.createDirectories(src.resolve("usr/bin"));
            Files.writeString(src.resolve("usr/bin/tool" + i), "#!/bin/sh\n");
            Files.setAttribute(src.resolve("usr/bin/tool" + i), "unix:mode", 0755);
            Tools.ok("touch", "-h", "-d", "2020-01-0" + (i + 1) + " 00:00:00", src.resolve("etc/conf.d").toString(), src.resolve("etc").toString(),
                    src.resolve("usr/bin").toString(), src.resolve("usr").toString(), src.toString());
            Path tar = dir.resolve("layer" + i + ".tar");
            Tools.ok("tar", "--numeric-owner", "--sort=name", "-C", src.toString(), "-cf", tar.toString(), ".");
            byte[] t = Files.readAllBytes(tar);
            String diffHex = sha256Hex(t);
            Files.write(blobs.resolve(diffHex), t);
            diffIds.add("\"sha256:" + diffHex + "\"");
            layerDescs.add("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:" + diffHex
                    + "\",\"size\":" + t.length + "}");
        }
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["
                + String.join(",", diffIds) + "]}}").getBytes(StandardCharsets.UTF_8);
        String configHex = sha256Hex(config);
        Files.write(blobs.resolve(configHex), config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" + configHex + "\",\"size\":" + config.length
                + "},\"layers\":[" + String.join(",", layerDescs) + "]}").getBytes(StandardCharsets.UTF_8);
        String manifestHex = sha256Hex(manifest);
        Files.write(blobs.resolve(manifestHex), manifest);
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" + manifestHex + "\",\"size\":" + manifest.length
                + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"latest\"}}]}");
        return dir;
    }
}
