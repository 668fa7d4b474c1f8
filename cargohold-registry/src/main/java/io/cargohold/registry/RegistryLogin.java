package io.cargohold.registry;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code login}/{@code logout} as podman and skopeo do them: check the credentials, then keep them where
 * registries.conf's {@code credential-helpers} says ({@link CredentialStores}: the first helper that takes them;
 * the auth file by default).
 */
public final class RegistryLogin {
    private RegistryLogin() {
    }

    /**
     * Checks {@code credentials} against the registry (a ping and an authenticated {@code GET /v2/}), then
     * stores them for {@code host} in the first of the options' credential helpers that takes them, the auth file
     * being {@code authFile} (null = the options', else {@link AuthFile#defaultPath}). Returns where they went (the
     * auth file, or "credential helper NAME").
     */
    public static String login(String host, Credentials credentials, RegistryOptions options, Path authFile) throws IOException {
        try (RegistryClient c = RegistryClient.open(host, options.withCredentials(credentials))) {
            c.checkLogin();
        }
        return CredentialStores.store(withFile(options, authFile), host, credentials);
    }

    /** Removes the credentials for {@code host} from every credential helper; NotFound when none had any. */
    public static void logout(String host, RegistryOptions options, Path authFile) throws IOException {
        CredentialStores.remove(withFile(options, authFile), AuthFile.normalise(host));
    }

    /** Removes every stored credential, from every credential helper. */
    public static void logoutAll(RegistryOptions options, Path authFile) throws IOException {
        CredentialStores.removeAll(withFile(options, authFile));
    }

    private static RegistryOptions withFile(RegistryOptions options, Path authFile) {
        return authFile != null ? options.withAuthFile(authFile) : options;
    }
}
