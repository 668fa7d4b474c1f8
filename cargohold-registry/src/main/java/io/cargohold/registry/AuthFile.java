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
 * Credential helpers ({@code credHelpers}, {@code credsStore}) are not run. Other fields of the file are kept when it is rewritten.
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
            Optional<Credentials> c = lookupIn(p, host, repository);
            if (c.isPresent()) {
                return c;
            }
        }
        return Optional.empty();
    }

    private static Optional<Credentials> lookupIn(Path file, String host, String repository) throws IOException {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        JsonNode auths = read(file).path("auths");
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
        ObjectNode root = Files.isRegularFile(file) ? read(file) : JSON.createObjectNode();
        JsonNode auths = root.get("auths");
        ObjectNode a = auths instanceof ObjectNode o ? o : root.putObject("auths");
        a.putObject(key).put("auth", c.basicToken());
        write(file, root);
    }

    /** Removes the entry for {@code key}; NotFound when there was none. */
    public static void remove(Path file, String key) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NotFoundException("not logged into " + key);
        }
        ObjectNode root = read(file);
        JsonNode auths = root.get("auths");
        boolean removed = false;
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
        if (!Files.isRegularFile(file)) {
            return;
        }
        ObjectNode root = read(file);
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
