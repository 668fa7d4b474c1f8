package io.cargohold.cli.cargohold;

import io.cargohold.cli.CliContext;
import io.cargohold.cli.Output;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.registry.RegistryClient;
import io.cargohold.registry.docker.DockerImageReference;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cargohold ls-tags docker://HOST/NAME}: the repository's tags as {@code skopeo list-tags} prints them. */
@Command(name = "ls-tags", description = "List the tags of a repository in a registry (as skopeo list-tags).")
final class LsTagsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RegistryFlags flags;

    @Parameters(paramLabel = "docker://HOST/NAME", description = "The repository whose tags to list, e.g. docker://localhost:5000/app.")
    String repository;

    @Override
    public Integer call() throws IOException {
        CliContext ctx = ((CargoholdCommand) spec.root().userObject()).context;
        if (!repository.startsWith("docker://")) {
            throw new InvalidArgumentException("ls-tags: expected docker://HOST/NAME, got \"" + repository + "\"");
        }
        DockerImageReference given = flags.transport(ctx.env()).parse(repository.substring(7));
        String rest = repository.substring("docker://".length());
        if (rest.contains("@") || rest.substring(rest.lastIndexOf('/') + 1).contains(":")) {
            throw new InvalidArgumentException("tag or digest are not supported: " + repository + " (list-tags takes a repository)");
        }
        DockerImageReference ref = given.resolved(); // a short name through registries.conf
        List<String> tags;
        try (RegistryClient c = ref.openClient()) {
            tags = c.tags(ref.repository());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Repository", ref.host() + "/" + ref.repository());
        m.put("Tags", tags);
        Output.json(ctx.out(), m);
        return 0;
    }
}
