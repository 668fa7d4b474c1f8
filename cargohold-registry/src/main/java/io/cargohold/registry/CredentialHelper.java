package io.cargohold.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cargohold.errors.FailedPreconditionException;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.errors.UnavailableException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A Docker credential helper ({@code docker-credential-NAME}, named by {@code credHelpers} or
 * {@code credsStore} in an auth file, or by registries.conf's {@code credential-helpers}), run as containers/image
 * runs it through docker-credential-helpers' client: {@code get} with the registry host on stdin, answering
 * {@code {"ServerURL", "Username", "Secret"}} on stdout, or failing with "credentials not found in
 * native keychain"; {@code store} with that JSON on stdin; {@code erase} with the host on stdin;
 * {@code list} answering {@code {"SERVER": "USER", …}}. The
 * program is looked up in {@code $PATH} of the options' environment. A helper name is a plain name
 * (no path: an auth file cannot make us run {@code ../../anything}); a helper that does not answer in
 * {@link #TIMEOUT} is killed and is an error; its output is read up to 1 MiB.
 */
public final class CredentialHelper {
    /** How long a helper may take (a keychain prompt may wait for the user). */
    public static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** The message by which helpers say they have nothing for a host (docker-credential-helpers' ErrCredentialsNotFound). */
    static final String NOT_FOUND = "credentials not found in native keychain";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_OUTPUT = 1 << 20;

    private final String name;
    private final Path program;
    private final Map<String, String> env;

    private CredentialHelper(String name, Path program, Map<String, String> env) {
        this.name = name;
        this.program = program;
        this.env = env;
    }

    /**
     * The helper {@code docker-credential-NAME} found in {@code env}'s {@code PATH} (the process's when
     * the map has none); {@code origin} says where it was named, for messages.
     */
    public static CredentialHelper find(String name, Map<String, String> env, String origin) throws IOException {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidArgumentException(origin + ": credential helper name \"" + name + "\" is not a plain name");
        }
        String path = env.get("PATH");
        if (path == null) {
            path = System.getenv("PATH");
        }
        String exe = "docker-credential-" + name;
        for (String d : (path == null ? "" : path).split(File.pathSeparator)) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d, exe);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return new CredentialHelper(name, p, env);
            }
        }
        throw new FailedPreconditionException(origin + ": credential helper " + exe + " is not in $PATH");
    }

    public String name() {
        return name;
    }

    public Path program() {
        return program;
    }

    /** The helper's credentials for {@code server} (a registry host), empty when it has none. */
    public Optional<Credentials> get(String server) throws IOException {
        Result r = run("get", server);
        if (r.exit != 0) {
            if (r.out.strip().equals(NOT_FOUND) || r.out.contains(NOT_FOUND)) {
                return Optional.empty();
            }
            throw failed("get", server, r);
        }
        JsonNode n;
        try {
            n = JSON.readTree(r.out);
        } catch (IOException e) {
            throw new FailedPreconditionException(what("get", server) + ": the helper's answer is not JSON");
        }
        if (n == null || !n.isObject()) {
            throw new FailedPreconditionException(what("get", server) + ": the helper's answer is not a JSON object");
        }
        String user = n.path("Username").asText("");
        String secret = n.path("Secret").asText("");
        if (user.equals("<token>")) {
            // containers/image passes such a secret on as an OAuth2 identity (refresh) token
            throw new FailedPreconditionException(what("get", server) + ": the helper gave an identity token (Username \"<token>\"), "
                    + "which cargohold does not support; store a user name and password instead");
        }
        if (user.isEmpty() && secret.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Credentials(user, secret));
    }

    /** Stores credentials for {@code server} in the helper. */
    public void store(String server, Credentials c) throws IOException {
        String json = JSON.createObjectNode().put("ServerURL", server).put("Username", c.username()).put("Secret", c.password()).toString();
        Result r = run("store", json);
        if (r.exit != 0) {
            throw failed("store", server, r);
        }
    }

    /** Erases the helper's credentials for {@code server}; NotFound when it had none. */
    public void erase(String server) throws IOException {
        Result r = run("erase", server);
        if (r.exit != 0) {
            if (r.out.contains(NOT_FOUND)) {
                throw new NotFoundException("not logged into " + server + " (credential helper " + name + ")");
            }
            throw failed("erase", server, r);
        }
    }

    /** The servers the helper has credentials for ({@code list}: a JSON object of server to user name). */
    public java.util.List<String> list() throws IOException {
        Result r = run("list", "");
        if (r.exit != 0) {
            throw failed("list", "", r);
        }
        JsonNode n;
        try {
            n = JSON.readTree(r.out);
        } catch (IOException e) {
            throw new FailedPreconditionException(what("list", "") + ": the helper's answer is not JSON");
        }
        if (n == null || !n.isObject()) {
            throw new FailedPreconditionException(what("list", "") + ": the helper's answer is not a JSON object");
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private String what(String verb, String server) {
        return "credential helper " + program + " (" + verb + " " + server + ")";
    }

    private IOException failed(String verb, String server, Result r) {
        // the helper's stdout on failure is its error message (never the secret: that only comes with exit 0)
        String msg = r.out.strip();
        if (msg.isEmpty()) {
            msg = r.err.strip();
        }
        if (msg.length() > 500) {
            msg = msg.substring(0, 500) + "…";
        }
        return new FailedPreconditionException(what(verb, server) + ": exit status " + r.exit + (msg.isEmpty() ? "" : ": " + msg));
    }

    private record Result(int exit, String out, String err) {
    }

    private Result run(String verb, String input) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(program.toString(), verb);
        pb.environment().putAll(env);
        Process p = pb.start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readLimited(p.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readLimited(p.getErrorStream()));
        try (OutputStream in = p.getOutputStream()) {
            in.write(input.getBytes(StandardCharsets.UTF_8));
        } catch (IOException helperClosedItsInput) {
            // it answers without reading, or died: its exit status says which
        }
        try {
            if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new UnavailableException(what(verb, input.startsWith("{") ? "" : input) + ": no answer in " + TIMEOUT.toSeconds() + " s");
            }
            return new Result(p.exitValue(), new String(out.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8),
                    new String(err.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("waiting for credential helper " + program);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            p.destroyForcibly();
            throw new UnavailableException("reading the output of credential helper " + program + ": " + e, e);
        }
    }

    private static byte[] readLimited(InputStream in) {
        try (in) {
            byte[] b = in.readNBytes(MAX_OUTPUT);
            in.transferTo(OutputStream.nullOutputStream()); // the rest is dropped, the helper not blocked
            return b;
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
