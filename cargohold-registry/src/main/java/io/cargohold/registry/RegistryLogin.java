package io.cargohold.registry;

import java.io.IOException;
import java.nio.file.Path;

/** {@code login}/{@code logout} as podman and skopeo do them: check the credentials, then keep them in the auth file. */
public final class RegistryLogin {
    private RegistryLogin() {
    }

    /**
     * Checks {@code credentials} against the registry (a ping and an authenticated {@code GET /v2/}), then
     * stores them for {@code host} in {@code authFile} (null = {@link AuthFile#defaultPath}). Returns the file written.
     */
    public static Path login(String host, Credentials credentials, RegistryOptions options, Path authFile) throws IOException {
        try (RegistryClient c = RegistryClient.open(host, options.withCredentials(credentials))) {
            c.checkLogin();
        }
        Path file = authFile != null ? authFile : AuthFile.defaultPath(options.env());
        AuthFile.store(file, host, credentials, options.env());
        return file;
    }

    /** Removes the credentials for {@code host}; NotFound when there were none. Returns the file written. */
    public static Path logout(String host, RegistryOptions options, Path authFile) throws IOException {
        Path file = authFile != null ? authFile : AuthFile.defaultPath(options.env());
        AuthFile.remove(file, AuthFile.normalise(host), options.env());
        return file;
    }

    /** Removes every stored credential. */
    public static Path logoutAll(RegistryOptions options, Path authFile) throws IOException {
        Path file = authFile != null ? authFile : AuthFile.defaultPath(options.env());
        AuthFile.removeAll(file, options.env());
        return file;
    }
}
