package io.cargohold.registry;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * How to talk to one registry (skopeo's per-side options and containers/image's SystemContext).
 *
 * @param tlsVerify       verify the registry's certificate and name; false also allows plain HTTP
 *                        (tried when TLS fails), as {@code --tls-verify=false} does
 * @param certDir         a containers-certs.d style directory ({@code *.crt} CAs, {@code *.cert}/{@code *.key}
 *                        client pairs); null = {@code /etc/containers/certs.d/HOST}, {@code /etc/docker/certs.d/HOST},
 *                        {@code ~/.config/containers/certs.d/HOST}, those that exist
 * @param credentials     explicit credentials (skopeo's {@code --creds}); null = from the auth file, else anonymous
 * @param authFile        containers-auth.json; null = {@link AuthFile#defaultPath}
 * @param retryTimes      retries of a failed request (connection errors, 429, 5xx) and of a dropped download
 * @param retryDelay      first backoff (doubling each retry, up to 30 s); a {@code Retry-After} header wins
 * @param connectTimeout  establishing a connection
 * @param readTimeout     waiting for a response's headers, or for more bytes of a body: a registry silent for
 *                        longer is an error, never a hang
 * @param chunkSize       uploads up to this size go as one PUT of buffered bytes (retried like any request); larger
 *                        ones as PATCH chunks of this size when {@code chunked}, else streamed in one PATCH
 * @param chunked         larger uploads in buffered PATCH chunks, each resent after a failure from what the registry
 *                        has (set by {@link #withChunkSize}); default one streamed PATCH, as containers/image does
 * @param env             the environment (auth file and cert dir defaults); null = the process's
 * @param credentialHelpers registries.conf's {@code credential-helpers}: where credentials are looked up, in order,
 *                        stored by login (the first that takes them) and removed by logout (all), see
 *                        {@link CredentialStores}; null = not set ({@link #helpers()}: {@code containers-auth.json} alone)
 */
public record RegistryOptions(boolean tlsVerify, Path certDir, Credentials credentials, Path authFile, int retryTimes,
                              Duration retryDelay, Duration connectTimeout, Duration readTimeout, long chunkSize,
                              boolean chunked, Map<String, String> env, java.util.List<String> credentialHelpers) {
    public static final long DEFAULT_CHUNK = 32L << 20;

    public RegistryOptions {
        env = env == null ? System.getenv() : Map.copyOf(env);
        if (retryTimes < 0) {
            retryTimes = 0;
        }
        retryDelay = retryDelay == null ? Duration.ofSeconds(1) : retryDelay;
        connectTimeout = connectTimeout == null ? Duration.ofSeconds(30) : connectTimeout;
        readTimeout = readTimeout == null ? Duration.ofSeconds(60) : readTimeout;
        if (chunkSize <= 0) {
            chunkSize = DEFAULT_CHUNK;
        }
        credentialHelpers = credentialHelpers == null ? null : java.util.List.copyOf(credentialHelpers);
    }

    /** The options of before {@code credentialHelpers}: that one not set. */
    public RegistryOptions(boolean tlsVerify, Path certDir, Credentials credentials, Path authFile, int retryTimes,
                           Duration retryDelay, Duration connectTimeout, Duration readTimeout, long chunkSize,
                           boolean chunked, Map<String, String> env) {
        this(tlsVerify, certDir, credentials, authFile, retryTimes, retryDelay, connectTimeout, readTimeout, chunkSize, chunked, env, null);
    }

    /** The credential helpers to use: {@link #credentialHelpers} when set and not empty, else {@code containers-auth.json} alone. */
    public java.util.List<String> helpers() {
        return credentialHelpers == null || credentialHelpers.isEmpty() ? java.util.List.of(CredentialStores.AUTH_FILE) : credentialHelpers;
    }

    /** registries.conf's {@code credential-helpers} (null: not set). */
    public RegistryOptions withCredentialHelpers(java.util.List<String> helpers) {
        return new RegistryOptions(tlsVerify, certDir, credentials, authFile, retryTimes, retryDelay, connectTimeout, readTimeout, chunkSize,
                chunked, env, helpers);
    }

    public static RegistryOptions defaults() {
        return new RegistryOptions(true, null, null, null, 3, null, null, null, DEFAULT_CHUNK, false, null, null);
    }

    public RegistryOptions withTlsVerify(boolean v) {
        return new RegistryOptions(v, certDir, credentials, authFile, retryTimes, retryDelay, connectTimeout, readTimeout, chunkSize, chunked, env, credentialHelpers);
    }

    public RegistryOptions withCertDir(Path d) {
        return new RegistryOptions(tlsVerify, d, credentials, authFile, retryTimes, retryDelay, connectTimeout, readTimeout, chunkSize, chunked, env, credentialHelpers);
    }

    public RegistryOptions withCredentials(Credentials c) {
        return new RegistryOptions(tlsVerify, certDir, c, authFile, retryTimes, retryDelay, connectTimeout, readTimeout, chunkSize, chunked, env, credentialHelpers);
    }

    public RegistryOptions withAuthFile(Path f) {
        return new RegistryOptions(tlsVerify, certDir, credentials, f, retryTimes, retryDelay, connectTimeout, readTimeout, chunkSize, chunked, env, credentialHelpers);
    }

    public RegistryOptions withRetries(int times, Duration firstDelay) {
        return new RegistryOptions(tlsVerify, certDir, credentials, authFile, times, firstDelay, connectTimeout, readTimeout, chunkSize, chunked, env, credentialHelpers);
    }

    public RegistryOptions withTimeouts(Duration connect, Duration read) {
        return new RegistryOptions(tlsVerify, certDir, credentials, authFile, retryTimes, retryDelay, connect, read, chunkSize, chunked, env, credentialHelpers);
    }

    /** Uploads larger than {@code bytes} go in buffered PATCH chunks of that size. */
    public RegistryOptions withChunkSize(long bytes) {
        return withChunkSize(bytes, true);
    }

    /** The monolithic limit, and whether larger uploads are chunked ({@code true}) or streamed in one PATCH. */
    public RegistryOptions withChunkSize(long bytes, boolean chunkedUploads) {
        return new RegistryOptions(tlsVerify, certDir, credentials, authFile, retryTimes, retryDelay, connectTimeout, readTimeout, bytes,
                chunkedUploads, env, credentialHelpers);
    }

    public RegistryOptions withEnv(Map<String, String> e) {
        return new RegistryOptions(tlsVerify, certDir, credentials, authFile, retryTimes, retryDelay, connectTimeout, readTimeout, chunkSize,
                chunked, e, credentialHelpers);
    }
}
