package io.cargohold.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cargohold.copy.RawManifest;
import io.cargohold.digest.Digest;
import io.cargohold.digest.DigestAlgorithm;
import io.cargohold.errors.CargoholdException;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.FailedPreconditionException;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.errors.PermissionDeniedException;
import io.cargohold.errors.UnavailableException;
import io.cargohold.oci.MediaTypes;
import io.cargohold.oci.OciParser;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;

/**
 * A client of one registry speaking the OCI distribution spec v1.1 on the JDK's {@code java.net.http}:
 * ping, manifests (GET/HEAD/PUT/DELETE), blobs (HEAD, ranged GET that resumes dropped connections,
 * monolithic and chunked uploads, cross-repository mounts), tags with {@code Link} pagination, and the
 * referrers API with the tag-schema fallback. Authentication: anonymous, basic, and the bearer token
 * flow (challenge from the ping, one token per scope cached until it expires, fetched again on a 401).
 * Every request has a timeout; connection failures, 429 and 5xx are retried with exponential backoff
 * honouring {@code Retry-After}. Thread-safe: one client serves parallel blob transfers.
 */
public final class RegistryClient implements Closeable {
    /** Debug lines (cargohold --debug): every request and its status. */
    private static final io.cargohold.logging.LazyLogger LOG = io.cargohold.logging.LazyLogger.of(RegistryClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** The Accept list of a manifest GET: OCI and Docker schema 2 (then schema 1, to name it in an error). */
    static final String MANIFEST_ACCEPT = String.join(", ", MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX, MediaTypes.DOCKER_MANIFEST,
            MediaTypes.DOCKER_MANIFEST_LIST, "application/vnd.docker.distribution.manifest.v1+prettyjws",
            "application/vnd.docker.distribution.manifest.v1+json");

    /** java.net.http's read and body buffer size, unless the user set {@code jdk.httpclient.bufsize}: see the static block. */
    static final int HTTP_BUFFER = 1 << 20;

    static {
        // java.net.http reads sockets into buffers of jdk.httpclient.bufsize (16 KiB by default), hands each list of
        // them to the body subscriber on another thread, and reads request bodies from an InputStream in pieces of
        // that size. A large pull moved 16 KiB per read, per selector wake-up and per thread hand-off: measured on a
        // 430 MiB pull from a loopback registry, 1 MiB buffers cut the CPU time by a third (2.6 s -> 1.7 s) and the
        // context switches from ~70,000 to ~13,000 (bench/README.md section 23). The property is read once, when the
        // client's classes initialise, so it is set here, before the first client is built.
        if (System.getProperty("jdk.httpclient.bufsize") == null) {
            System.setProperty("jdk.httpclient.bufsize", Integer.toString(HTTP_BUFFER));
        }
    }

    private final String host;
    private final String endpoint;
    private final RegistryOptions options;
    private final HttpClient http;
    private final Object pingLock = new Object();
    private volatile URI base;
    private volatile Challenge challenge;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final Map<String, Object> tokenLocks = new ConcurrentHashMap<>();
    private final Map<String, Optional<Credentials>> credentials = new ConcurrentHashMap<>();

    private record Token(String value, Instant expires) {
    }

    /** A manifest's identity from a HEAD request. */
    public record ManifestHead(Digest digest, String mediaType, long size) {
    }

    /** What an upload stored. */
    public record Uploaded(Digest digest, long size) {
    }

    private RegistryClient(String host, RegistryOptions options) throws IOException {
        this.host = host;
        this.endpoint = host.equals("docker.io") ? "registry-1.docker.io" : host;
        this.options = options;
        javax.net.ssl.SSLContext tls = Tls.context(host, options);
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(options.connectTimeout())
                .followRedirects(HttpClient.Redirect.NORMAL)
                .sslContext(tls);
        if (Tls.isLazy(tls)) {
            // the client would ask a context without them for its defaults at once; empty parameters are the
            // engine's defaults (the client sets host name checking, SNI and ALPN on them per connection)
            b.sslParameters(new javax.net.ssl.SSLParameters());
        }
        this.http = b.build();
    }

    /** A client of the registry at {@code host} ({@code HOST[:PORT]} as in image references; docker.io is the Hub). Nothing is sent yet. */
    public static RegistryClient open(String host, RegistryOptions options) throws IOException {
        return new RegistryClient(host, options);
    }

    public String host() {
        return host;
    }

    public RegistryOptions options() {
        return options;
    }

    // ------------------------------------------------------------------ ping and auth

    /**
     * {@code GET /v2/}: finds the scheme (HTTPS; plain HTTP too when TLS verification is off) and the
     * authentication challenge. Done once, before the first request.
     */
    public void ping() throws IOException {
        synchronized (pingLock) {
            if (base != null) {
                return;
            }
            List<URI> candidates = new ArrayList<>();
            candidates.add(URI.create("https://" + endpoint));
            if (!options.tlsVerify()) {
                // a loopback registry with a port is usually plain HTTP: try that first and spare the TLS set-up
                // (a TLS registry answers plain HTTP with 400, and HTTPS is tried next)
                candidates.add(loopbackWithPort(endpoint) ? 0 : 1, URI.create("http://" + endpoint));
            }
            IOException last = null;
            for (URI b : candidates) {
                for (int attempt = 0; ; attempt++) {
                    try {
                        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(b.resolve("/v2/")).timeout(options.readTimeout()).GET().build(),
                                TimedBody.handler(options.readTimeout()));
                        byte[] body = readSmall(r);
                        int s = r.statusCode();
                        if ((s == 200 || s == 401) && (b.getScheme().equals("https") || isDistribution(r))) {
                            challenge = s == 401 ? Challenge.of(r.headers()) : null;
                            base = b;
                            return;
                        }
                        if (retryableStatus(s) && attempt < options.retryTimes()) {
                            sleep(backoff(attempt, retryAfter(r)));
                            continue;
                        }
                        if (b.getScheme().equals("http") && candidates.indexOf(b) < candidates.size() - 1) {
                            // plain HTTP tried first and refused (a TLS port answers 400): HTTPS next
                            last = RegistryErrors.of(s, body, "pinging container registry " + host + " over plain HTTP");
                            break;
                        }
                        throw RegistryErrors.of(s, body, "pinging container registry " + host);
                    } catch (InterruptedException e) {
                        throw interrupted();
                    } catch (javax.net.ssl.SSLException e) {
                        last = e;
                        break;
                    } catch (CargoholdException e) {
                        throw e;
                    } catch (IOException e) {
                        last = e;
                        if (attempt < options.retryTimes()) {
                            sleep(backoff(attempt, null));
                            continue;
                        }
                        break;
                    }
                }
            }
            throw new UnavailableException("pinging container registry " + host + ": " + describe(last), last);
        }
    }

    private static boolean loopbackWithPort(String endpoint) {
        int colon = endpoint.lastIndexOf(':');
        if (colon < 0 || endpoint.endsWith("]")) {
            return false;
        }
        String h = endpoint.substring(0, colon);
        return h.equals("localhost") || h.startsWith("127.") || h.equals("[::1]");
    }

    /** A distribution registry's answer (not some other plain HTTP server's): its version header, or a 401 challenge. */
    private static boolean isDistribution(HttpResponse<?> r) {
        return r.headers().firstValue("Docker-Distribution-Api-Version").isPresent() || r.headers().firstValue("WWW-Authenticate").isPresent();
    }

    /**
     * Checks that the credentials work (login): a ping, then an authenticated {@code GET /v2/} (for a
     * token registry, a token without a scope first).
     */
    public void checkLogin() throws IOException {
        ping();
        Credentials c = options.credentials();
        if (c == null) {
            throw new InvalidArgumentException("login to " + host + ": no credentials");
        }
        call(new Req("GET", "/v2/", null, null, "logging in to " + host), 200);
    }

    private Optional<Credentials> credentialsFor(String repo) throws IOException {
        if (options.credentials() != null) {
            return Optional.of(options.credentials());
        }
        String key = repo == null ? "" : repo;
        Optional<Credentials> c = credentials.get(key);
        if (c == null) {
            c = CredentialStores.lookup(options, host, repo);
            credentials.put(key, c);
        }
        return c;
    }

    private String authorization(Req r, boolean fresh) throws IOException {
        Challenge c = challenge;
        if (c == null) {
            return null;
        }
        if (c.basic()) {
            Optional<Credentials> cred = credentialsFor(r.repo());
            return cred.map(x -> "Basic " + x.basicToken()).orElse(null);
        }
        if (!c.bearer()) {
            return null;
        }
        List<String> scopes = new ArrayList<>();
        if (r.repo() != null) {
            scopes.add("repository:" + r.repo() + ":" + r.actions());
        }
        scopes.addAll(r.extraScopes());
        String key = String.join(" ", scopes);
        Token t = tokens.get(key);
        if (!fresh && t != null && Instant.now().isBefore(t.expires())) {
            return "Bearer " + t.value();
        }
        synchronized (tokenLocks.computeIfAbsent(key, k -> new Object())) {
            t = tokens.get(key);
            if (!fresh && t != null && Instant.now().isBefore(t.expires())) {
                return "Bearer " + t.value();
            }
            if (fresh && t != null) {
                tokens.remove(key, t);
            }
            t = fetchToken(c, scopes, r.repo());
            tokens.put(key, t);
            return "Bearer " + t.value();
        }
    }

    private Token fetchToken(Challenge c, List<String> scopes, String repo) throws IOException {
        String realm = c.params().get("realm");
        if (realm == null || realm.isEmpty()) {
            throw new FailedPreconditionException(host + ": the bearer challenge names no realm");
        }
        StringBuilder q = new StringBuilder(realm).append(realm.contains("?") ? "&" : "?");
        boolean first = true;
        String service = c.params().get("service");
        if (service != null) {
            q.append("service=").append(enc(service));
            first = false;
        }
        for (String s : scopes) {
            q.append(first ? "" : "&").append("scope=").append(enc(s));
            first = false;
        }
        Optional<Credentials> cred = credentialsFor(repo);
        if (cred.isPresent()) {
            q.append(first ? "" : "&").append("account=").append(enc(cred.get().username()));
        }
        URI uri = URI.create(q.toString());
        for (int attempt = 0; ; attempt++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(options.readTimeout()).GET();
            cred.ifPresent(x -> b.header("Authorization", "Basic " + x.basicToken()));
            HttpResponse<InputStream> resp;
            try {
                resp = http.send(b.build(), TimedBody.handler(options.readTimeout()));
            } catch (IOException e) {
                if (attempt < options.retryTimes()) {
                    sleep(backoff(attempt, null));
                    continue;
                }
                throw new UnavailableException("fetching a token from " + realm + " for " + host + ": " + describe(e), e);
            } catch (InterruptedException e) {
                throw interrupted();
            }
            byte[] body = readSmall(resp);
            int s = resp.statusCode();
            if (retryableStatus(s) && attempt < options.retryTimes()) {
                sleep(backoff(attempt, retryAfter(resp)));
                continue;
            }
            if (s == 401 || s == 403) {
                throw new PermissionDeniedException("authenticating to " + host + " (token from " + realm + "): "
                        + (cred.isPresent() ? "invalid username/password" : "authentication required"));
            }
            if (s != 200) {
                throw RegistryErrors.of(s, body, "fetching a token from " + realm + " for " + host);
            }
            JsonNode n = JSON.readTree(body);
            String token = n.path("token").asText("");
            if (token.isEmpty()) {
                token = n.path("access_token").asText("");
            }
            if (token.isEmpty()) {
                throw new FailedPreconditionException("the token server " + realm + " for " + host + " answered no token");
            }
            long ttl = n.path("expires_in").asLong(60);
            if (ttl < 60) {
                ttl = 60; // the spec's minimum; a shorter lifetime is treated as 60 s
            }
            Instant issued = Instant.now();
            // renew a little before the end, so a token never expires in flight
            return new Token(token, issued.plusSeconds(ttl).minusSeconds(Math.min(10, ttl / 6)));
        }
    }

    // ------------------------------------------------------------------ requests

    /** One request: method, path (or absolute URI), body, scope, and a description for messages. */
    private record Req(String method, String path, String repo, String actions, List<String> extraScopes, Map<String, String> headers,
                       byte[] body, HttpRequest.BodyPublisher stream, String what) {
        Req(String method, String path, String repo, String actions, String what) {
            this(method, path, repo, actions, List.of(), Map.of(), null, null, what);
        }

        Req header(String k, String v) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(k, v);
            return new Req(method, path, repo, actions, extraScopes, h, body, stream, what);
        }

        Req body(byte[] b) {
            return new Req(method, path, repo, actions, extraScopes, headers, b, null, what);
        }

        Req stream(HttpRequest.BodyPublisher p) {
            return new Req(method, path, repo, actions, extraScopes, headers, null, p, what);
        }

        Req scopes(List<String> extra) {
            return new Req(method, path, repo, actions, extra, headers, body, stream, what);
        }

        boolean replayable() {
            return stream == null;
        }
    }

    private URI uri(String pathOrUri) {
        return base.resolve(pathOrUri);
    }

    /** Sends with auth, retries and timeouts; the caller reads or closes the body. */
    private HttpResponse<InputStream> send(Req r) throws IOException {
        ping();
        boolean reauthed = false;
        for (int attempt = 0; ; ) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri(r.path())).timeout(options.readTimeout());
            HttpRequest.BodyPublisher p = r.stream() != null ? r.stream()
                    : r.body() != null ? HttpRequest.BodyPublishers.ofByteArray(r.body()) : HttpRequest.BodyPublishers.noBody();
            b.method(r.method(), p);
            r.headers().forEach(b::header);
            String auth = authorization(r, reauthed);
            if (auth != null) {
                b.header("Authorization", auth);
            }
            HttpResponse<InputStream> resp;
            try {
                resp = http.send(b.build(), TimedBody.handler(options.readTimeout()));
            } catch (InterruptedException e) {
                throw interrupted();
            } catch (IOException e) {
                if (r.replayable() && attempt < options.retryTimes()) {
                    sleep(backoff(attempt++, null));
                    continue;
                }
                throw new UnavailableException(r.what() + ": " + describe(e), e);
            }
            int s = resp.statusCode();
            LOG.log(System.Logger.Level.DEBUG, "{0} {1} -> {2}", r.method(), uri(r.path()), s);
            if (s == 401 && !reauthed && r.replayable()) {
                Challenge c = Challenge.of(resp.headers());
                resp.body().close();
                if (c != null) {
                    challenge = c;
                }
                reauthed = true;
                continue;
            }
            if (retryableStatus(s) && r.replayable() && attempt < options.retryTimes()) {
                Duration after = retryAfter(resp);
                resp.body().close();
                sleep(backoff(attempt++, after));
                continue;
            }
            return resp;
        }
    }

    /** Sends and reads the whole (small) body, failing on a status not in {@code ok}. */
    private Result call(Req r, int... ok) throws IOException {
        HttpResponse<InputStream> resp = send(r);
        byte[] body = readSmall(resp);
        for (int s : ok) {
            if (resp.statusCode() == s) {
                return new Result(resp, body);
            }
        }
        throw RegistryErrors.of(resp.statusCode(), body, r.what());
    }

    private record Result(HttpResponse<InputStream> response, byte[] body) {
        int status() {
            return response.statusCode();
        }

        String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }
    }

    private static byte[] readSmall(HttpResponse<InputStream> r) throws IOException {
        try (InputStream in = r.body()) {
            byte[] b = in.readNBytes(OciParser.MAX_DOCUMENT + 1);
            if (b.length > OciParser.MAX_DOCUMENT) {
                throw new CorruptException(r.uri() + ": response larger than " + OciParser.MAX_DOCUMENT + " bytes");
            }
            return b;
        }
    }

    static boolean retryableStatus(int s) {
        return s == 429 || s == 502 || s == 503 || s == 504;
    }

    /** {@code Retry-After} in seconds or as an HTTP date; null when absent or unreadable. */
    static Duration retryAfter(HttpResponse<?> r) {
        Optional<String> h = r.headers().firstValue("Retry-After");
        if (h.isEmpty()) {
            return null;
        }
        String v = h.get().trim();
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(v)));
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime t = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(Instant.now(), t.toInstant());
                return d.isNegative() ? Duration.ZERO : d;
            } catch (java.time.format.DateTimeParseException e) {
                return null;
            }
        }
    }

    /** Exponential backoff from the options' first delay, capped at 30 s; a server's Retry-After wins (capped too). */
    Duration backoff(int attempt, Duration retryAfter) {
        if (retryAfter != null) {
            return retryAfter.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : retryAfter;
        }
        Duration d = options.retryDelay().multipliedBy(1L << Math.min(attempt, 20));
        return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
    }

    static void sleep(Duration d) throws IOException {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            throw interrupted();
        }
    }

    private static java.io.InterruptedIOException interrupted() {
        Thread.currentThread().interrupt();
        return new java.io.InterruptedIOException("interrupted");
    }

    static String describe(Throwable e) {
        if (e == null) {
            return "no answer";
        }
        if (e instanceof HttpTimeoutException) {
            return "timed out: " + e.getMessage();
        }
        if (e instanceof java.net.ConnectException) {
            return "connection refused" + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")");
        }
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private String named(String repo) {
        return host + "/" + repo;
    }

    // ------------------------------------------------------------------ manifests

    /**
     * GET a manifest or index by tag or digest. A digest reference is verified against the bytes. A
     * Docker schema 1 manifest is refused with a clear message.
     */
    public RawManifest getManifest(String repo, String reference) throws IOException {
        String what = "reading manifest " + reference + " in " + named(repo);
        Result r = call(new Req("GET", "/v2/" + repo + "/manifests/" + reference, repo, "pull", what).header("Accept", MANIFEST_ACCEPT), 200);
        byte[] bytes = r.body();
        String type = mediaType(r.header("Content-Type"), bytes, what);
        Digest actual = Digest.sha256(bytes);
        if (reference.contains(":")) {
            Digest want = Digest.parse(reference);
            Digest got = want.algorithm() == DigestAlgorithm.SHA256 ? actual : Digest.of(want.algorithm(), bytes, 0, bytes.length);
            if (!got.equals(want)) {
                throw new CorruptException(what + ": digest mismatch: the registry's manifest hashes to " + got);
            }
        }
        return new RawManifest(bytes, type, actual);
    }

    static String mediaTypeForTest(String contentType, byte[] bytes) throws IOException {
        return mediaType(contentType, bytes, "reading manifest");
    }

    private static String mediaType(String contentType, byte[] bytes, String what) throws IOException {
        String ct = contentType == null ? "" : contentType.split(";")[0].trim();
        JsonNode doc = null;
        try {
            doc = JSON.readTree(bytes);
        } catch (IOException notJson) {
            // judged below
        }
        if (ct.startsWith("application/vnd.docker.distribution.manifest.v1") || doc != null && doc.path("schemaVersion").asInt() == 1) {
            throw new FailedPreconditionException(what + ": it is a Docker schema 1 manifest (" + (ct.isEmpty() ? "schemaVersion 1" : ct)
                    + "), which Cargohold does not read: schema 1 is deprecated; push the image again with a current client");
        }
        if (MediaTypes.isManifest(ct) || MediaTypes.isIndex(ct)) {
            return ct;
        }
        // a registry that answers application/json or nothing: the document names its type, or an OCI manifest has layers
        String named = doc == null ? "" : doc.path("mediaType").asText("");
        if (!named.isEmpty()) {
            return named;
        }
        if (doc != null && doc.has("manifests")) {
            return MediaTypes.OCI_INDEX;
        }
        if (doc != null && doc.has("layers")) {
            return MediaTypes.OCI_MANIFEST;
        }
        throw new CorruptException(what + ": the registry answered " + (ct.isEmpty() ? "no content type" : ct) + ", not a manifest");
    }

    /** HEAD a manifest: its digest, type and size, or empty when the registry has none. */
    public Optional<ManifestHead> headManifest(String repo, String reference) throws IOException {
        String what = "checking manifest " + reference + " in " + named(repo);
        Result r = call(new Req("HEAD", "/v2/" + repo + "/manifests/" + reference, repo, "pull", what).header("Accept", MANIFEST_ACCEPT), 200, 404);
        if (r.status() == 404) {
            return Optional.empty();
        }
        String d = r.header("Docker-Content-Digest");
        String ct = r.header("Content-Type");
        long size = r.response().headers().firstValueAsLong("Content-Length").orElse(-1);
        return Optional.of(new ManifestHead(d == null ? null : Digest.parse(d), ct == null ? null : ct.split(";")[0].trim(), size));
    }

    /** PUT a manifest under a tag or its digest; returns the digest the registry stored, checked against the bytes. */
    public Digest putManifest(String repo, String reference, RawManifest m) throws IOException {
        String what = "writing manifest " + reference + " to " + named(repo);
        Result r = call(new Req("PUT", "/v2/" + repo + "/manifests/" + reference, repo, "pull,push", what)
                .header("Content-Type", m.mediaType()).body(m.bytes()), 201, 200, 202);
        String d = r.header("Docker-Content-Digest");
        if (d != null && !Digest.parse(d).equals(m.digest())) {
            throw new CorruptException(what + ": the registry stored digest " + d + ", the manifest's is " + m.digest());
        }
        return m.digest();
    }

    /** DELETE a manifest by digest (the registry must allow deletes). */
    public void deleteManifest(String repo, Digest digest) throws IOException {
        call(new Req("DELETE", "/v2/" + repo + "/manifests/" + digest, repo, "delete", "deleting manifest " + digest + " in " + named(repo)),
                202, 200);
    }

    // ------------------------------------------------------------------ blobs

    /** HEAD a blob: its size, or empty when the repository does not have it. */
    public OptionalLong headBlob(String repo, Digest digest) throws IOException {
        Result r = call(new Req("HEAD", "/v2/" + repo + "/blobs/" + digest, repo, "pull", "checking blob " + digest + " in " + named(repo)), 200, 404);
        if (r.status() == 404) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(r.response().headers().firstValueAsLong("Content-Length").orElse(-1));
    }

    /**
     * Opens a blob from {@code offset} (a ranged GET when above 0). The stream reconnects with
     * {@code Range} from where it stopped when a connection drops (up to the retry count); it does not
     * verify the digest (the caller does, or the content store's writer at commit).
     *
     * @param size the blob's size when known (-1 otherwise): needed to resume
     */
    public BlobStream getBlob(String repo, Digest digest, long size, long offset) throws IOException {
        BlobStream s = new BlobStream(this, repo, digest, size, offset);
        s.open();
        return s;
    }

    /** Listener of resumes of a blob download (for progress lines: "resumed at N"). */
    public interface ResumeListener {
        void resumed(Digest digest, long offset);
    }

    /** Opens a ranged GET (package-private: {@link BlobStream} calls it). Returns the response (200 or 206) or throws. */
    HttpResponse<InputStream> openRange(String repo, Digest digest, long offset) throws IOException {
        String what = "reading blob " + digest + " in " + named(repo);
        Req r = new Req("GET", "/v2/" + repo + "/blobs/" + digest, repo, "pull", what);
        if (offset > 0) {
            r = r.header("Range", "bytes=" + offset + "-");
        }
        HttpResponse<InputStream> resp = send(r);
        int s = resp.statusCode();
        if (s == 200 || s == 206) {
            return resp;
        }
        throw RegistryErrors.of(s, readSmall(resp), what);
    }

    /**
     * Uploads a blob: one PUT after the POST when it is at most the chunk size (its bytes buffered, so
     * the PUT can be retried), else PATCH chunks of the chunk size, then the PUT with the digest. The
     * digest is computed while reading; with {@code expected} given, a mismatch cancels the upload
     * before anything is committed (CorruptException). {@code size} -1 when unknown.
     */
    public Uploaded upload(String repo, InputStream content, Digest expected, long size, LongConsumer progress) throws IOException {
        return upload(repo, content, expected, size, progress, false);
    }

    private Uploaded upload(String repo, InputStream content, Digest expected, long size, LongConsumer progress, boolean verify)
            throws IOException {
        String what = "writing blob " + (expected == null ? "" : expected + " ") + "to " + named(repo);
        // with a digest to expect, the registry checks it (DIGEST_INVALID: nothing stored) and our caller verifies
        // the stream as it reads it (the copy engine does, unless it asks us to: verify): hashing here too would only cost a second pass
        MessageDigest md = expected == null || verify ? sha256() : null;
        int chunk = (int) Math.min(options.chunkSize(), Integer.MAX_VALUE - 16);
        byte[] buf = content.readNBytes(chunk);
        int len = buf.length;
        // a one-byte look-ahead tells a blob of exactly the chunk size from a larger one
        int more = len < chunk ? -1 : content.read();
        String location = startUpload(repo, what);
        if (more < 0) {
            if (md != null) {
                md.update(buf, 0, len);
            }
            Digest d = finish(md, expected, what, location, repo);
            Result r = call(new Req("PUT", withDigest(location, d), repo, "pull,push", what).header("Content-Type", "application/octet-stream")
                    .body(buf), 201, 204);
            checkStored(r, d, what);
            if (progress != null) {
                progress.accept(len);
            }
            return new Uploaded(d, len);
        }
        if (!options.chunked()) {
            return streamed(repo, location, buf, (byte) more, content, md, expected, size, progress, what);
        }
        long offset = 0;
        while (len > 0) {
            if (md != null) {
                md.update(buf, 0, len);
            }
            location = patch(repo, location, buf, len, offset, what);
            offset += len;
            if (progress != null) {
                progress.accept(len);
            }
            int n = 0;
            if (more >= 0) {
                buf[0] = (byte) more;
                n = 1;
                more = -1;
            }
            len = n + content.readNBytes(buf, n, buf.length - n);
        }
        Digest d = finish(md, expected, what, location, repo);
        if (size >= 0 && offset != size) {
            cancel(location, repo);
            throw new CorruptException(what + ": size mismatch: " + offset + " bytes, expected " + size);
        }
        Result r = call(new Req("PUT", withDigest(location, d), repo, "pull,push", what).header("Content-Type", "application/octet-stream")
                .body(new byte[0]), 201, 204);
        checkStored(r, d, what);
        return new Uploaded(d, offset);
    }

    /** Content that can be read again from its first byte: a retried upload reads it again. */
    @FunctionalInterface
    public interface Reopenable {
        InputStream open() throws IOException;
    }

    /**
     * As {@link #upload(String, InputStream, Digest, long, LongConsumer)}, retried when the connection fails:
     * a streamed upload whose PATCH is cut asks the registry what it has (GET on the upload URL, its
     * {@code Range}, as the distribution spec allows) and sends the rest from there, the content read again
     * from its start (the part the registry has is hashed, not sent); when the registry no longer knows the
     * upload (distribution 2.8 invalidates one whose PATCH broke off after some bytes were written) or any
     * other request of it fails, the upload starts again with a new POST. Up to the retry count each. The
     * digest is computed while sending, so a source that does not match {@code expected} is refused before
     * the PUT (and the registry checks it again).
     *
     * <p>{@code progress} gets the bytes sent as they go, and when the upload starts again or goes on from what the
     * registry has, one delta (negative when going back) that brings the sum to that position: the sum is always
     * the position the upload reached, never more than {@code size}, and ends at {@code size}.
     */
    public Uploaded upload(String repo, Reopenable content, Digest expected, long size, LongConsumer progress) throws IOException {
        Position pos = progress == null ? null : new Position(progress);
        for (int attempt = 0; ; attempt++) {
            try {
                if (options.chunked() || size < 0 || size <= options.chunkSize()) {
                    // small blobs (one replayable PUT) and chunked uploads (each chunk resent after a status query)
                    try (InputStream in = content.open()) {
                        return upload(repo, in, expected, size, pos == null ? null : pos.attempt(0), true);
                    }
                }
                return streamedFrom(repo, content, expected, size, pos);
            } catch (UnavailableException e) {
                if (attempt >= options.retryTimes()) {
                    throw e;
                }
                LOG.log(System.Logger.Level.DEBUG, "upload of {0} to {1}: starting again ({2})", expected, named(repo), e.getMessage());
                sleep(backoff(attempt, null));
            }
        }
    }

    /**
     * The position an upload reached, as deltas to a progress consumer: each attempt counts through a consumer of
     * its own ({@link #attempt}), which moves the position to where that attempt starts; a late buffer of an
     * abandoned attempt (its body was read on another thread) is not counted.
     */
    private static final class Position {
        private final LongConsumer to;
        private long at;
        private int generation;

        Position(LongConsumer to) {
            this.to = to;
        }

        synchronized LongConsumer attempt(long from) {
            int g = ++generation;
            if (from != at) {
                to.accept(from - at);
                at = from;
            }
            return n -> {
                synchronized (this) {
                    if (g == generation) {
                        at += n;
                        to.accept(n);
                    }
                }
            };
        }
    }

    /** The registry's view of an upload: the bytes it has, and the URL to go on with. */
    private record UploadStatus(long have, String location) {
    }

    /**
     * GET on the upload URL: the bytes the registry has ({@code Range: 0-END}; distribution writes "0-0" for
     * an empty upload, read as 0: a wrong guess makes the final digest check fail, never a wrong blob), or
     * empty when it does not know the upload (any 4xx: unknown, or invalid as distribution 2.8 answers, and
     * cancels, after a PATCH that broke off).
     */
    private Optional<UploadStatus> uploadStatus(String repo, String location, String what) throws IOException {
        HttpResponse<InputStream> r = send(new Req("GET", location, repo, "pull,push", what + " (upload status)"));
        byte[] body = readSmall(r);
        int s = r.statusCode();
        if (s == 204 || s == 202 || s == 200) {
            String range = r.headers().firstValue("Range").orElse(null);
            if (range == null) {
                return Optional.empty();
            }
            long end = rangeEnd(range);
            String next = r.headers().firstValue("Location").orElse(location);
            return Optional.of(new UploadStatus(range.replace("bytes=", "").trim().equals("0-0") ? 0 : end + 1, next));
        }
        if (s >= 400 && s < 500 && s != 401 && s != 403 && s != 429) {
            return Optional.empty();
        }
        throw RegistryErrors.of(s, body, what + " (upload status)");
    }

    /** A large blob in streamed PATCHes: continued from what the registry has after a cut, see {@link #upload(String, Reopenable, Digest, long, LongConsumer)} (progress too). */
    private Uploaded streamedFrom(String repo, Reopenable content, Digest expected, long size, Position pos) throws IOException {
        String what = "writing blob " + (expected == null ? "" : expected + " ") + "to " + named(repo);
        String location = startUpload(repo, what);
        long have = 0;
        boolean continued = false;
        for (int attempt = 0; ; attempt++) {
            LongConsumer progress = pos == null ? null : pos.attempt(have);
            MessageDigest md = sha256();
            long[] sent = {have};
            try (InputStream in = content.open()) {
                if (have > 0) {
                    // what the registry has: hashed, not sent
                    long left = have;
                    byte[] b = new byte[1 << 16];
                    while (left > 0) {
                        int n = in.read(b, 0, (int) Math.min(b.length, left));
                        if (n < 0) {
                            cancel(location, repo);
                            throw new CorruptException(what + ": the content ends before byte " + have + ", which the registry has");
                        }
                        md.update(b, 0, n);
                        left -= n;
                    }
                }
                InputStream rest = new java.io.FilterInputStream(in) {
                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        int n = super.read(b, off, len);
                        if (n < 0 && sent[0] < size) {
                            throw new CorruptException(what + ": size mismatch: the content ended after " + sent[0] + " of " + size + " bytes");
                        }
                        if (n > 0 && sent[0] + n > size) {
                            throw new CorruptException(what + ": size mismatch: the content is longer than " + size + " bytes");
                        }
                        if (n > 0) {
                            md.update(b, off, n);
                            sent[0] += n;
                            if (progress != null) {
                                progress.accept(n);
                            }
                        }
                        return n;
                    }
                };
                Req patch = new Req("PATCH", location, repo, "pull,push", what).header("Content-Type", "application/octet-stream")
                        .stream(StreamedBody.of(rest, size - have));
                if (have > 0) {
                    patch = patch.header("Content-Range", have + "-" + (size - 1));
                }
                Result r;
                try {
                    r = call(patch, 202, 204);
                } catch (IOException e) {
                    Throwable c = e;
                    while (c != null && !(c instanceof CargoholdException && !(c instanceof UnavailableException))) {
                        c = c.getCause();
                    }
                    if (continued && c == e && (e instanceof FailedPreconditionException || e instanceof NotFoundException)) {
                        // the registry refuses to go on with the upload it said it had (BLOB_UPLOAD_INVALID/UNKNOWN: it
                        // was still writing the broken request when asked, or dropped the upload since): start again
                        cancel(location, repo);
                        throw new UnavailableException(what + ": the upload was lost (" + e.getMessage() + ")", e);
                    }
                    if (c != null || !(e instanceof UnavailableException) || attempt >= options.retryTimes()) {
                        // the source's own failure, the registry's refusal, or no retries left
                        cancel(location, repo);
                        throw c instanceof CargoholdException ce ? ce : e;
                    }
                    sleep(backoff(attempt, null)); // first: the registry notices the broken request meanwhile
                    Optional<UploadStatus> st = uploadStatus(repo, location, what);
                    if (st.isEmpty() || st.get().have() > size) {
                        cancel(location, repo);
                        throw new UnavailableException(what + ": the upload was lost (" + e.getMessage() + ")", e);
                    }
                    have = st.get().have();
                    location = st.get().location();
                    continued = true;
                    LOG.log(System.Logger.Level.DEBUG, "upload of {0} to {1}: the registry has {2} bytes, continuing from there",
                            expected, named(repo), have);
                    continue;
                }
                location = location(r, what);
                if (sent[0] != size) {
                    cancel(location, repo);
                    throw new CorruptException(what + ": size mismatch: sent " + sent[0] + " of " + size + " bytes");
                }
            }
            Digest d = Digest.parse("sha256:" + java.util.HexFormat.of().formatHex(md.digest()));
            if (expected != null && !expected.equals(d)) {
                cancel(location, repo);
                throw new CorruptException(what + ": digest mismatch: the content hashes to " + d);
            }
            Result put;
            try {
                put = call(new Req("PUT", withDigest(location, d), repo, "pull,push", what).header("Content-Type", "application/octet-stream")
                        .body(new byte[0]), 201, 204);
            } catch (CorruptException | FailedPreconditionException | NotFoundException e) {
                if (!continued) {
                    throw e;
                }
                // what we sent hashes right (checked above): the registry's continued upload is not what we sent (a
                // guess at an empty "0-0" range, or bytes of the broken request written after its status was asked)
                cancel(location, repo);
                throw new UnavailableException(what + ": the registry's copy of the continued upload does not match (" + e.getMessage() + ")", e);
            }
            checkStored(put, d, what);
            return new Uploaded(d, size);
        }
    }

    /**
     * The rest of a large upload in one streamed PATCH (what was read ahead first, then the stream), then
     * the PUT with the digest: the source is read once, as it is sent. Not retried (the stream cannot be
     * read again); a failure cancels the upload.
     */
    private Uploaded streamed(String repo, String location, byte[] head, byte peeked, InputStream rest, MessageDigest md, Digest expected,
                              long size, LongConsumer progress, String what) throws IOException {
        long[] sent = {0};
        InputStream all = new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(head),
                new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(new byte[] {peeked}), rest)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    if (md != null) {
                        md.update(b, off, n);
                    }
                    sent[0] += n;
                    if (progress != null) {
                        progress.accept(n);
                    }
                }
                return n;
            }
        };
        // read (and hashed) on a thread of its own, a few buffers ahead of the socket writes (StreamedBody)
        HttpRequest.BodyPublisher body = StreamedBody.of(all, size);
        Result r;
        try {
            r = call(new Req("PATCH", location, repo, "pull,push", what).header("Content-Type", "application/octet-stream").stream(body), 202, 204);
        } catch (IOException e) {
            cancel(location, repo);
            // the stream's own failure (a digest mismatch found by the caller's verifying stream) is the one to report
            Throwable c = e.getCause();
            while (c != null && !(c instanceof CargoholdException)) {
                c = c.getCause();
            }
            throw c instanceof CargoholdException ce ? ce : e;
        }
        location = location(r, what);
        Digest d = finish(md, expected, what, location, repo);
        if (size >= 0 && sent[0] != size) {
            cancel(location, repo);
            throw new CorruptException(what + ": size mismatch: " + sent[0] + " bytes, expected " + size);
        }
        Result put = call(new Req("PUT", withDigest(location, d), repo, "pull,push", what).header("Content-Type", "application/octet-stream")
                .body(new byte[0]), 201, 204);
        checkStored(put, d, what);
        return new Uploaded(d, sent[0]);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Digest finish(MessageDigest md, Digest expected, String what, String location, String repo) throws IOException {
        if (md == null) {
            return expected;
        }
        Digest d = Digest.parse("sha256:" + java.util.HexFormat.of().formatHex(md.digest()));
        if (expected != null && !expected.equals(d)) {
            cancel(location, repo);
            throw new CorruptException(what + ": digest mismatch: the content hashes to " + d);
        }
        return d;
    }

    private static void checkStored(Result r, Digest d, String what) throws IOException {
        String got = r.header("Docker-Content-Digest");
        if (got != null && !Digest.parse(got).equals(d)) {
            throw new CorruptException(what + ": the registry stored " + got + " for content hashing to " + d);
        }
    }

    private String startUpload(String repo, String what) throws IOException {
        Result r = call(new Req("POST", "/v2/" + repo + "/blobs/uploads/", repo, "pull,push", what).body(new byte[0]), 202);
        return location(r, what);
    }

    private static String location(Result r, String what) throws IOException {
        String loc = r.header("Location");
        if (loc == null || loc.isEmpty()) {
            throw new FailedPreconditionException(what + ": the registry gave no upload location");
        }
        return loc;
    }

    private static String withDigest(String location, Digest d) {
        return location + (location.contains("?") ? "&" : "?") + "digest=" + enc(d.toString());
    }

    /** One PATCH; on a failed one, asks the upload's status and resends what the registry lacks. */
    private String patch(String repo, String location, byte[] buf, int len, long offset, String what) throws IOException {
        for (int attempt = 0; ; attempt++) {
            long have = offset;
            if (attempt > 0) {
                Result st = call(new Req("GET", location, repo, "pull,push", what), 204, 202);
                have = rangeEnd(st.header("Range")) + 1;
                location = Optional.ofNullable(st.header("Location")).orElse(location);
                if (have < offset || have > offset + len) {
                    throw new FailedPreconditionException(what + ": the registry has " + have + " bytes of the upload, expected "
                            + offset + " to " + (offset + len));
                }
                if (have == offset + len) {
                    return location;
                }
            }
            int from = (int) (have - offset);
            try {
                Result r = call(new Req("PATCH", location, repo, "pull,push", what).header("Content-Type", "application/octet-stream")
                        .header("Content-Range", have + "-" + (offset + len - 1))
                        .body(from == 0 && len == buf.length ? buf : java.util.Arrays.copyOfRange(buf, from, len)), 202, 204);
                return location(r, what);
            } catch (UnavailableException e) {
                if (attempt >= options.retryTimes()) {
                    throw e;
                }
                sleep(backoff(attempt, null));
            }
        }
    }

    private static long rangeEnd(String range) {
        if (range == null || range.isEmpty()) {
            return -1;
        }
        String r = range.startsWith("bytes=") ? range.substring(6) : range;
        int dash = r.indexOf('-');
        return Long.parseLong(r.substring(dash + 1).trim());
    }

    private void cancel(String location, String repo) {
        try {
            call(new Req("DELETE", location, repo, "pull,push", "cancelling an upload to " + named(repo)), 204, 202, 200, 404);
        } catch (IOException ignored) {
            // best effort: the registry expires abandoned uploads
        }
    }

    /**
     * Cross-repository mount: {@code POST …/blobs/uploads/?mount=DIGEST&from=REPO}. True when the registry
     * mounted the blob (201); false when it did not (the upload it opened instead is cancelled).
     */
    public boolean mount(String repo, String fromRepo, Digest digest) throws IOException {
        String what = "mounting blob " + digest + " from " + fromRepo + " to " + named(repo);
        Result r = call(new Req("POST", "/v2/" + repo + "/blobs/uploads/?mount=" + enc(digest.toString()) + "&from=" + enc(fromRepo), repo,
                "pull,push", what).scopes(List.of("repository:" + fromRepo + ":pull")).body(new byte[0]), 201, 202);
        if (r.status() == 201) {
            return true;
        }
        String loc = r.header("Location");
        if (loc != null) {
            cancel(loc, repo);
        }
        return false;
    }

    // ------------------------------------------------------------------ tags and referrers

    /** Every tag of the repository, following {@code Link: <…>; rel="next"} pages. */
    public List<String> tags(String repo) throws IOException {
        return tags(repo, 0);
    }

    /** Tags, asking for pages of {@code pageSize} ({@code ?n=}; 0 = the registry's default). */
    List<String> tags(String repo, int pageSize) throws IOException {
        String what = "listing tags of " + named(repo);
        List<String> out = new ArrayList<>();
        String next = "/v2/" + repo + "/tags/list" + (pageSize > 0 ? "?n=" + pageSize : "");
        int pages = 0;
        while (next != null) {
            if (++pages > 10_000) {
                throw new CorruptException(what + ": more than 10000 pages");
            }
            Result r = call(new Req("GET", next, repo, "pull", what), 200);
            JsonNode n = JSON.readTree(r.body());
            for (JsonNode t : n.path("tags")) {
                out.add(t.asText());
            }
            next = nextLink(r.header("Link"));
        }
        return out;
    }

    static String nextLink(String link) {
        if (link == null) {
            return null;
        }
        for (String part : link.split(",")) {
            String p = part.trim();
            if (p.startsWith("<") && p.contains(">") && p.replace(" ", "").contains("rel=\"next\"")) {
                return p.substring(1, p.indexOf('>'));
            }
        }
        return null;
    }

    /**
     * The referrers of a manifest as an OCI index: the referrers API when the registry has it, else the
     * tag-schema fallback ({@code sha256-HEX}), else an empty index. {@code artifactType} filters (null = all).
     */
    public RawManifest referrers(String repo, Digest subject, String artifactType) throws IOException {
        String what = "listing referrers of " + subject + " in " + named(repo);
        String path = "/v2/" + repo + "/referrers/" + subject + (artifactType == null ? "" : "?artifactType=" + enc(artifactType));
        Result r = call(new Req("GET", path, repo, "pull", what).header("Accept", MediaTypes.OCI_INDEX), 200, 404);
        byte[] index;
        if (r.status() == 200) {
            index = r.body();
        } else {
            try {
                index = getManifest(repo, subject.algorithm().ociName() + "-" + subject.hex()).bytes();
            } catch (NotFoundException none) {
                index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}"
                        .getBytes(StandardCharsets.UTF_8);
            }
        }
        if (artifactType != null) {
            com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(index);
            com.fasterxml.jackson.databind.node.ArrayNode kept = JSON.createArrayNode();
            for (JsonNode m : root.path("manifests")) {
                if (artifactType.equals(m.path("artifactType").asText())) {
                    kept.add(m);
                }
            }
            if (kept.size() != root.path("manifests").size()) {
                root.set("manifests", kept);
                index = JSON.writeValueAsBytes(root);
            }
        }
        return RawManifest.of(index, MediaTypes.OCI_INDEX);
    }

    /** The scheme chosen by the ping (https or http), for messages and tests. */
    public String scheme() throws IOException {
        ping();
        return base.getScheme();
    }

    /** Tokens fetched and cached so far (for tests of the cache). */
    int cachedTokens() {
        return tokens.size();
    }

    static List<String> unmodifiable(List<String> l) {
        return Collections.unmodifiableList(l);
    }

    @Override
    public void close() {
        http.close();
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
