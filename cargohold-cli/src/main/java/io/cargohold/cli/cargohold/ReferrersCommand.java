package io.cargohold.cli.cargohold;

import io.cargohold.cli.CliContext;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.oci.Descriptor;
import io.cargohold.registry.docker.BlobLocations;
import io.cargohold.registry.docker.DockerImageReference;
import io.cargohold.registry.docker.DockerTransport;
import io.cargohold.registry.docker.RegistryInspector;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cargohold referrers docker://HOST/NAME:TAG|@DIGEST}: the artifacts that refer to a manifest
 * (signatures, SBOMs…), as {@code oras discover} lists them: through the registry's referrers API, or the
 * tag-schema fallback on registries without one (distribution 2.8).
 */
@Command(name = "referrers", description = "List the artifacts referring to a manifest in a registry (its referrers, as oras discover).")
final class ReferrersCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RegistryFlags flags;

    @Option(names = "--artifact-type", paramLabel = "TYPE", description = "Only referrers of this artifact type.")
    String artifactType;

    @Option(names = "--json", description = "Print the referrers index (an OCI image index) as the registry gave it.")
    boolean json;

    @Parameters(paramLabel = "docker://HOST/NAME[:TAG|@DIGEST]", description = "The manifest whose referrers to list.")
    String image;

    @Override
    public Integer call() throws IOException {
        CliContext ctx = ((CargoholdCommand) spec.root().userObject()).context;
        if (!image.startsWith("docker://")) {
            throw new InvalidArgumentException("referrers: expected docker://HOST/NAME[:TAG|@DIGEST], got \"" + image + "\"");
        }
        DockerImageReference ref = DockerTransport.with(flags.options(ctx.env()), new BlobLocations()).parse(image.substring("docker:".length()));
        RegistryInspector.Referrers r = RegistryInspector.referrers(ref, artifactType);
        if (json) {
            ctx.out().write(r.index().bytes());
            ctx.out().println();
            ctx.out().flush();
            return 0;
        }
        // a tree as oras discover prints it: the subject, then each referrer's artifact type and digest
        ctx.out().println(r.name() + "@" + r.subject());
        var list = r.manifests();
        for (int i = 0; i < list.size(); i++) {
            Descriptor d = list.get(i);
            boolean last = i == list.size() - 1;
            String type = d.artifactType() != null ? d.artifactType() : d.mediaType();
            ctx.out().println((last ? "└── " : "├── ") + type);
            ctx.out().println((last ? "    " : "│   ") + "└── " + d.digest() + " (" + d.size() + " bytes)");
        }
        return 0;
    }
}
