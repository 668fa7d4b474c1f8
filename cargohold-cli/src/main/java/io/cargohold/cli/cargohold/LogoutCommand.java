package io.cargohold.cli.cargohold;

import io.cargohold.cli.CliContext;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.registry.RegistryLogin;
import io.cargohold.registry.RegistryOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cargohold logout REGISTRY | --all}: removes credentials from the auth file and registries.conf's credential helpers. */
@Command(name = "logout", description = "Remove the stored credentials of a registry (or of all, with --all) from the auth file "
        + "and the credential helpers of registries.conf.")
final class LogoutCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--authfile", paramLabel = "FILE", description = "Auth file (default $XDG_RUNTIME_DIR/containers/auth.json).")
    Path authFile;

    @Option(names = {"-a", "--all"}, description = "Remove every registry's credentials.")
    boolean all;

    @Parameters(paramLabel = "REGISTRY", arity = "0..1", description = "The registry (HOST[:PORT]) whose credentials to remove.")
    String registry;

    @Override
    public Integer call() throws IOException {
        CliContext ctx = ((CargoholdCommand) spec.root().userObject()).context;
        // registries.conf's credential-helpers: logout removes from each of them
        RegistryOptions o = io.cargohold.registry.config.RegistriesConf.load(io.cargohold.registry.config.RegistriesConfPaths.of(ctx.env()))
                .withHelpers(RegistryOptions.defaults().withEnv(ctx.env()));
        if (all) {
            RegistryLogin.logoutAll(o, authFile);
            ctx.out().println("Removed login credentials for all registries");
            return 0;
        }
        if (registry == null) {
            throw new InvalidArgumentException("logout: name a registry, or --all");
        }
        String host = LoginCommand.hostOf(registry);
        RegistryLogin.logout(host, o, authFile);
        ctx.out().println("Removed login credentials for " + host);
        return 0;
    }
}
