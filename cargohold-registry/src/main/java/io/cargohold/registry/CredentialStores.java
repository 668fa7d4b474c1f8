package io.cargohold.registry;

import io.cargohold.errors.FailedPreconditionException;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * registries.conf's {@code credential-helpers} ({@link RegistryOptions#helpers()}), as containers/image v5.23's
 * pkg/docker/config uses it: {@value #AUTH_FILE} is the auth files ({@link AuthFile}: the named or default file and
 * the rest of the search path, with their own {@code credHelpers}/{@code credsStore}), any other name
 * {@code docker-credential-NAME} ({@link CredentialHelper}).
 * <ul>
 * <li>Lookup (getCredentialsWithHomeDir): explicit credentials ({@code --creds}) win and no helper is asked; else each
 * helper in order, the first that has credentials gives them. A helper that fails (not in {@code $PATH}, an error
 * exit) is passed over; its error is reported only when no helper had credentials. An external helper is asked
 * for the registry host (no namespaced keys). An explicit {@code --authfile} does not skip the list (neither in v5.23
 * nor later): it is where the {@value #AUTH_FILE} entry looks, the only file then, as later versions do (v5.23
 * goes on to the default files after it; {@link AuthFile#lookup}).</li>
 * <li>Login (SetCredentials): the first helper that takes the credentials keeps them; a failing one is passed over
 * (all failing: an error naming each).</li>
 * <li>Logout (RemoveAuthentication): removed from every helper; "credentials not found" is no error;
 * NotFound when none had any.</li>
 * <li>Logout of all (RemoveAllAuthentication): every helper emptied (an external one through its {@code list});
 * a helper that is not in {@code $PATH} has nothing to remove.</li>
 * </ul>
 */
public final class CredentialStores {
    /** The name that stands for the auth files in {@code credential-helpers}. */
    public static final String AUTH_FILE = "containers-auth.json";
    private static final String ORIGIN = "registries.conf credential-helpers";

    private CredentialStores() {
    }

    /** Credentials for {@code host/repository} (repository may be null), or empty: anonymous. */
    public static Optional<Credentials> lookup(RegistryOptions options, String host, String repository) throws IOException {
        if (options.credentials() != null) {
            return Optional.of(options.credentials());
        }
        List<IOException> errors = new ArrayList<>();
        for (String helper : options.helpers()) {
            try {
                Optional<Credentials> c = helper.equals(AUTH_FILE) ? AuthFile.lookup(options.authFile(), options.env(), host, repository)
                        : CredentialHelper.find(helper, options.env(), ORIGIN).get(AuthFile.normalise(host));
                if (c.isPresent()) {
                    return c;
                }
            } catch (IOException e) {
                System.getLogger(CredentialStores.class.getName()).log(System.Logger.Level.DEBUG,
                        "looking up credentials for {0} in credential helper {1}: {2}", host, helper, e.getMessage());
                errors.add(e);
            }
        }
        if (!errors.isEmpty()) {
            throw combined(errors);
        }
        return Optional.empty();
    }

    /**
     * Stores credentials for {@code key} (a registry host, or host/namespace: the auth files only) in the first helper
     * that takes them. Returns where they went: the auth file written, or "credential helper NAME".
     */
    public static String store(RegistryOptions options, String key, Credentials c) throws IOException {
        List<IOException> errors = new ArrayList<>();
        for (String helper : options.helpers()) {
            try {
                if (helper.equals(AUTH_FILE)) {
                    return AuthFile.store(authFile(options), key, c, options.env());
                }
                if (key.contains("/")) {
                    throw new InvalidArgumentException("namespaced key is not supported for credential helper " + helper);
                }
                CredentialHelper.find(helper, options.env(), ORIGIN).store(key, c);
                return "credential helper " + helper;
            } catch (IOException e) {
                errors.add(e);
            }
        }
        throw combined(errors);
    }

    /** Removes the credentials for {@code key} from every helper; NotFound when none had any. */
    public static void remove(RegistryOptions options, String key) throws IOException {
        List<IOException> errors = new ArrayList<>();
        boolean removed = false;
        for (String helper : options.helpers()) {
            try {
                if (helper.equals(AUTH_FILE)) {
                    AuthFile.remove(authFile(options), key, options.env());
                } else if (key.contains("/")) {
                    continue; // upstream: namespaced keys are not removed from helpers
                } else {
                    CredentialHelper.find(helper, options.env(), ORIGIN).erase(key);
                }
                removed = true;
            } catch (NotFoundException notThere) {
                // not logged in with this helper
            } catch (IOException e) {
                errors.add(e);
            }
        }
        if (!errors.isEmpty()) {
            throw combined(errors);
        }
        if (!removed) {
            throw new NotFoundException("not logged into " + key);
        }
    }

    /** Removes every credential from every helper ({@code logout --all}). */
    public static void removeAll(RegistryOptions options) throws IOException {
        List<IOException> errors = new ArrayList<>();
        for (String helper : options.helpers()) {
            try {
                if (helper.equals(AUTH_FILE)) {
                    AuthFile.removeAll(authFile(options), options.env());
                    continue;
                }
                CredentialHelper h;
                try {
                    h = CredentialHelper.find(helper, options.env(), ORIGIN);
                } catch (FailedPreconditionException notInPath) {
                    continue; // upstream: a helper that does not exist has nothing to remove
                }
                for (String server : h.list()) {
                    try {
                        h.erase(server);
                    } catch (NotFoundException gone) {
                        // erased meanwhile
                    }
                }
            } catch (IOException e) {
                errors.add(e);
            }
        }
        if (!errors.isEmpty()) {
            throw combined(errors);
        }
    }

    private static Path authFile(RegistryOptions options) {
        return options.authFile() != null ? options.authFile() : AuthFile.defaultPath(options.env());
    }

    /** One error for several (upstream's multierror): the first's type, every message. */
    private static IOException combined(List<IOException> errors) {
        if (errors.size() == 1) {
            return errors.get(0);
        }
        StringBuilder sb = new StringBuilder(errors.size() + " errors occurred:");
        for (IOException e : errors) {
            sb.append("\n\t* ").append(e.getMessage());
        }
        IOException first = errors.get(0);
        IOException out = first instanceof io.cargohold.errors.CargoholdException ? copyOf(first, sb.toString()) : new IOException(sb.toString(), first);
        for (IOException e : errors.subList(1, errors.size())) {
            out.addSuppressed(e);
        }
        return out;
    }

    private static IOException copyOf(IOException e, String message) {
        if (e instanceof InvalidArgumentException) {
            return new InvalidArgumentException(message);
        }
        if (e instanceof NotFoundException) {
            return new NotFoundException(message);
        }
        return new FailedPreconditionException(message);
    }
}
