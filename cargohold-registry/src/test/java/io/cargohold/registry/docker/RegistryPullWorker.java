package io.cargohold.registry.docker;

import io.cargohold.copy.CopyContext;
import io.cargohold.copy.CopyOptions;
import io.cargohold.copy.ImageCopier;
import io.cargohold.copy.Transports;
import io.cargohold.registry.RegistryOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** Child-process main for {@link FaultTest}: pulls IMAGE (docker://…) into the content store at ROOT as REF (or into DEST when it is oci:… or containers-storage:…), printing START and DONE. */
public final class RegistryPullWorker {
    public static void main(String[] args) throws Exception {
        RegistryOptions o = RegistryOptions.defaults().withTlsVerify(false).withEnv(Map.of("HOME", args[0]))
                .withRetries(2, Duration.ofMillis(20));
        Transports t = Transports.standard().with(DockerTransport.with(o, new BlobLocations()));
        System.out.println("START");
        System.out.flush();
        String to = args[2].startsWith("oci:") || args[2].startsWith("containers-storage:") ? args[2] : "cargohold:" + args[2];
        ImageCopier.copy(t.parse(args[1]), t.parse(to), CopyContext.of(Path.of(args[0]), null), CopyOptions.defaults());
        System.out.println("DONE");
    }
}
