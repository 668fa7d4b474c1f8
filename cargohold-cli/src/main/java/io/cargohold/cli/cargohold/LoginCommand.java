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
@Command(name = "login", description = "Log in to a registry: check the credentials, then store them in the auth file (or the credential helper its credHelpers entry names).")
final class LoginCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RegistryFlags flags;

    @Option(names = {"-u", "--username"}, paramLabel = "USER", description = "The user name (prompted for on a terminal when not given; or give --creds USER[:PASS]).")
    String username;

    @Option(names = {"-p", "--password"}, paramLabel = "PASS", description = "The password (visible to other users: prefer --password-stdin).")
    String password;

    @Option(names = "--password-stdin", description = "Read the password from standard input (without one, and without --password, it is prompted for on the terminal, not echoed).")
    boolean passwordStdin;

    @Parameters(paramLabel = "REGISTRY", description = "HOST[:PORT] (a docker:// prefix and a path are allowed and dropped).")
    String registry;

    @Override
    public Integer call() throws IOException {
        CliContext ctx = ((CargoholdCommand) spec.root().userObject()).context;
        String host = hostOf(registry);
        Credentials c;
        String user = username;
        String pass = password;
        if (flags.creds != null) {
            int colon = flags.creds.indexOf(':');
            if (colon < 0) {
                user = flags.creds; // --creds USER: the password is prompted for, as skopeo does
            } else {
                Credentials given = Credentials.parse(flags.creds);
                user = given.username();
                pass = given.password();
            }
        }
        if (passwordStdin) {
            if (pass != null) {
                throw new InvalidArgumentException("login: --password-stdin and a password (--password, --creds USER:PASS) exclude each other");
            }
            if (user == null) {
                throw new InvalidArgumentException("login: --password-stdin needs --username (the user name cannot be prompted for on stdin)");
            }
            pass = new String(ctx.in().readAllBytes(), StandardCharsets.UTF_8);
            // podman and skopeo strip the line end only
            pass = pass.endsWith("\r\n") ? pass.substring(0, pass.length() - 2) : pass.endsWith("\n") ? pass.substring(0, pass.length() - 1) : pass;
        }
        if (user == null || pass == null) {
            // as podman/skopeo login: what is missing is asked for on the terminal, the password without echo
            java.io.Console console = System.console();
            if (console == null || !console.isTerminal()) {
                throw new InvalidArgumentException("login: no terminal to prompt on: give " + (user == null ? "--username and " : "")
                        + "--password-stdin (or --creds USER:PASS)");
            }
            if (user == null) {
                user = console.readLine("Username: ");
                if (user == null || user.strip().isEmpty()) {
                    throw new InvalidArgumentException("login: no user name given");
                }
                user = user.strip();
            }
            if (pass == null) {
                char[] typed = console.readPassword("Password: ");
                if (typed == null || typed.length == 0) {
                    throw new InvalidArgumentException("login: no password given");
                }
                pass = new String(typed);
                java.util.Arrays.fill(typed, '\0');
            }
        }
        c = new Credentials(user, pass);
        flags.creds = null;
        // registries.conf as upstream's CheckAuth reads it: a blocked registry is refused, insecure allows plain HTTP
        var registries = io.cargohold.registry.config.RegistriesConf.load(io.cargohold.registry.config.RegistriesConfPaths.of(ctx.env()));
        RegistryLogin.login(host, c, registries.optionsFor(host, flags.options(ctx.env()), flags.tlsVerify), flags.authFile);
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
