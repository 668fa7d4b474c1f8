package io.cargohold.testkit.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The token endpoint of the distribution token flow, served by the test itself: answers
 * {@code GET /token?service=…&scope=…} (HTTP basic credentials optional) with a JWT signed RS256 by
 * the PKI's token signer, its certificate in the {@code x5c} header (the registry checks it against
 * its {@code rootcertbundle}). A known user gets every action asked for; anonymous requests get
 * {@code pull} only when {@link #anonymousPull} allows it, else the request is refused with 401.
 */
public final class TokenServer implements AutoCloseable {
    public static final String SERVICE = "cargohold-test-registry";
    public static final String ISSUER = "cargohold-test-issuer";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final TestPki pki;
    private final Map<String, String> users;
    private final AtomicInteger requests = new AtomicInteger();
    private final List<String> scopesAsked = new CopyOnWriteArrayList<>();
    private volatile boolean anonymousPull;
    private volatile int ttlSeconds = 300;
    private final AtomicInteger expiredToIssue = new AtomicInteger();

    private TokenServer(TestPki pki, Map<String, String> users) throws IOException {
        this.pki = pki;
        this.users = Map.copyOf(users);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/token", this::handle);
        server.start();
    }

    public static TokenServer start(TestPki pki, Map<String, String> users) throws IOException {
        return new TokenServer(pki, users);
    }

    public String realm() {
        return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort() + "/token";
    }

    /** Token requests answered or refused so far. */
    public int requests() {
        return requests.get();
    }

    /** The scope parameters of every request, in order. */
    public List<String> scopesAsked() {
        return List.copyOf(scopesAsked);
    }

    public void anonymousPull(boolean allowed) {
        anonymousPull = allowed;
    }

    /**
     * The next {@code n} tokens are already expired for the registry (exp more than its 60 s leeway in
     * the past) while their {@code expires_in} says 300 s: as a token that expired in a client's cache.
     */
    public void issueExpired(int n) {
        expiredToIssue.set(n);
    }

    /** Lifetime of tokens issued from now on (the registry accepts a token until its exp). */
    public void ttlSeconds(int seconds) {
        ttlSeconds = seconds;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            requests.incrementAndGet();
            String user = null;
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth != null && auth.startsWith("Basic ")) {
                String up = new String(Base64.getDecoder().decode(auth.substring(6)), StandardCharsets.UTF_8);
                int colon = up.indexOf(':');
                String u = up.substring(0, colon);
                if (!up.substring(colon + 1).equals(users.get(u))) {
                    send(ex, 401, "{\"details\":\"incorrect username or password\"}");
                    return;
                }
                user = u;
            }
            List<String[]> scopes = new ArrayList<>();
            String query = ex.getRequestURI().getRawQuery();
            for (String kv : query == null ? new String[0] : query.split("&")) {
                int eq = kv.indexOf('=');
                String k = kv.substring(0, eq);
                String v = URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
                if (k.equals("scope")) {
                    scopesAsked.add(v);
                    for (String one : v.split(" ")) {
                        String[] parts = one.split(":");
                        // repository:NAME:ACTIONS (a NAME has no colon for our tests)
                        scopes.add(new String[] {parts[0], parts[1], parts[2]});
                    }
                }
            }
            if (user == null && !anonymousPull) {
                send(ex, 401, "{\"details\":\"authentication required\"}");
                return;
            }
            ArrayNode access = JSON.createArrayNode();
            for (String[] s : scopes) {
                ObjectNode a = access.addObject();
                a.put("type", s[0]);
                a.put("name", s[1]);
                ArrayNode actions = a.putArray("actions");
                for (String act : s[2].split(",")) {
                    if (user != null || act.equals("pull")) {
                        actions.add(act);
                    }
                }
            }
            long now = System.currentTimeMillis() / 1000;
            ObjectNode claims = JSON.createObjectNode();
            claims.put("iss", ISSUER);
            claims.put("sub", user == null ? "" : user);
            claims.put("aud", SERVICE);
            boolean expired = expiredToIssue.getAndUpdate(x -> Math.max(0, x - 1)) > 0;
            claims.put("exp", expired ? now - 120 : now + ttlSeconds);
            claims.put("nbf", expired ? now - 600 : now - 10);
            claims.put("iat", now);
            claims.put("jti", Long.toHexString(System.nanoTime()));
            claims.set("access", access);
            String token = jwt(claims);
            ObjectNode body = JSON.createObjectNode();
            body.put("token", token);
            body.put("access_token", token);
            body.put("expires_in", ttlSeconds);
            body.put("issued_at", java.time.Instant.ofEpochSecond(now).toString());
            send(ex, 200, JSON.writeValueAsString(body));
        }
    }

    private String jwt(ObjectNode claims) throws IOException {
        try {
            ObjectNode header = JSON.createObjectNode();
            header.put("typ", "JWT");
            header.put("alg", "RS256");
            header.putArray("x5c").add(Base64.getEncoder().encodeToString(pki.tokenSigner().cert().getEncoded()));
            Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
            String signingInput = b64.encodeToString(JSON.writeValueAsBytes(header)) + "." + b64.encodeToString(JSON.writeValueAsBytes(claims));
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(pki.tokenSigner().key());
            s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + b64.encodeToString(s.sign());
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
