package io.cargohold.oci.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.digest.Digest;
import io.cargohold.errors.CargoholdException;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.oci.Descriptor;
import io.cargohold.oci.MediaTypes;
import io.cargohold.oci.OciDocument;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The walker over hostile graphs: depth, lying sizes and digests, missing blobs, subjects, dedup, order. */
class DescriptorWalkerTest {
    private final Map<Digest, byte[]> blobs = new HashMap<>();
    private final List<Digest> reads = new ArrayList<>();

    private final DescriptorWalker.Loader loader = new DescriptorWalker.Loader() {
        @Override
        public byte[] read(Descriptor d, String namedBy) throws IOException {
            reads.add(d.digest());
            byte[] b = blobs.get(d.digest());
            if (b == null) {
                throw new NotFoundException("blob " + d.digest() + " (named by " + namedBy + ") is missing");
            }
            return b;
        }

        @Override
        public boolean has(Descriptor d) {
            return blobs.containsKey(d.digest());
        }
    };

    private Descriptor put(String mediaType, String content) {
        byte[] b = content.getBytes(StandardCharsets.UTF_8);
        Digest d = Digest.sha256(b);
        blobs.put(d, b);
        return Descriptor.of(mediaType, d, b.length);
    }

    private static String json(Descriptor d) {
        return "{\"mediaType\":\"" + d.mediaType() + "\",\"digest\":\"" + d.digest() + "\",\"size\":" + d.size() + "}";
    }

    private Descriptor manifest(Descriptor config, List<Descriptor> layers, Descriptor subject) {
        StringBuilder b = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                + json(config) + ",\"layers\":[");
        for (int i = 0; i < layers.size(); i++) {
            b.append(i == 0 ? "" : ",").append(json(layers.get(i)));
        }
        b.append("]").append(subject == null ? "" : ",\"subject\":" + json(subject)).append("}");
        return put(MediaTypes.OCI_MANIFEST, b.toString());
    }

    private Descriptor index(List<Descriptor> manifests) {
        StringBuilder b = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":[");
        for (int i = 0; i < manifests.size(); i++) {
            b.append(i == 0 ? "" : ",").append(json(manifests.get(i)));
        }
        return put(MediaTypes.OCI_INDEX, b.append("]}").toString());
    }

    private Descriptor image(String seed) {
        Descriptor config = put(MediaTypes.OCI_CONFIG, "{\"seed\":\"" + seed + "\"}");
        Descriptor shared = put(MediaTypes.OCI_LAYER_GZIP, "shared layer");
        Descriptor own = put(MediaTypes.OCI_LAYER_GZIP, "layer " + seed);
        return manifest(config, List.of(shared, own), null);
    }

    private DescriptorWalker walker(DescriptorWalker.Subjects s) {
        return DescriptorWalker.over(loader, s);
    }

    @Test
    void childrenFirstEachOnceLeavesNeverRead() throws IOException {
        Descriptor a = image("a");
        Descriptor b = image("b");
        Descriptor top = index(List.of(a, b, a));
        List<DescriptorWalker.Node> plan = walker(DescriptorWalker.Subjects.FOLLOW).plan(top, "test");
        assertEquals(8, plan.size(), "index, 2 manifests, 2 configs, 3 distinct layers");
        assertEquals(top, plan.getLast().descriptor());
        for (int i = 0; i < plan.size(); i++) {
            if (plan.get(i).document() instanceof OciDocument doc) {
                for (Descriptor child : doc.children()) {
                    int at = plan.stream().map(DescriptorWalker.Node::descriptor).map(Descriptor::digest).toList().indexOf(child.digest());
                    assertTrue(at < i, "a child comes before its parent");
                }
            }
        }
        assertEquals(List.of(top.digest(), a.digest(), b.digest()), reads, "only documents are read, once each");
    }

    @Test
    void anIndexOfIndexesTooDeepIsAnError() throws IOException {
        Descriptor d = image("deep");
        for (int i = 0; i < DescriptorWalker.MAX_DEPTH; i++) {
            d = index(List.of(d));
        }
        assertEquals(DescriptorWalker.MAX_DEPTH + 4, walker(DescriptorWalker.Subjects.FOLLOW).plan(d, "test").size(), "at the limit: fine");
        Descriptor tooDeep = d;
        for (int i = 0; i < 1000 - DescriptorWalker.MAX_DEPTH; i++) {
            tooDeep = index(List.of(tooDeep));
        }
        Descriptor top = tooDeep;
        var e = assertThrows(CorruptException.class, () -> walker(DescriptorWalker.Subjects.FOLLOW).plan(top, "test"));
        assertTrue(e.getMessage().contains("is nested more than " + DescriptorWalker.MAX_DEPTH + " documents deep"), e.getMessage());
    }

    /**
     * The walk is iterative: a chain of 100,000 indexes, walked with the depth limit raised to match, on
     * a thread whose stack is 256 KiB. A recursive walk (a few frames per level) needs tens of MiB of
     * stack here and dies with a StackOverflowError; one more level is the depth error, not an overflow.
     */
    @Test
    void aHundredThousandDeepGraphIsWalkedOnATinyStackWithTheLimitRaised() throws Throwable {
        int levels = 100_000;
        Descriptor d = image("very deep");
        for (int i = 0; i < levels; i++) {
            d = index(List.of(d));
        }
        Descriptor top = d;
        Descriptor tooDeep = index(List.of(top));
        DescriptorWalker w = walker(DescriptorWalker.Subjects.FOLLOW).withLimits(new DescriptorWalker.Limits(levels, DescriptorWalker.MAX_BLOBS));
        Object[] result = new Object[2];
        Thread t = new Thread(null, () -> {
            try {
                result[0] = w.plan(top, "test");
                result[1] = assertThrows(CorruptException.class, () -> w.plan(tooDeep, "reference deep:1"));
            } catch (Throwable e) {
                result[0] = e;
            }
        }, "tiny stack", 256 * 1024);
        t.start();
        t.join();
        if (result[0] instanceof Throwable e) {
            throw e;
        }
        @SuppressWarnings("unchecked")
        List<DescriptorWalker.Node> plan = (List<DescriptorWalker.Node>) result[0];
        assertEquals(levels + 4, plan.size(), "every index, the manifest, its config and two layers");
        assertEquals(top, plan.getLast().descriptor());
        assertEquals(MediaTypes.OCI_CONFIG, plan.getFirst().descriptor().mediaType(), "children first: the config leads");
        String m = ((CorruptException) result[1]).getMessage();
        assertTrue(m.contains("is nested more than " + levels + " documents deep below reference deep:1 (the walker's depth limit)"), m);
    }

    @Test
    void aGraphWiderThanTheBlobLimitIsAnErrorNamingTheLimit() throws IOException {
        List<Descriptor> images = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            images.add(image("wide " + i)); // 3 own blobs each (manifest, config, own layer) and one shared layer
        }
        Descriptor top = index(images);
        int blobs = 1 + 5 * 3 + 1;
        DescriptorWalker exact = walker(DescriptorWalker.Subjects.FOLLOW).withLimits(new DescriptorWalker.Limits(16, blobs));
        assertEquals(blobs, exact.plan(top, "test").size(), "at the limit: fine");
        DescriptorWalker smaller = walker(DescriptorWalker.Subjects.FOLLOW).withLimits(new DescriptorWalker.Limits(16, blobs - 1));
        var e = assertThrows(CorruptException.class, () -> smaller.plan(top, "reference wide:1"));
        assertTrue(e.getMessage().contains("the graph of reference wide:1 names more than " + (blobs - 1)
                + " blobs (the walker's limit on blobs per walk)"), e.getMessage());
        assertEquals(DescriptorWalker.Limits.DEFAULT, walker(DescriptorWalker.Subjects.FOLLOW).limits());
        assertEquals(new DescriptorWalker.Limits(DescriptorWalker.MAX_DEPTH, DescriptorWalker.MAX_BLOBS), DescriptorWalker.Limits.DEFAULT);
        assertThrows(IllegalArgumentException.class, () -> new DescriptorWalker.Limits(-1, 1));
        assertThrows(IllegalArgumentException.class, () -> new DescriptorWalker.Limits(1, 0));
    }

    @Test
    void enterAndLeaveOrderIsDepthFirstChildrenInDocumentOrder() throws IOException {
        Descriptor a = image("a");
        Descriptor b = image("b");
        Descriptor inner = index(List.of(b));
        Descriptor top = index(List.of(a, inner));
        List<String> events = new ArrayList<>();
        walker(DescriptorWalker.Subjects.FOLLOW).walk(top, "test", new DescriptorWalker.Visitor() {
            @Override
            public boolean enter(Descriptor d, String namedBy) {
                events.add("enter " + d.digest().hex().substring(0, 8) + " by " + namedBy.split(" ")[0]);
                return true;
            }

            @Override
            public void leave(Descriptor d, OciDocument doc, String namedBy) {
                events.add("leave " + d.digest().hex().substring(0, 8));
            }
        });
        List<String> expected = new ArrayList<>();
        java.util.function.Function<Descriptor, String> h = d -> d.digest().hex().substring(0, 8);
        var ma = (OciDocument.Manifest) walker(DescriptorWalker.Subjects.FOLLOW).load(a, "t");
        var mb = (OciDocument.Manifest) walker(DescriptorWalker.Subjects.FOLLOW).load(b, "t");
        expected.add("enter " + h.apply(top) + " by test");
        expected.add("enter " + h.apply(a) + " by index");
        for (Descriptor c : ma.children()) {
            expected.add("enter " + h.apply(c) + " by manifest");
            expected.add("leave " + h.apply(c));
        }
        expected.add("leave " + h.apply(a));
        expected.add("enter " + h.apply(inner) + " by index");
        expected.add("enter " + h.apply(b) + " by index");
        for (Descriptor c : mb.children()) {
            if (c.digest().equals(ma.layers().getFirst().digest())) {
                continue; // the shared layer: once per walk
            }
            expected.add("enter " + h.apply(c) + " by manifest");
            expected.add("leave " + h.apply(c));
        }
        expected.add("leave " + h.apply(b));
        expected.add("leave " + h.apply(inner));
        expected.add("leave " + h.apply(top));
        assertEquals(expected, events);
    }

    /**
     * One blob named as a manifest in one place and as a plain blob in another: the walk visits each
     * digest once, so without this check the second label would be silently ignored (a manifest's
     * children never walked, or a copy left without the instance an index names).
     */
    @Test
    void aBlobNamedAsAManifestAndAsAPlainBlobIsAnError() throws IOException {
        Descriptor b = image("b");
        Descriptor asBlob = Descriptor.of("application/octet-stream", b.digest(), b.size());
        Descriptor a = manifest(put(MediaTypes.OCI_CONFIG, "{\"seed\":\"a\"}"), List.of(asBlob), null);
        for (List<Descriptor> order : List.of(List.of(a, b), List.of(b, a))) {
            Descriptor top = index(order);
            var e = assertThrows(CorruptException.class, () -> walker(DescriptorWalker.Subjects.FOLLOW).plan(top, "test"));
            assertTrue(e.getMessage().contains("the media types disagree about what it is"), e.getMessage());
            assertTrue(e.getMessage().startsWith("blob " + b.digest()), e.getMessage());
        }
        // the same manifest under two document labels: only one can agree with the document
        Descriptor asDocker = Descriptor.of(MediaTypes.DOCKER_MANIFEST, b.digest(), b.size());
        var twoLabels = assertThrows(CorruptException.class,
                () -> walker(DescriptorWalker.Subjects.FOLLOW).plan(index(List.of(b, asDocker)), "test"));
        assertTrue(twoLabels.getMessage().contains("is labelled " + MediaTypes.DOCKER_MANIFEST + ", but elsewhere in the graph it is named as "
                + MediaTypes.OCI_MANIFEST), twoLabels.getMessage());
        // the same blob twice with the same label is fine (and walked once); plain blobs may differ in their labels
        Descriptor sharedTwice = index(List.of(b, index(List.of(b))));
        assertEquals(1 + 1 + 4, walker(DescriptorWalker.Subjects.FOLLOW).plan(sharedTwice, "test").size());
        var mb = (OciDocument.Manifest) walker(DescriptorWalker.Subjects.FOLLOW).load(b, "t");
        Descriptor layer = mb.layers().getFirst();
        Descriptor c = manifest(mb.config(), List.of(Descriptor.of(MediaTypes.DOCKER_LAYER_GZIP, layer.digest(), layer.size())), null);
        assertEquals(1 + 2 + 3, walker(DescriptorWalker.Subjects.FOLLOW).plan(index(List.of(b, c)), "test").size(),
                "index, b (manifest, config, two layers), c (manifest; its config and layer are b's)");
    }

    @Test
    void lyingSizesAndDigestsAndMissingDocumentsAreClearErrors() throws IOException {
        Descriptor m = image("x");
        Descriptor longer = Descriptor.of(m.mediaType(), m.digest(), m.size() + 1);
        var size = assertThrows(CorruptException.class, () -> walker(DescriptorWalker.Subjects.FOLLOW).plan(index(List.of(longer)), "test"));
        assertTrue(size.getMessage().startsWith("size mismatch: " + m.digest()), size.getMessage());

        Descriptor other = image("y");
        Descriptor lying = Descriptor.of(m.mediaType(), other.digest(), m.size());
        blobs.put(other.digest(), blobs.get(m.digest())); // the bytes under y's digest are x's
        var digest = assertThrows(CorruptException.class, () -> walker(DescriptorWalker.Subjects.FOLLOW).plan(lying, "test"));
        assertTrue(digest.getMessage().startsWith("digest mismatch: " + other.digest() + " (named by test) hashes to " + m.digest()),
                digest.getMessage());

        Descriptor huge = Descriptor.of(MediaTypes.OCI_MANIFEST, m.digest(), 1L << 40);
        var big = assertThrows(CorruptException.class, () -> walker(DescriptorWalker.Subjects.FOLLOW).plan(huge, "test"));
        assertTrue(big.getMessage().contains("more than a document may have"), big.getMessage());

        Descriptor gone = image("gone");
        Descriptor top = index(List.of(gone));
        blobs.remove(gone.digest());
        var missing = assertThrows(NotFoundException.class, () -> walker(DescriptorWalker.Subjects.FOLLOW).plan(top, "test"));
        assertTrue(missing.getMessage().contains("named by index " + top.digest()), missing.getMessage());

        Descriptor notJson = put(MediaTypes.OCI_MANIFEST, "{\"schemaVersion\":1}");
        assertThrows(CorruptException.class, () -> walker(DescriptorWalker.Subjects.FOLLOW).plan(notJson, "test"));
    }

    @Test
    void aVisitorMayRecordFailuresAndGoOn() throws IOException {
        Descriptor ok = image("ok");
        Descriptor gone = image("gone");
        blobs.remove(gone.digest());
        Descriptor top = index(List.of(gone, ok));
        List<String> failed = new ArrayList<>();
        List<Digest> left = new ArrayList<>();
        walker(DescriptorWalker.Subjects.FOLLOW).walk(top, "test", new DescriptorWalker.Visitor() {
            @Override
            public void leave(Descriptor d, OciDocument doc, String namedBy) {
                left.add(d.digest());
            }

            @Override
            public void failed(Descriptor d, String namedBy, CargoholdException e) {
                failed.add(d.digest() + " " + namedBy);
            }
        });
        assertEquals(List.of(gone.digest() + " index " + top.digest()), failed);
        assertEquals(top.digest(), left.getLast());
        assertTrue(left.contains(ok.digest()));
    }

    @Test
    void subjectsFollowedSkippedOrOnlyWhenPresent() throws IOException {
        Descriptor subject = image("subject");
        Descriptor referrer = manifest(put(MediaTypes.OCI_EMPTY, "{}"), List.of(put("application/vnd.example.sig", "sig")), subject);
        assertEquals(7, walker(DescriptorWalker.Subjects.FOLLOW).plan(referrer, "t").size());
        assertEquals(3, walker(DescriptorWalker.Subjects.SKIP).plan(referrer, "t").size());
        assertEquals(7, walker(DescriptorWalker.Subjects.IF_PRESENT).plan(referrer, "t").size());
        blobs.remove(subject.digest());
        assertEquals(3, walker(DescriptorWalker.Subjects.IF_PRESENT).plan(referrer, "t").size(), "an absent subject need not travel");
        assertThrows(NotFoundException.class, () -> walker(DescriptorWalker.Subjects.FOLLOW).plan(referrer, "t"));
    }

    @Test
    void childDigestsForGarbageCollection() throws IOException {
        Descriptor m = image("gc");
        byte[] raw = blobs.get(m.digest());
        assertEquals(3, DescriptorWalker.childDigests(MediaTypes.OCI_MANIFEST, raw).size());
        assertEquals(0, DescriptorWalker.childDigests(MediaTypes.OCI_LAYER_GZIP, raw).size(), "layers are never parsed");
        assertEquals(3, DescriptorWalker.childDigests("application/vnd.example+json", raw).size(), "any JSON: its descriptors");
        assertThrows(CorruptException.class, () -> DescriptorWalker.childDigests(MediaTypes.OCI_INDEX, "{".getBytes(StandardCharsets.UTF_8)));
    }
}
