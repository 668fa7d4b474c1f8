package io.cargohold.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.digest.Digest;
import io.cargohold.errors.CorruptException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OciParserTest {
    static final String D1 = "sha256:" + "1".repeat(64);
    static final String D2 = "sha256:" + "2".repeat(64);
    static final String D3 = "sha256:" + "3".repeat(64);

    static Digest digest(String s) {
        try {
            return Digest.parse(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static byte[] b(String s) {
        return s.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }

    static final String MANIFEST = "{'schemaVersion':2,'mediaType':'application/vnd.oci.image.manifest.v1+json',"
            + "'config':{'mediaType':'application/vnd.oci.image.config.v1+json','digest':'" + D1 + "','size':7},"
            + "'layers':[{'mediaType':'application/vnd.oci.image.layer.v1.tar+zstd','digest':'" + D2 + "','size':100,"
            + "'annotations':{'a':'b'}}]}";

    @Test
    void parsesAManifestKeepingItsBytes() throws Exception {
        byte[] raw = b(MANIFEST);
        var m = assertInstanceOf(OciDocument.Manifest.class, OciParser.parse(raw, MediaTypes.OCI_MANIFEST));
        assertEquals(D1, m.config().digest().toString());
        assertEquals(1, m.layers().size());
        assertEquals("b", m.layers().getFirst().annotations().get("a"));
        assertEquals(Digest.sha256(raw), m.digest());
        assertEquals(raw, m.raw());
    }

    @Test
    void parsesAnIndexWithPlatforms() throws Exception {
        byte[] raw = b("{'schemaVersion':2,'mediaType':'application/vnd.oci.image.index.v1+json','manifests':["
                + "{'mediaType':'application/vnd.oci.image.manifest.v1+json','digest':'" + D1 + "','size':5,"
                + "'platform':{'architecture':'arm64','os':'linux','variant':'v8'}},"
                + "{'mediaType':'application/vnd.docker.distribution.manifest.v2+json','digest':'" + D2 + "','size':6}]}");
        var i = assertInstanceOf(OciDocument.Index.class, OciParser.parse(raw, MediaTypes.OCI_INDEX));
        assertEquals("linux/arm64/v8", i.manifests().getFirst().platform().toString());
        assertEquals(2, i.children().size());
    }

    @Test
    void malformedOrInconsistentDocumentsAreClearErrors() {
        String[][] cases = {
                {"{", "malformed JSON"},
                {"[]", "not a JSON object"},
                {MANIFEST.replace("'schemaVersion':2", "'schemaVersion':1"), "schemaVersion must be 2"},
                {MANIFEST.replace("'size':100", "'size':-1"), "size must be a non-negative integer"},
                {MANIFEST.replace("'size':100", "'size':'100'"), "size must be a non-negative integer"},
                {MANIFEST.replace("'size':100", "'size':1.5"), "size must be a non-negative integer"},
                {MANIFEST.replace(D2, "sha256:XYZ"), "invalid digest"},
                {MANIFEST.replace(D2, "md5:00"), "unsupported digest algorithm"},
                {MANIFEST.replace("application/vnd.oci.image.layer.v1.tar+zstd", "not a type"), "invalid or missing mediaType"},
                {MANIFEST.replace("'config':{", "'configx':{"), "config is missing"},
                {MANIFEST.replace("'layers':[", "'layers':{'x':[").replace("]}", "]}}"), "layers is not an array"},
                {MANIFEST.replace("'annotations':{'a':'b'}", "'annotations':{'a':1}"), "annotation a is not a string"},
                {MANIFEST.replace("'schemaVersion':2,", "'schemaVersion':2,'schemaVersion':2,"), "malformed JSON"},
        };
        for (String[] c : cases) {
            var e = assertThrows(CorruptException.class, () -> OciParser.parse(b(c[0]), MediaTypes.OCI_MANIFEST), c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[1] + " <> " + e.getMessage());
            assertTrue(e.getMessage().startsWith("manifest sha256:"), e.getMessage());
        }
        var mismatch = assertThrows(CorruptException.class, () -> OciParser.parse(b(MANIFEST), MediaTypes.OCI_INDEX));
        assertTrue(mismatch.getMessage().contains("but its descriptor says application/vnd.oci.image.index.v1+json"));
        var dockerWithoutType = assertThrows(CorruptException.class, () -> OciParser.parse(
                b(MANIFEST.replace("'mediaType':'application/vnd.oci.image.manifest.v1+json',", "")), MediaTypes.DOCKER_MANIFEST));
        assertTrue(dockerWithoutType.getMessage().contains("must carry its mediaType"));
    }

    @Test
    void descriptorsAnywhereFindsNestedDescriptorsOfUnknownDocuments() {
        byte[] artifact = b("{'whatever':{'deep':[{'mediaType':'x/y','digest':'" + D3 + "','size':1}]},"
                + "'notADescriptor':{'digest':'" + D1 + "'}}");
        assertEquals(Set.of(digest(D3)), OciParser.descriptorsAnywhere(artifact));
        assertEquals(null, OciParser.descriptorsAnywhere(b("not json")));
    }
}
