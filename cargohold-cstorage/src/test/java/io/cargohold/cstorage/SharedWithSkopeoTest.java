package io.cargohold.cstorage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.testkit.images.ImageInfo;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.Tools;
import io.cargohold.testkit.images.WrittenLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * containers-storage on a store shared with skopeo: it lists and inspects what `skopeo copy` put
 * there, reproduces skopeo's layers with `diff`, and what it creates and deletes leaves the store
 * usable by skopeo.
 */
class SharedWithSkopeoTest {
    @TempDir
    Path tmp;

    @Test
    void commandsWorkOnWhatSkopeoWrote() throws Exception {
        Tools.require("skopeo");
        WrittenLayout layout = TestImages.twoTagsSharingLayers(tmp.resolve("oci"));
        Cs cs = new Cs(tmp);
        String ref = "containers-storage:[vfs@" + cs.graph + "+" + cs.run + "]";
        Tools.ok("skopeo", "copy", "--quiet", layout.skopeoRef("latest"), ref + "docker.io/library/app:latest");
        Tools.ok("skopeo", "copy", "--quiet", layout.skopeoRef("v2"), ref + "docker.io/library/app:v2");

        JsonNode images = cs.cs("images", "--json").ok().json();
        assertEquals(2, images.size());
        List<String> names = new ArrayList<>();
        images.forEach(i -> i.path("names").forEach(n -> names.add(n.asText())));
        assertEquals(List.of("docker.io/library/app:latest", "docker.io/library/app:v2"), names.stream().sorted().toList());
        String text = cs.cs("images").ok().out();
        assertTrue(text.contains("\tname: docker.io/library/app:latest"), text);

        ImageInfo v2 = layout.ref("v2").image();
        String imageId = cs.cs("images-by-digest", v2.manifest().digest()).ok().out().split("\\s")[0];
        String info = cs.cs("image", imageId).ok().out();
        assertTrue(info.contains("Name: docker.io/library/app:v2"), info);
        byte[] manifest = cs.cs("get-image-data", imageId, "manifest").ok().out().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertEquals(v2.manifest().digest(), sha256(manifest));

        // every layer skopeo wrote is reproduced by our diff with skopeo's recorded diff ID
        JsonNode layers = cs.cs("layers", "--json").ok().json();
        java.util.Set<String> diffIds = new java.util.HashSet<>(v2.diffIds());
        diffIds.addAll(layout.ref("latest").image().diffIds());
        assertEquals(diffIds.size(), layers.size(), "the layers of both tags, shared ones once");
        for (JsonNode l : layers) {
            Path out = tmp.resolve("diff-" + l.path("id").asText() + ".tar");
            cs.cs("diff", "-u", "-f", out.toString(), l.path("id").asText()).ok();
            assertEquals(l.path("diff-digest").asText(), sha256(Files.readAllBytes(out)));
        }

        // a container and a name change by us, an image deleted by us: skopeo still reads the store
        String ctr = cs.cs("create-container", "-n", "c1", "docker.io/library/app:latest").ok().id();
        cs.cs("add-names", "-n", "localhost/app:renamed", imageId).ok();
        cs.cs("delete-container", ctr).ok();
        Tools.ok("skopeo", "inspect", ref + "localhost/app:renamed");
        cs.cs("delete-image", "docker.io/library/app:latest").ok();
        assertEquals(1, cs.cs("images", "--json").ok().json().size());
        Tools.ok("skopeo", "inspect", ref + "docker.io/library/app:v2");
    }

    private static String sha256(byte[] b) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
