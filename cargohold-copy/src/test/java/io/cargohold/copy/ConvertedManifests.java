package io.cargohold.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cargohold.testkit.images.Descriptor;
import io.cargohold.testkit.images.WrittenRef;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** What oci: and cargohold: destinations do to a reference naming a Docker schema 2 manifest: convert it to OCI. */
final class ConvertedManifests {
    private ConvertedManifests() {
    }

    /** A layout reference whose index.json entry is a Docker schema 2 manifest is converted to OCI by oci: and cargohold: destinations. */
    static boolean convertedToOci(WrittenRef r) {
        return "application/vnd.docker.distribution.manifest.v2+json".equals(r.descriptor().mediaType());
    }

    /** The converted manifest names the same config and layer digests, with OCI media types. */
    static void assertConverted(WrittenRef r, CopyResult c) throws IOException {
        JsonNode m = new ObjectMapper().readTree(c.manifest().bytes());
        assertEquals("application/vnd.oci.image.manifest.v1+json", m.get("mediaType").asText());
        assertEquals(r.image().config().digest(), m.get("config").get("digest").asText());
        List<String> layers = new ArrayList<>();
        m.get("layers").forEach(l -> layers.add(l.get("digest").asText()));
        assertEquals(r.image().layers().stream().map(Descriptor::digest).toList(), layers);
    }
}
