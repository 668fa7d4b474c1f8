package io.cargohold.copy.storage;

import static io.cargohold.copy.storage.StorageFixtures.copy;
import static io.cargohold.copy.storage.StorageFixtures.ref;
import static io.cargohold.copy.storage.StorageFixtures.skopeoCopy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.copy.CopyOptions;
import io.cargohold.copy.CopyResult;
import io.cargohold.copy.Platforms;
import io.cargohold.errors.NotFoundException;
import io.cargohold.storage.Layer;
import io.cargohold.storage.Store;
import io.cargohold.storage.StoreOptions;
import io.cargohold.testkit.fs.TreeSnapshot;
import io.cargohold.testkit.images.ImageInfo;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.Tools;
import io.cargohold.testkit.images.WrittenLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images out of containers-storage (skopeo's or ours): exported as their uncompressed diffs,
 * compressed again on the way as their manifests named them; DiffIDs and unpacked trees equal the
 * source's; where the original blobs are at the destination the manifest keeps its digest.
 */
class StorageSourceTest {
    @TempDir
    Path tmp;

    private Path graph() {
        return tmp.resolve("graph");
    }

    private Path run() {
        return tmp.resolve("run");
    }

    private Path unpack(String image, String name) {
        Path bundle = tmp.resolve("bundle-" + name);
        List<Object> cmd = new ArrayList<>(List.of(Tools.require("umoci"), "unpack"));
        try {
            if (!Tools.isRoot(tmp)) {
                cmd.add("--rootless");
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        cmd.addAll(List.of("--image", image, bundle));
        Tools.ok(cmd.toArray());
        return bundle.resolve("rootfs");
    }

    @Test
    void anImageSkopeoStoredIsExportedWithItsDiffIdsAndTree() throws Exception {
        Tools.require("skopeo");
        Tools.require("umoci");
        for (String which : List.of("two", "edge")) {
            WrittenLayout w = which.equals("two") ? TestImages.twoTagsSharingLayers(tmp.resolve(which))
                    : TestImages.hardlinksWhiteoutsOddNames(tmp.resolve(which));
            skopeoCopy(w.skopeoRef("latest"), ref(graph(), run(), which + ":latest"));
            Path out = tmp.resolve("out-" + which);
            CopyResult res = copy(tmp, ref(graph(), run(), which + ":latest"), "oci:" + out + ":latest");
            ImageInfo src = w.ref("latest").image();
            assertEquals(src.diffIds(), StorageFixtures.diffIds(StorageFixtures.ociConfig(out, "latest")), which + ": DiffIDs");
            assertArrayEquals(StorageFixtures.blob(w.dir(), src.config().digest()),
                    StorageFixtures.blob(out, StorageFixtures.ociManifest(out, "latest").path("config").path("digest").asText()),
                    "the config travels unchanged");
            JsonNode m = StorageFixtures.ociManifest(out, "latest");
            for (int i = 0; i < src.layers().size(); i++) {
                assertEquals(src.layers().get(i).mediaType(), m.path("layers").get(i).path("mediaType").asText(),
                        which + ": compressed again as the manifest named it");
            }
            assertEquals(src.layers().size(), res.blobsCopied() - 1);
            TreeSnapshot.assertSameTree(unpack(w.umociRef("latest"), which + "-src"), unpack(out + ":latest", which + "-out"),
                    TreeSnapshot.Options.builder().exclude(p -> p.equals(".")).build());
        }
    }

    @Test
    void whereTheOriginalBlobsAreTheManifestKeepsItsDigest() throws Exception {
        WrittenLayout two = TestImages.twoTagsSharingLayers(tmp.resolve("two"));
        copy(tmp, two.skopeoRef("latest"), ref(graph(), run(), "app:latest"));
        // the destination layout already has the original blobs: every layer is reused, the manifest unchanged
        Path out = tmp.resolve("out");
        StorageDestinationTest.copyTree(two.dir(), out);
        CopyResult res = copy(tmp, ref(graph(), run(), "app:latest"), "oci:" + out + ":again");
        assertEquals(two.ref("latest").digest(), res.manifestDigest().toString());
        assertEquals(4, res.blobsReused(), "three layers and the config");
        // into an empty layout the layers are compressed again: another manifest, the same DiffIDs
        Path fresh = tmp.resolve("fresh");
        CopyResult res2 = copy(tmp, ref(graph(), run(), "app:latest"), "oci:" + fresh + ":latest");
        // (with the same gzip as the generator, even the blobs come out the same: not something to rely on)
        assertEquals(two.ref("latest").image().diffIds(), StorageFixtures.diffIds(StorageFixtures.ociConfig(fresh, "latest")));
    }

    @Test
    void ociToCargoholdToContainersStorageToOciKeepsTheDiffIds() throws Exception {
        WrittenLayout two = TestImages.twoTagsSharingLayers(tmp.resolve("two"));
        copy(tmp, two.skopeoRef("v2"), "cargohold:app:v2");
        copy(tmp, "cargohold:app:v2", ref(graph(), run(), "app:v2"));
        Path out = tmp.resolve("out");
        copy(tmp, ref(graph(), run(), "app:v2"), "oci:" + out + ":v2");
        assertEquals(two.ref("v2").image().diffIds(), StorageFixtures.diffIds(StorageFixtures.ociConfig(out, "v2")));
        // and back into the content store: the blobs it has are reused, so the manifest is the original
        CopyResult back = copy(tmp, ref(graph(), run(), "app:v2"), "cargohold:app:again");
        assertEquals(two.ref("v2").digest(), back.manifestDigest().toString());
    }

    @Test
    void imagesAreFoundByNameIdPrefixAndDigestAsUpstreamResolvesThem() throws Exception {
        WrittenLayout small = TestImages.small(tmp.resolve("small"));
        copy(tmp, small.skopeoRef("latest"), ref(graph(), run(), "quay.io/x/app:1"));
        String id = io.cargohold.digest.Digest.parse(small.ref("latest").image().config().digest()).hex();
        String manifest = small.ref("latest").digest();
        for (String name : List.of("quay.io/x/app:1", "@" + id, id.substring(0, 12), "@" + id.substring(0, 5),
                "quay.io/x/app@" + manifest, "quay.io/x/app:1@" + id)) {
            Path out = tmp.resolve("out-" + Integer.toHexString(name.hashCode()));
            copy(tmp, ref(graph(), run(), name), "oci:" + out + ":x");
            assertEquals(small.ref("latest").image().diffIds(), StorageFixtures.diffIds(StorageFixtures.ociConfig(out, "x")), name);
        }
        NotFoundException e = assertThrows(NotFoundException.class,
                () -> copy(tmp, ref(graph(), run(), "app:1"), "oci:" + tmp.resolve("no") + ":x"));
        assertTrue(e.getMessage().contains("docker.io/library/app:1\" does not resolve to an image ID: identifier is not an image"),
                e.getMessage());
        assertThrows(NotFoundException.class, () -> copy(tmp, ref(graph(), run(), "quay.io/other/app@" + manifest),
                "oci:" + tmp.resolve("no") + ":x"));
    }

    @Test
    void aMultiArchPullIsReadByTheListDigestForThePlatformThatWasPulled() throws Exception {
        WrittenLayout multi = TestImages.multiArch(tmp.resolve("multi"));
        copy(tmp, multi.skopeoRef("latest"), ref(graph(), run(), "multi:arm"),
                CopyOptions.defaults().withPlatform(Platforms.parse("linux/arm64")));
        String list = multi.ref("latest").digest();
        Path out = tmp.resolve("out");
        copy(tmp, ref(graph(), run(), "multi@" + list), "oci:" + out + ":arm",
                CopyOptions.defaults().withPlatform(Platforms.parse("linux/arm64")));
        ImageInfo arm = multi.ref("latest").images().stream().filter(i -> i.platform().architecture().equals("arm64"))
                .findFirst().orElseThrow();
        assertEquals(arm.diffIds(), StorageFixtures.diffIds(StorageFixtures.ociConfig(out, "arm")));
        // the other platform was never pulled: its manifest is not there
        NotFoundException e = assertThrows(NotFoundException.class, () -> copy(tmp, ref(graph(), run(), "multi@" + list),
                "oci:" + out + ":amd", CopyOptions.defaults().withPlatform(Platforms.parse("linux/amd64"))));
        assertTrue(e.getMessage().contains("reading manifest for image instance"), e.getMessage());
    }

    /** A non-empty regular file the layer's own diff adds. */
    private static Path addedFile(Store store, String layer) throws IOException {
        Path tree = store.layerTree(layer);
        for (var c : store.changes(null, layer)) {
            Path p = tree.resolve(c.path().substring(1));
            if (c.kind() == io.cargohold.storage.archive.Change.Kind.ADD && Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                    && Files.size(p) > 0) {
                return p;
            }
        }
        throw new AssertionError("layer " + layer + " adds no file");
    }

    @Test
    void storageToStorageCopiesTheDiffsAndAMismatchedLayerIsRefused() throws Exception {
        WrittenLayout two = TestImages.twoTagsSharingLayers(tmp.resolve("two"));
        copy(tmp, two.skopeoRef("latest"), ref(graph(), run(), "app:latest"));
        Path g2 = tmp.resolve("graph2");
        Path r2 = tmp.resolve("run2");
        copy(tmp, ref(graph(), run(), "app:latest"), ref(g2, r2, "app:copy"));
        Store a = Store.open(StoreOptions.vfs(graph(), run()));
        Store b = Store.open(StoreOptions.vfs(g2, r2));
        assertEquals(a.layers().stream().map(Layer::id).sorted().toList(), b.layers().stream().map(Layer::id).sorted().toList(),
                "the same chain IDs");
        for (Layer l : a.layers()) {
            StorageFixtures.assertSameTree(a.layerTree(l.id()), b.layerTree(l.id()));
            assertEquals(l.uncompressedDigest(), b.layer(l.id()).uncompressedDigest());
        }
        assertEquals(a.image("docker.io/library/app:latest").id(), b.image("docker.io/library/app:copy").id(), "image ID = config digest");
        // a layer whose tree no longer matches its tar-split cannot be exported: the copy fails, the target keeps nothing
        Layer top = a.layer(a.image("docker.io/library/app:latest").topLayer());
        Path changed = addedFile(a, top.id());
        Files.writeString(changed, "changed");
        Path g3 = tmp.resolve("graph3");
        IOException e = assertThrows(IOException.class,
                () -> copy(tmp, ref(graph(), run(), "app:latest"), ref(g3, tmp.resolve("run3"), "app:x")));
        assertTrue(e.getMessage().contains("file integrity checksum failed"), e.getMessage());
        Store c = Store.open(StoreOptions.vfs(g3, tmp.resolve("run3")));
        assertEquals(2, c.layers().size(), "the two lower layers; the top one was removed again");
        assertEquals(List.of(), c.images());
        StorageFixtures.assertNoIncompleteLayers(g3);
    }
}
