package io.cargohold.cli.cargohold;

import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.registry.Credentials;
import io.cargohold.registry.RegistryOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/** skopeo's registry flags for one registry (inspect, ls-tags, login): a picocli mixin. */
final class RegistryFlags {
    @Option(names = "--tls-verify", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
            description = "Require HTTPS and verify certificates (default true); false also allows plain HTTP.")
    Boolean tlsVerify;

    @Option(names = "--cert-dir", paramLabel = "DIR", description = "Certificates at DIR (*.crt CAs, *.cert/*.key client pairs).")
    Path certDir;

    @Option(names = "--creds", paramLabel = "USER:PASS", description = "Credentials for the registry (default: from the auth file).")
    String creds;

    @Option(names = "--authfile", paramLabel = "FILE", description = "Auth file (default $XDG_RUNTIME_DIR/containers/auth.json, then ~/.docker/config.json).")
    Path authFile;

    @Option(names = "--retry-times", paramLabel = "N", description = "Retries of a failed request (default 3).")
    Integer retryTimes;

    RegistryOptions options(Map<String, String> env) throws InvalidArgumentException {
        return build(env, tlsVerify, certDir, creds, authFile, retryTimes);
    }

    /** The docker:// transport with these flags; without --tls-verify, registries.conf's insecure decides per registry. */
    io.cargohold.registry.docker.DockerTransport transport(Map<String, String> env) throws InvalidArgumentException {
        return io.cargohold.registry.docker.DockerTransport.with(options(env), new io.cargohold.registry.docker.BlobLocations(), tlsVerify);
    }

    static RegistryOptions build(Map<String, String> env, Boolean tlsVerify, Path certDir, String creds, Path authFile, Integer retryTimes)
            throws InvalidArgumentException {
        RegistryOptions o = RegistryOptions.defaults().withEnv(env);
        if (tlsVerify != null) {
            o = o.withTlsVerify(tlsVerify);
        }
        if (certDir != null) {
            o = o.withCertDir(certDir);
        }
        if (creds != null) {
            o = o.withCredentials(Credentials.parse(creds));
        }
        if (authFile != null) {
            o = o.withAuthFile(authFile);
        }
        if (retryTimes != null) {
            if (retryTimes < 0) {
                throw new InvalidArgumentException("--retry-times must not be negative");
            }
            o = o.withRetries(retryTimes, Duration.ofSeconds(1));
        }
        return o;
    }
}
