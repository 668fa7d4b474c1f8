package io.cargohold.registry.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cargohold.copy.CopyContext;
import io.cargohold.copy.CopyOptions;
import io.cargohold.copy.ImageCopier;
import io.cargohold.copy.Transports;
import io.cargohold.registry.RegistryOptions;
import io.cargohold.testkit.ChildJvm;
import io.cargohold.testkit.images.Descriptor;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.WrittenLayout;
import io.cargohold.testkit.registry.FaultProxy;
import io.cargohold.testkit.registry.RegistryServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two processes pulling one image into one content store fetch each layer once (counted at a proxy). */
class ConcurrentPullTest {
    @TempDir
    static Path dir;
    static RegistryServer registry;

    @BeforeAll
    static void start() throws IOException {
        registry = RegistryServer.start(dir.resolve("registry"), RegistryServer.Setup.plainHttp());
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void twoProcessesFetchEachLayerOnce() throws Exception {
        WrittenLayout w = TestImages.large(dir.resolve("large"), 4L << 20);
        Transports t = Transports.standard().with(DockerTransport.with(RegistryOptions.defaults().withTlsVerify(false)
                .withEnv(Map.of("HOME", dir.toString())), new BlobLocations()));
        ImageCopier.copy(t.parse("oci:" + w.dir() + ":latest"), t.parse("docker://" + registry.host() + "/conc/app:v1"),
                CopyContext.of(dir.resolve("unused"), null), CopyOptions.defaults());
        Path root = dir.resolve("store");
        try (FaultProxy proxy = FaultProxy.start(registry.host())) {
            // slow enough that the two pulls overlap
            proxy.throttle(2 << 20);
            String image = "docker://" + proxy.host() + "/conc/app:v1";
            try (ChildJvm a = ChildJvm.start(RegistryPullWorker.class, root.toString(), image, "app:a");
                 ChildJvm b = ChildJvm.start(RegistryPullWorker.class, root.toString(), image, "app:b")) {
                a.await("DONE", 120);
                b.await("DONE", 120);
            }
            for (Descriptor l : w.ref("latest").image().layers()) {
                assertEquals(l.size(), proxy.bodyBytes("GET", "/blobs/" + l.digest()), l.digest() + ": fetched once in all");
            }
        }
    }
}
