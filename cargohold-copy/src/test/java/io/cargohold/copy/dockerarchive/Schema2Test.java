package io.cargohold.copy.dockerarchive;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cargohold.digest.Digest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The schema 2 manifest docker-archive synthesises, written by Jackson, is the text the string
 * concatenation it replaced wrote (containers/image's field order): its digest is the image's manifest digest.
 */
class Schema2Test {
    @Test
    void theManifestUpstreamWritesByteForByte() {
        byte[] config = "{\"architecture\":\"amd64\"}".getBytes(StandardCharsets.UTF_8);
        Digest a = Digest.sha256("a".getBytes(StandardCharsets.UTF_8));
        Digest b = Digest.sha256("b".getBytes(StandardCharsets.UTF_8));
        String expected = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":"
                + "{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":" + config.length + ",\"digest\":\""
                + Digest.sha256(config) + "\"},\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar\","
                + "\"size\":1024,\"digest\":\"" + a + "\"},{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar\","
                + "\"size\":5000000000,\"digest\":\"" + b + "\"}]}";
        assertEquals(expected, new String(DockerArchiveSource.schema2(config, List.of(a, b), List.of(1024L, 5_000_000_000L)),
                StandardCharsets.UTF_8));
        assertEquals("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":"
                        + "{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":" + config.length + ",\"digest\":\""
                        + Digest.sha256(config) + "\"},\"layers\":[]}",
                new String(DockerArchiveSource.schema2(config, List.of(), List.of()), StandardCharsets.UTF_8));
    }
}
