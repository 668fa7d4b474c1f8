package io.cargohold.testkit.registry;

import io.cargohold.testkit.images.Tools;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * Debian's {@code docker-registry} (distribution 2.8) for a test: on 127.0.0.1 at a free port, with a
 * storage directory and config file of its own under {@code dir}; plain HTTP, TLS with a certificate
 * the test made ({@link TestPki}, optionally requiring client certificates), htpasswd basic auth
 * (bcrypt), or token auth against a {@link TokenServer} the test serves. Relative URLs in
 * {@code Location} headers, so a proxy in between keeps seeing uploads. Start one per test class:
 * it is up in well under a second.
 */
public final class RegistryServer implements AutoCloseable {
    public enum Auth { NONE, HTPASSWD, TOKEN }

    /** How to set the registry up. */
    public record Setup(boolean tls, boolean requireClientCert, Auth auth) {
        public static Setup plainHttp() {
            return new Setup(false, false, Auth.NONE);
        }

        public static Setup withTls() {
            return new Setup(true, false, Auth.NONE);
        }

        public static Setup basicAuth() {
            return new Setup(false, false, Auth.HTPASSWD);
        }

        public static Setup tokenAuth() {
            return new Setup(false, false, Auth.TOKEN);
        }
    }

    public static final String USER = "tester";
    public static final String PASSWORD = "s3cret pass";

    private final Path dir;
    private final Setup setup;
    private final TestPki pki;
    private final TokenServer tokens;
    private Process process;
    private int port;

    private RegistryServer(Path dir, Setup setup) throws IOException {
        this.dir = dir;
        this.setup = setup;
        this.pki = setup.tls() || setup.auth() == Auth.TOKEN ? TestPki.create() : null;
        this.tokens = setup.auth() == Auth.TOKEN ? TokenServer.start(pki, Map.of(USER, PASSWORD)) : null;
    }

    /** Starts the registry; fails the test when docker-registry is not installed (a peer tool, see {@link Tools}). */
    public static RegistryServer start(Path dir, Setup setup) throws IOException {
        Path exe = Tools.require("docker-registry");
        RegistryServer r = new RegistryServer(dir, setup);
        try {
            r.launch(exe);
        } catch (IOException | RuntimeException e) {
            r.close();
            throw e;
        }
        return r;
    }

    private void launch(Path exe) throws IOException {
        Files.createDirectories(dir.resolve("storage"));
        if (setup.tls()) {
            TestPki.writePem(dir.resolve("server.crt"), pki.server().cert());
            TestPki.writePem(dir.resolve("server.key"), pki.server().key());
            TestPki.writePem(dir.resolve("clientca.crt"), pki.ca().cert());
        }
        if (setup.auth() == Auth.HTPASSWD) {
            byte[] salt = new byte[16];
            new SecureRandom().nextBytes(salt);
            // distribution 2.8 reads bcrypt entries only; cost 4 is bcrypt's minimum (fast tests)
            Files.writeString(dir.resolve("htpasswd"), USER + ":" + OpenBSDBCrypt.generate("2a", PASSWORD.toCharArray(), salt, 4) + "\n");
        }
        if (setup.auth() == Auth.TOKEN) {
            TestPki.writePem(dir.resolve("token-signer.crt"), pki.tokenSigner().cert());
        }
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            port = freePort();
            Files.writeString(dir.resolve("config.yml"), config());
            Path log = dir.resolve("registry.log");
            process = new ProcessBuilder(exe.toString(), "serve", dir.resolve("config.yml").toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline && process.isAlive()) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                    return;
                } catch (IOException notYet) {
                    sleep(10);
                }
            }
            process.destroyForcibly();
            last = new IOException("docker-registry did not start on port " + port + ":\n" + Files.readString(log));
        }
        throw last;
    }

    private String config() {
        StringBuilder c = new StringBuilder();
        c.append("version: 0.1\n");
        c.append("log:\n  level: error\n  accesslog:\n    disabled: true\n");
        c.append("storage:\n  filesystem:\n    rootdirectory: ").append(dir.resolve("storage").toAbsolutePath()).append('\n');
        c.append("  delete:\n    enabled: true\n");
        c.append("http:\n  addr: 127.0.0.1:").append(port).append('\n');
        c.append("  relativeurls: true\n");
        if (setup.tls()) {
            c.append("  tls:\n    certificate: ").append(dir.resolve("server.crt").toAbsolutePath()).append('\n');
            c.append("    key: ").append(dir.resolve("server.key").toAbsolutePath()).append('\n');
            if (setup.requireClientCert()) {
                c.append("    clientcas:\n      - ").append(dir.resolve("clientca.crt").toAbsolutePath()).append('\n');
            }
        }
        switch (setup.auth()) {
            case NONE -> {
            }
            case HTPASSWD -> c.append("auth:\n  htpasswd:\n    realm: cargohold-test\n    path: ")
                    .append(dir.resolve("htpasswd").toAbsolutePath()).append('\n');
            case TOKEN -> c.append("auth:\n  token:\n    realm: ").append(tokens.realm()).append('\n')
                    .append("    service: ").append(TokenServer.SERVICE).append('\n')
                    .append("    issuer: ").append(TokenServer.ISSUER).append('\n')
                    .append("    rootcertbundle: ").append(dir.resolve("token-signer.crt").toAbsolutePath()).append('\n');
        }
        return c.toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code 127.0.0.1:PORT}, the registry's host in image references. */
    public String host() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Setup setup() {
        return setup;
    }

    public TestPki pki() {
        return pki;
    }

    public TokenServer tokens() {
        return tokens;
    }

    public Path storage() {
        return dir.resolve("storage");
    }

    /** The registry's log (errors only), for failure messages. */
    public String log() throws IOException {
        Path log = dir.resolve("registry.log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    @Override
    public void close() {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        if (tokens != null) {
            tokens.close();
        }
    }
}
