package io.cargohold.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.fs.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * containers-auth.json (the format of podman/skopeo login and of Docker's config.json):
 * {@code {"auths": {"HOST[/NAMESPACE…]": {"auth": base64("user:password")}}}}. Looking up credentials
 * takes the most specific key ({@code host/ns/repo}, then shorter, then {@code host}); keys written with
 * a scheme or Docker's legacy {@code https://index.docker.io/v1/} are normalised as containers/image does.
 * Credential helpers ({@link CredentialHelper}): a {@code credHelpers} entry for the registry host is asked
 * first, as containers/image does; else a {@code credsStore} (Docker's default helper, which containers/image
 * v5.23 ignores) is; when the helper has nothing for the host, the {@code auths} entries are looked at.
 * Login and logout go to the helper of a {@code credHelpers} entry for the host instead of the file, as
 * containers/image's do. Other fields of the file are kept when it is rewritten.
 */
public final class AuthFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AuthFile() {
    }

    /**
     * Where login writes and where lookups start: {@code $REGISTRY_AUTH_FILE}, else
     * {@code $XDG_RUNTIME_DIR/containers/auth.json}, else {@code ~/.config/containers/auth.json}.
     */
    public static Path defaultPath(Map<String, String> env) {
        String f = env.get("REGISTRY_AUTH_FILE");
        if (f != null && !f.isEmpty()) {
            return Path.of(f);
        }
        String xdg = env.get("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isEmpty()) {
            return Path.of(xdg, "containers", "auth.json");
        }
        return home(env).resolve(".config/containers/auth.json");
    }

    private static Path home(Map<String, String> env) {
        String h = env.get("HOME");
        return Path.of(h == null || h.isEmpty() ? System.getProperty("user.home") : h);
    }

    /** The files searched, in order, when no file is named: the default path, then Docker's ~/.docker/config.json. */
    public static List<Path> searchPath(Map<String, String> env) {
        List<Path> out = new ArrayList<>();
        out.add(defaultPath(env));
        Path cfg = home(env).resolve(".config/containers/auth.json");
        if (!out.contains(cfg)) {
            out.add(cfg);
        }
        out.add(home(env).resolve(".docker/config.json"));
        return out;
    }

    /** Credentials for {@code host/repository} from {@code file}, or (file null) from the search path. */
    public static Optional<Credentials> lookup(Path file, Map<String, String> env, String host, String repository) throws IOException {
        for (Path p : file != null ? List.of(file) : searchPath(env)) {
            Optional<Credentials> c = lookupIn(p, env, host, repository);
            if (c.isPresent()) {
                return c;
            }
        }
        return Optional.empty();
    }

    private static Optional<Credentials> lookupIn(Path file, Map<String, String> env, String host, String repository) throws IOException {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        ObjectNode root = read(file);
        CredentialHelper helper = helperFor(file, root, env, normalise(host), true);
        if (helper != null) {
            Optional<Credentials> c = helper.get(normalise(host));
            if (c.isPresent()) {
                return c;
            }
        }
        JsonNode auths = root.path("auths");
        String best = null;
        JsonNode bestEntry = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = normalise(e.getKey());
            String full = repository == null ? host : host + "/" + repository;
            boolean matches = key.equals(host) || (full.equals(key) || full.startsWith(key + "/"));
            if (matches && (best == null || key.length() > best.length())) {
                best = key;
                bestEntry = e.getValue();
            }
        }
        if (bestEntry == null) {
            return Optional.empty();
        }
        String auth = bestEntry.path("auth").asText("");
        if (auth.isEmpty()) {
            return Optional.empty();
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new CorruptException(file + ": the auth entry for " + best + " is not base64: " + e.getMessage(), e);
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            throw new CorruptException(file + ": the auth entry for " + best + " is not user:password");
        }
        return Optional.of(new Credentials(decoded.substring(0, colon), decoded.substring(colon + 1)));
    }

    /**
     * The helper for {@code host} in an auth file: its {@code credHelpers} entry, else (when
     * {@code orStore}) its {@code credsStore}; null when it names none.
     */
    private static CredentialHelper helperFor(Path file, ObjectNode root, Map<String, String> env, String host, boolean orStore)
            throws IOException {
        JsonNode named = root.path("credHelpers").path(host);
        if (named.isTextual() && !named.asText().isEmpty()) {
            return CredentialHelper.find(named.asText(), env, file + ": credHelpers entry for " + host);
        }
        JsonNode store = root.path("credsStore");
        if (orStore && store.isTextual() && !store.asText().isEmpty()) {
            return CredentialHelper.find(store.asText(), env, file + ": credsStore");
        }
        return null;
    }

    /** containers/image's normalizeAuthFileKey: no scheme, no path for legacy URLs, docker.io for the Hub. */
    static String normalise(String key) {
        String k = key;
        boolean hadScheme = false;
        if (k.startsWith("http://")) {
            k = k.substring(7);
            hadScheme = true;
        } else if (k.startsWith("https://")) {
            k = k.substring(8);
            hadScheme = true;
        }
        if (hadScheme) {
            int slash = k.indexOf('/');
            if (slash >= 0) {
                k = k.substring(0, slash);
            }
        }
        if (k.equals("registry-1.docker.io") || k.equals("index.docker.io")) {
            return "docker.io";
        }
        return k;
    }

    private static ObjectNode read(Path file) throws IOException {
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || n.isMissingNode() || n.isNull()) {
                return JSON.createObjectNode();
            }
            if (!(n instanceof ObjectNode o)) {
                throw new CorruptException(file + ": not a JSON object");
            }
            return o;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new CorruptException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Stores credentials for {@code key} (a host, or host/namespace) in {@code file}, atomically, mode 0600. */
    public static void store(Path file, String key, Credentials c) throws IOException {
        store(file, key, c, System.getenv());
    }

    /**
     * Stores credentials for {@code key}: through the helper of the file's {@code credHelpers} entry for it
     * when it has one (then the file is not written), else in {@code file}, atomically, mode 0600 (as
     * containers/image's SetCredentials: a namespaced key never names a helper, so it goes to the file).
     *
     * @return where they went: the file, or "credential helper NAME"
     */
    public static String store(Path file, String key, Credentials c, Map<String, String> env) throws IOException {
        ObjectNode root = Files.isRegularFile(file) ? read(file) : JSON.createObjectNode();
        if (root.path("credHelpers").has(key)) {
            CredentialHelper helper = helperFor(file, root, env, key, false);
            helper.store(key, c);
            return "credential helper " + helper.name();
        }
        JsonNode auths = root.get("auths");
        ObjectNode a = auths instanceof ObjectNode o ? o : root.putObject("auths");
        a.putObject(key).put("auth", c.basicToken());
        write(file, root);
        return file.toString();
    }

    /** Removes the entry for {@code key}; NotFound when there was none. */
    public static void remove(Path file, String key) throws IOException {
        remove(file, key, System.getenv());
    }

    /**
     * Removes the credentials for {@code key}: from the helper of the file's {@code credHelpers} entry for it,
     * and the file's entry; NotFound when neither had any.
     */
    public static void remove(Path file, String key, Map<String, String> env) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NotFoundException("not logged into " + key);
        }
        ObjectNode root = read(file);
        boolean removed = false;
        if (root.path("credHelpers").has(key)) {
            try {
                helperFor(file, root, env, key, false).erase(key);
                removed = true;
            } catch (NotFoundException notThere) {
                // perhaps in the file
            }
        }
        JsonNode auths = root.get("auths");
        if (auths instanceof ObjectNode a) {
            for (Iterator<String> it = a.fieldNames(); it.hasNext(); ) {
                if (normalise(it.next()).equals(key)) {
                    it.remove();
                    removed = true;
                }
            }
        }
        if (!removed) {
            throw new NotFoundException("not logged into " + key);
        }
        write(file, root);
    }

    /** Removes every entry ({@code logout --all}). */
    public static void removeAll(Path file) throws IOException {
        removeAll(file, System.getenv());
    }

    /**
     * Removes every entry ({@code logout --all}), as containers/image does: each {@code credHelpers} entry's
     * credentials are erased from its helper (one it does not have is no error), then the file's
     * {@code credHelpers} and {@code auths} are emptied.
     */
    public static void removeAll(Path file, Map<String, String> env) throws IOException {
        if (!Files.isRegularFile(file)) {
            return;
        }
        ObjectNode root = read(file);
        JsonNode helpers = root.path("credHelpers");
        for (Iterator<String> it = helpers.fieldNames(); it.hasNext(); ) {
            String host = it.next();
            try {
                helperFor(file, root, env, host, false).erase(host);
            } catch (NotFoundException notThere) {
                // nothing to erase
            }
        }
        if (root.has("credHelpers")) {
            root.putObject("credHelpers");
        }
        root.putObject("auths");
        write(file, root);
    }

    private static void write(Path file, ObjectNode root) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        AtomicFile.write(file, bytes);
        try {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // not a POSIX file system: nothing more to do
        }
    }
}
