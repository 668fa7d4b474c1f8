package io.cargohold.cli.cargohold;

import io.cargohold.cli.CliContext;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.registry.Credentials;
import io.cargohold.registry.RegistryLogin;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cargohold login REGISTRY}: checks credentials and keeps them in the auth file, as podman/skopeo login. */
@Command(name = "login", description = "Log in to a registry: check the credentials, then store them in the auth file.")
final class LoginCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RegistryFlags flags;

    @Option(names = {"-u", "--username"}, paramLabel = "USER", description = "The user name (with --password or --password-stdin; or give --creds USER:PASS instead).")
    String username;

    @Option(names = {"-p", "--password"}, paramLabel = "PASS", description = "The password (visible to other users: prefer --password-stdin).")
    String password;

    @Option(names = "--password-stdin", description = "Read the password from standard input.")
    boolean passwordStdin;

    @Parameters(paramLabel = "REGISTRY", description = "HOST[:PORT] (a docker:// prefix and a path are allowed and dropped).")
    String registry;

    @Override
    public Integer call() throws IOException {
        CliContext ctx = ((CargoholdCommand) spec.root().userObject()).context;
        String host = hostOf(registry);
        Credentials c;
        if (flags.creds != null) {
            c = Credentials.parse(flags.creds);
        } else {
            if (username == null) {
                throw new InvalidArgumentException("login: --username (or --creds USER:PASS) is required (cargohold does not prompt)");
            }
            String pass = password;
            if (passwordStdin) {
                pass = new String(ctx.in().readAllBytes(), StandardCharsets.UTF_8).strip();
            }
            if (pass == null) {
                throw new InvalidArgumentException("login: --password or --password-stdin is required (cargohold does not prompt)");
            }
            c = new Credentials(username, pass);
        }
        flags.creds = null;
        RegistryLogin.login(host, c, flags.options(ctx.env()), flags.authFile);
        ctx.out().println("Login Succeeded!");
        return 0;
    }

    /** HOST[:PORT] from {@code docker://HOST/...}, {@code https://HOST/...} or {@code HOST/...}. */
    static String hostOf(String registry) {
        String r = registry;
        for (String p : new String[] {"docker://", "https://", "http://"}) {
            if (r.startsWith(p)) {
                r = r.substring(p.length());
            }
        }
        int slash = r.indexOf('/');
        return slash < 0 ? r : r.substring(0, slash);
    }
}
