package io.cargohold.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.testkit.images.Tools;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cargohold demo}: the sample image in both stores, podman and skopeo see it, a rerun copies nothing. */
class DemoCommandTest {
    @TempDir
    Path tmp;

    @Test
    void putsTheSampleIntoBothStoresOnceAndPodmanSeesIt() throws IOException {
        Path storage = tmp.resolve("cs");
        Cli cli = new Cli(tmp.resolve("store"));
        JsonNode first = cli.run("demo", "--json", "--storage-root", storage.toString()).ok().json();
        String digest = first.get("digest").asText();
        assertTrue(first.get("copies").get(0).get("blobsCopied").asInt() == 3, first.toString());
        // the copies in copy --json's summary shape
        List<String> fields = new java.util.ArrayList<>();
        first.get("copies").get(1).fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("source", "destination", "digest", "mediaType", "instances", "blobsCopied", "blobsReused", "bytesCopied",
                "seconds"), fields);
        assertEquals("sample:hello", first.get("copies").get(1).get("source").asText());
        assertEquals("sample/hello:latest", first.get("contentStore").get("images").get(0).get("reference").asText());
        JsonNode csImages = first.get("containersStorage").get("images");
        assertEquals(1, csImages.size());
        String id = csImages.get(0).get("id").asText();

        JsonNode second = cli.run("demo", "--json", "--storage-root", storage.toString()).ok().json();
        assertEquals(digest, second.get("digest").asText(), "the sample is the same bytes every run");
        assertEquals(0, second.get("copies").get(0).get("blobsCopied").asInt(), "nothing copied again into the content store");
        assertEquals(2, second.get("copies").get(1).get("blobsReused").asInt(), "both layers reused in containers-storage");
        assertEquals(id, second.get("containersStorage").get("images").get(0).get("id").asText());
        assertEquals(1, second.get("contentStore").get("images").size());

        // the human output names both stores and the next commands
        String text = cli.run("demo", "--storage-root", storage.toString()).ok().out();
        assertTrue(text.contains("sample/hello:latest") && text.contains("podman --root " + storage.resolve("graph")), text);

        // the content store's copy reads back by digest; podman and skopeo see the containers-storage copy
        assertEquals(digest, cli.run("copy", "--json", "cargohold:sample/hello:latest", "oci:" + tmp.resolve("out") + ":latest")
                .ok().json().get("digest").asText());
        Path g = storage.resolve("graph");
        Path r = storage.resolve("run");
        Map<String, String> env = Tools.containersEnv(tmp.resolve("podman-env"), g, r);
        List<Object> podman = new ArrayList<>(List.of(Tools.require("podman")));
        podman.addAll(Tools.podmanIsolation(tmp.resolve("podman-state"), g, r));
        podman.addAll(List.of("images", "--no-trunc", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}"));
        assertEquals("sha256:" + id + " docker.io/sample/hello:latest", Tools.ok(env, podman.toArray()).out().strip());
        String inspect = Tools.ok(env, Tools.require("skopeo"), "inspect", "--raw",
                "containers-storage:[vfs@" + g + "+" + r + "]sample/hello:latest").out();
        assertTrue(inspect.contains("application/vnd.oci.image.manifest.v1+json"), inspect);
    }

    @Test
    void theSampleTransportIsReadOnlyAndNamesItsImages() {
        Cli cli = new Cli(tmp.resolve("store"));
        cli.run("copy", "sample:hello", "sample:hello").fails(2, "cannot be written to");
        cli.run("copy", "sample:nope", "oci:" + tmp.resolve("x")).fails(2, "sample:hello");
    }
}
