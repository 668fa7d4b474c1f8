package io.cargohold.cli.cargohold;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cargohold.cli.CliContext;
import io.cargohold.cli.Output;
import io.cargohold.registry.docker.DockerImageReference;
import io.cargohold.registry.docker.DockerTransport;
import io.cargohold.registry.docker.RegistryInspector;
import java.io.IOException;

/** The output of {@code cargohold inspect docker://…}, as skopeo inspect prints it. */
final class RegistryInspect {
    private RegistryInspect() {
    }

    /** What {@code inspect --json} shows for one docker:// reference among several: skopeo's fields, or the config with {@code --config}. */
    static Object document(DockerTransport transport, String image, boolean config, boolean tags) throws IOException {
        DockerImageReference ref = transport.parse(image.substring("docker:".length()));
        RegistryInspector.Inspection in = RegistryInspector.inspect(ref, null, tags && !config);
        return config ? new ObjectMapper().readTree(in.config()) : in.skopeoFields();
    }

    static int print(CliContext ctx, DockerTransport transport, String image, boolean raw, boolean config, boolean tags) throws IOException {
        DockerImageReference ref = transport.parse(image.substring("docker:".length()));
        RegistryInspector.Inspection in = RegistryInspector.inspect(ref, null, tags && !raw && !config);
        if (raw) {
            ctx.out().write(config ? in.config() : in.topLevel().bytes());
            ctx.out().flush();
            return 0;
        }
        if (config) {
            Output.json(ctx.out(), new ObjectMapper().readTree(in.config()));
            return 0;
        }
        Output.json(ctx.out(), in.skopeoFields());
        return 0;
    }
}
