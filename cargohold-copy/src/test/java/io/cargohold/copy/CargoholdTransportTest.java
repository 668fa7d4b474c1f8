package io.cargohold.copy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.content.BlobQuery;
import io.cargohold.content.StoreOptions;
import io.cargohold.oci.OciStore;
import io.cargohold.oci.refs.Reference;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.Tools;
import io.cargohold.testkit.images.WrittenLayout;
import io.cargohold.testkit.images.WrittenRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** oci → cargohold → oci through the engine: manifests byte for byte, blobs reused, the store complete and read by skopeo. */
class CargoholdTransportTest {
    @TempDir
    Path tmp;

    private final Transports transports = Transports.standard();

    private CopyContext context() {
        return CopyContext.of(tmp.resolve("store"), io.cargohold.storage.StoreOptions.vfs(tmp.resolve("g"), tmp.resolve("r")));
    }

    private CopyResult copy(String from, String to, CopyOptions o) throws IOException {
        return ImageCopier.copy(transports.parse(from), transports.parse(to), context(), o);
    }

    private static byte[] blob(Path layout, String digest) throws IOException {
        return Files.readAllBytes(layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length())));
    }


    @Test
    void everyTestImageRoundTripsByteForByte() throws IOException {
        List<WrittenLayout> cases = List.of(TestImages.small(tmp.resolve("small")), TestImages.twoTagsSharingLayers(tmp.resolve("shared")),
                TestImages.multiArch(tmp.resolve("multi")), TestImages.zstd(tmp.resolve("zstd")),
                TestImages.hardlinksWhiteoutsOddNames(tmp.resolve("edge")), TestImages.dockerSchema2(tmp.resolve("docker")));
        Set<String> convertedTo = new TreeSet<>();
        for (WrittenLayout w : cases) {
            String name = w.dir().getFileName().toString();
            for (WrittenRef r : w.refs()) {
                String stored = "cargohold:" + name + ":" + r.name();
                CopyResult in = copy("oci:" + w.dir() + ":" + r.name(), stored, CopyOptions.defaults().withAll(r.isIndex()));
                Path out = tmp.resolve("out-" + name);
                CopyResult back = copy(stored, "oci:" + out + ":" + r.name(), CopyOptions.defaults().withAll(r.isIndex()));
                if (ConvertedManifests.convertedToOci(r)) {
                    ConvertedManifests.assertConverted(r, in);
                    convertedTo.add(in.manifestDigest().toString());
                    assertEquals(in.manifestDigest(), back.manifestDigest(), stored + " back out");
                } else {
                    assertEquals(r.digest(), in.manifestDigest().toString(), stored);
                    assertEquals(r.digest(), back.manifestDigest().toString(), stored + " back out");
                    assertArrayEquals(blob(w.dir(), r.digest()), blob(out, r.digest()));
                }
                for (var image : r.images()) {
                    for (String d : image.blobDigests()) {
                        assertArrayEquals(blob(w.dir(), d), blob(out, d), stored + " " + d);
                    }
                }
            }
        }
        try (OciStore oci = OciStore.open(tmp.resolve("store"), StoreOptions.defaults())) {
            for (var ref : oci.list()) {
                assertTrue(oci.check(ref.reference()).complete(), ref.reference().toString());
            }
            assertEquals(0, oci.blobs().listRecords(OciStore.LEASES, "").size(), "no lease left");
            Set<String> expected = new TreeSet<>();
            for (WrittenLayout w : cases) {
                expected.addAll(w.blobs().keySet());
            }
            // the bare Docker manifest is converted; the same manifest stays as an instance of the dockerSchema2 index
            expected.addAll(convertedTo);
            Set<String> stored = oci.blobs().list(BlobQuery.all()).stream().map(b -> b.digest().toString()).collect(Collectors.toCollection(TreeSet::new));
            assertEquals(expected, stored, "every blob of the layouts, nothing else");
        }
        Tools.Result raw = Tools.ok(Tools.require("skopeo"), "inspect", "--raw", "oci:" + tmp.resolve("store") + ":multi:latest");
        assertEquals(cases.get(2).ref("latest").digest(), io.cargohold.digest.Digest.sha256(raw.stdout()).toString(),
                "the store root is a layout skopeo reads");
    }

    @Test
    void aSecondCopyMovesNothingAndAddsNothing() throws IOException {
        WrittenLayout w = TestImages.twoTagsSharingLayers(tmp.resolve("two"));
        CopyResult first = copy("oci:" + w.dir() + ":latest", "cargohold:app:latest", CopyOptions.defaults());
        CopyResult again = copy("oci:" + w.dir() + ":latest", "cargohold:app:latest", CopyOptions.defaults());
        assertEquals(0, again.blobsCopied());
        assertEquals(first.blobsCopied(), again.blobsReused());
        CopyResult v2 = copy("oci:" + w.dir() + ":v2", "cargohold:app:v2", CopyOptions.defaults());
        Set<String> shared = new HashSet<>(w.ref("latest").image().blobDigests());
        shared.retainAll(w.ref("v2").image().blobDigests());
        assertEquals(shared.size(), v2.blobsReused(), "the layers the tags share are reused");
        try (OciStore oci = OciStore.open(tmp.resolve("store"), StoreOptions.defaults())) {
            assertEquals(w.ref("v2").digest(), oci.get(Reference.parse("app:v2")).descriptor().digest().toString());
        }
    }

    @Test
    void anInterruptedCopyLeavesItsLayerInAnIngestAndTheRerunContinuesIt() throws IOException {
        WrittenLayout w = TestImages.large(tmp.resolve("big"), 8L << 20, 3, io.cargohold.testkit.images.Compression.NONE, 0);
        var biggest = w.ref("latest").image().layers().stream().max(java.util.Comparator.comparingLong(l -> l.size())).orElseThrow();
        ImageSource real = transports.parse("oci:" + w.dir() + ":latest").newSource(context());
        ImageSource failing = new ImageSource() {
            @Override
            public ImageReference reference() {
                return real.reference();
            }

            @Override
            public RawManifest manifest() throws IOException {
                return real.manifest();
            }

            @Override
            public java.io.InputStream blob(io.cargohold.oci.Descriptor d) throws IOException {
                java.io.InputStream in = real.blob(d);
                if (!d.digest().toString().equals(biggest.digest())) {
                    return in;
                }
                return new java.io.FilterInputStream(in) {
                    long n;

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        if (n > 1 << 20) {
                            throw new IOException("connection reset (test)");
                        }
                        int k = super.read(b, off, Math.min(len, 64 << 10));
                        n += Math.max(k, 0);
                        return k;
                    }
                };
            }
        };
        try (OciStore oci = OciStore.open(tmp.resolve("store"), StoreOptions.defaults())) {
            var dst = io.cargohold.copy.cargohold.CargoholdTransport.over(oci).parse("big:1");
            try (ImageDestination d = dst.newDestination(context())) {
                org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                        () -> ImageCopier.copy(failing, d, CopyOptions.defaults().withParallelism(1)));
            }
            real.close();
            var ingests = oci.blobs().ingests();
            assertEquals(1, ingests.size(), "the interrupted layer's ingest is kept");
            assertEquals(biggest.digest(), ingests.getFirst().ref());
            assertTrue(ingests.getFirst().offset() > 1 << 20, "it has what was written: " + ingests.getFirst());
            assertTrue(oci.list().isEmpty(), "no reference for the failed copy");
            CopyResult again = ImageCopier.copy(transports.parse("oci:" + w.dir() + ":latest"),
                    io.cargohold.copy.cargohold.CargoholdTransport.over(oci).parse("big:1"), context(), CopyOptions.defaults());
            assertEquals(w.ref("latest").digest(), again.manifestDigest().toString());
            assertEquals(List.of(), oci.blobs().ingests(), "continued and committed");
            assertTrue(oci.check(Reference.parse("big:1")).complete());
        }
    }
}
