package io.cargohold.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.WrittenLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cargohold copy} through Main.run: output, JSON, --digestfile, options and exit codes. */
class CopyCommandTest {
    @TempDir
    Path tmp;
    Cli cli;

    @BeforeEach
    void setUp() {
        cli = new Cli(tmp.resolve("store"));
    }

    @Test
    void copiesWithJsonAndDigestFile() throws IOException {
        WrittenLayout w = TestImages.twoTagsSharingLayers(tmp.resolve("layout"));
        Path out = tmp.resolve("out");
        Path digestFile = tmp.resolve("digest");
        Cli.Result quiet = cli.run("copy", "--digestfile", digestFile.toString(), "oci:" + w.dir() + ":latest", "oci:" + out + ":latest").ok();
        assertEquals("", quiet.out(), "nothing on a pipe unless --json");
        assertEquals("", quiet.err());
        assertEquals(w.ref("latest").digest(), Files.readString(digestFile));
        JsonNode j = cli.run("copy", "--json", "oci:" + w.dir() + ":v2", "oci:" + out + ":v2").ok().json();
        assertEquals(w.ref("v2").digest(), j.get("digest").asText());
        assertEquals(2, j.get("blobsReused").asInt());
        assertEquals("oci:" + w.dir() + ":v2", j.get("source").asText());
    }

    @Test
    void recompressesOnRequest() throws IOException {
        WrittenLayout w = TestImages.small(tmp.resolve("layout"));
        JsonNode j = cli.run("copy", "--json", "--dest-compress-format", "zstd", "--dest-compress-level", "9",
                "oci:" + w.dir() + ":latest", "oci:" + tmp.resolve("out") + ":z").ok().json();
        assertTrue(!j.get("digest").asText().equals(w.ref("latest").digest()));
        cli.run("copy", "--dest-compress-format", "lz4", "oci:" + w.dir() + ":latest", "oci:" + tmp.resolve("o2")).fails(2, "lz4");
        cli.run("copy", "--dest-compress-level", "3", "oci:" + w.dir() + ":latest", "oci:" + tmp.resolve("o2")).fails(2, "needs --dest-compress-format");
        cli.run("copy", "--dest-compress-format", "gzip", "--dest-compress-level", "12", "oci:" + w.dir() + ":latest",
                "oci:" + tmp.resolve("o2")).fails(2, "out of range");
    }

    @Test
    void badInputHasTheDocumentedExitCodes() throws IOException {
        WrittenLayout w = TestImages.multiArch(tmp.resolve("layout"));
        cli.run("copy", "ocii:" + w.dir(), "oci:" + tmp.resolve("o")).fails(2, "unknown transport \"ocii\"");
        cli.run("copy", "oci:" + w.dir() + ":nope", "oci:" + tmp.resolve("o")).fails(3, "it has: latest");
        cli.run("copy", "oci:" + tmp.resolve("missing") + ":x", "oci:" + tmp.resolve("o")).fails(3, "no such directory");
        cli.run("copy", "--platform", "linux", "oci:" + w.dir() + ":latest", "oci:" + tmp.resolve("o")).fails(2, "OS/ARCH");
        cli.run("copy", "--platform", "windows/amd64", "oci:" + w.dir() + ":latest", "oci:" + tmp.resolve("o")).fails(3, "linux/arm64/v8");
        JsonNode j = cli.run("copy", "--json", "--platform", "linux/arm64/v8", "oci:" + w.dir() + ":latest", "oci:" + tmp.resolve("o") + ":arm")
                .ok().json();
        assertEquals(1, j.get("instances").asInt());
        String layer = w.ref("latest").images().getFirst().layers().getFirst().digest();
        Path p = w.blobPath(layer);
        p.toFile().setWritable(true);
        byte[] b = Files.readAllBytes(p);
        b[10] ^= 1;
        Files.write(p, b);
        cli.run("copy", "--all", "oci:" + w.dir() + ":latest", "oci:" + tmp.resolve("o3") + ":x").fails(5, "digest mismatch");
    }
}
