package io.cargohold.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.WrittenLayout;
import io.cargohold.testkit.registry.RegistryServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** login/logout, copy to and from docker:// with the registry options, ls-tags and inspect, against a basic-auth registry. */
class RegistryCommandsTest {
    @TempDir
    static Path dir;
    static RegistryServer registry;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws IOException {
        registry = RegistryServer.start(dir.resolve("registry"), RegistryServer.Setup.basicAuth());
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void loginCopyListInspectLogout() throws IOException {
        Cli cli = new Cli(tmp.resolve("store"));
        String host = registry.host();
        WrittenLayout w = TestImages.small(tmp.resolve("layout"));
        String digest = w.ref("latest").digest();
        String image = "docker://" + host + "/cli/app:v1";

        // anonymous: the registry refuses (exit 7, the registry's words)
        cli.run("copy", "--dest-tls-verify=false", "--retry-times", "0", "oci:" + w.dir() + ":latest", image)
                .fails(7, "unauthorized: authentication required");
        cli.run("login", "--tls-verify=false", "-u", RegistryServer.USER, "-p", "wrong", host).fails(7, "unauthorized");
        Cli.Result login = cli.withStdin(RegistryServer.PASSWORD.getBytes(StandardCharsets.UTF_8), "login", "--tls-verify=false", "-u",
                RegistryServer.USER, "--password-stdin", host).ok();
        assertEquals("Login Succeeded!\n", login.out());
        Path authFile = Path.of(cli.env.get("HOME"), ".config/containers/auth.json");
        assertTrue(Files.readString(authFile).contains(host), Files.readString(authFile));

        Path digestFile = tmp.resolve("digest");
        JsonNode pushed = cli.run("copy", "--json", "--dest-tls-verify=false", "--digestfile", digestFile.toString(),
                "oci:" + w.dir() + ":latest", image).ok().json();
        assertEquals(digest, pushed.get("digest").asText());
        assertEquals(digest, Files.readString(digestFile));

        JsonNode tags = cli.run("ls-tags", "--tls-verify=false", "docker://" + host + "/cli/app").ok().json();
        assertEquals(host + "/cli/app", tags.get("Repository").asText());
        assertEquals("v1", tags.get("Tags").get(0).asText());
        cli.run("ls-tags", "--tls-verify=false", "docker://" + host + "/cli/app:v1").fails(2, "tag or digest are not supported");

        JsonNode in = cli.run("inspect", "--tls-verify=false", image).ok().json();
        assertEquals(digest, in.get("Digest").asText());
        assertEquals(host + "/cli/app", in.get("Name").asText());
        assertEquals(w.ref("latest").image().layers().size(), in.get("Layers").size());
        String raw = cli.run("inspect", "--tls-verify=false", "--raw", image).ok().out();
        assertEquals(Files.readString(w.blobPath(digest)), raw);

        JsonNode pulled = cli.run("copy", "--json", "--src-tls-verify=false", image, "cargohold:app:v1").ok().json();
        assertEquals(digest, pulled.get("digest").asText());
        JsonNode again = cli.run("copy", "--json", "--src-tls-verify=false", image, "cargohold:app:v1").ok().json();
        assertEquals(0, again.get("blobsCopied").asInt());

        cli.run("copy", "--src-tls-verify=false", "docker://" + host + "/cli/none:v1", "cargohold:none:v1").fails(3, "manifest unknown");

        assertEquals("Removed login credentials for " + host + "\n", cli.run("logout", host).ok().out());
        cli.run("logout", host).fails(3, "not logged into " + host);
        cli.run("inspect", "--tls-verify=false", "--retry-times", "0", image).fails(7, "unauthorized");
        // explicit credentials without the auth file
        cli.run("inspect", "--tls-verify=false", "--creds", RegistryServer.USER + ":" + RegistryServer.PASSWORD, image).ok();
    }

    /**
     * registries.conf's credential-helpers naming docker-credential-cli (a script of the test's on PATH): login stores
     * the credentials there (not in the auth file), a push finds them there, logout erases them.
     */
    @Test
    void credentialHelpersOfRegistriesConf() throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path keep = Files.createDirectories(tmp.resolve("keep"));
        io.cargohold.testkit.registry.CredentialHelperScript.install(bin, "cli");
        Path conf = tmp.resolve("registries.conf");
        Files.writeString(conf, "credential-helpers = [\"cli\"]\n");
        Path home = tmp.resolve("home");
        java.util.Map<String, String> env = java.util.Map.of("HOME", home.toString(), "PATH", bin + ":" + System.getenv("PATH"),
                "HELPER_STORE", keep.toString(), "CONTAINERS_REGISTRIES_CONF", conf.toString());
        String root = tmp.resolve("store").toString();
        String host = registry.host();
        WrittenLayout w = TestImages.small(tmp.resolve("layout"));
        String image = "docker://" + host + "/cli/helper:v1";

        Cli.raw(RegistryServer.PASSWORD.getBytes(StandardCharsets.UTF_8), env, "--root", root, "login", "--tls-verify=false", "-u",
                RegistryServer.USER, "--password-stdin", host).ok();
        Path key = keep.resolve(host.replace(':', '_'));
        assertTrue(Files.readString(key).contains("\"Username\":\"" + RegistryServer.USER + "\""), Files.readString(key));
        assertTrue(!Files.exists(home.resolve(".config/containers/auth.json")), "the auth file is not written");
        Cli.raw(new byte[0], env, "--root", root, "copy", "--dest-tls-verify=false", "oci:" + w.dir() + ":latest", image).ok();
        assertTrue(Files.readAllLines(keep.resolve("log")).contains("get " + host), Files.readAllLines(keep.resolve("log")).toString());
        assertEquals("Removed login credentials for " + host + "\n", Cli.raw(new byte[0], env, "--root", root, "logout", host).ok().out());
        assertTrue(!Files.exists(key), "erased from the helper");
        Cli.raw(new byte[0], env, "--root", root, "logout", host).fails(3, "not logged into " + host);
        Cli.raw(new byte[0], env, "--root", root, "inspect", "--tls-verify=false", "--retry-times", "0", image).fails(7, "unauthorized");
    }

    /** login without a password and no terminal: a clear usage error, nothing written. */
    @Test
    void loginWithoutAPasswordAndNoTerminalSaysWhatToGive() throws IOException {
        Cli cli = new Cli(tmp.resolve("store"));
        cli.run("login", "--tls-verify=false", "-u", RegistryServer.USER, registry.host())
                .fails(2, "no terminal to prompt on: give --password-stdin");
        cli.run("login", "--tls-verify=false", registry.host()).fails(2, "give --username and --password-stdin");
        cli.run("login", "--tls-verify=false", "--password-stdin", registry.host()).fails(2, "--password-stdin needs --username");
        assertTrue(!Files.exists(Path.of(cli.env.get("HOME"), ".config/containers/auth.json")));
        // --password-stdin takes the line without its line end (spaces inside and around are the password's)
        cli.withStdin((RegistryServer.PASSWORD + "\n").getBytes(StandardCharsets.UTF_8), "login", "--tls-verify=false", "-u",
                RegistryServer.USER, "--password-stdin", registry.host()).ok();
    }

    /**
     * login on a real terminal (a pty made by script(1)): the user name and the password are prompted for, the
     * password without echo, and the credentials checked and stored.
     */
    @Test
    void loginPromptsOnATerminal() throws Exception {
        Path authFile = tmp.resolve("auth.json");
        String javaBin = ProcessHandle.current().info().command().orElseThrow();
        String cmd = String.join(" ", javaBin, "--enable-native-access=ALL-UNNAMED", "-cp", quote(System.getProperty("java.class.path")),
                Main.class.getName(), "--root", quote(tmp.resolve("store").toString()), "login", "--tls-verify=false", "--authfile",
                quote(authFile.toString()), registry.host());
        ProcessBuilder pb = new ProcessBuilder("script", "-qefc", cmd, "/dev/null").redirectErrorStream(true);
        pb.environment().put("HOME", tmp.toString());
        Process p = pb.start();
        StringBuilder seen = new StringBuilder();
        try (var in = p.getInputStream(); var out = p.getOutputStream()) {
            waitFor(in, seen, "Username: ");
            out.write((RegistryServer.USER + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            waitFor(in, seen, "Password: ");
            out.write((RegistryServer.PASSWORD + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            waitFor(in, seen, "Login Succeeded!");
            assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), seen.toString());
        assertTrue(!seen.toString().contains(RegistryServer.PASSWORD), "the password was echoed: " + seen);
        String stored = Files.readString(authFile);
        assertTrue(stored.contains(registry.host()) && stored.contains(
                new io.cargohold.registry.Credentials(RegistryServer.USER, RegistryServer.PASSWORD).basicToken()), stored);
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** Reads the pty's output into {@code seen} until it holds {@code text} (fails after 120 s or at the end). */
    private static void waitFor(java.io.InputStream in, StringBuilder seen, String text) throws IOException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
        byte[] buf = new byte[4096];
        while (!seen.toString().contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no \"" + text + "\" on the terminal: " + seen);
            }
            int n = in.read(buf);
            if (n < 0) {
                throw new AssertionError("the terminal closed before \"" + text + "\": " + seen);
            }
            seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        }
    }

    /** referrers: an artifact pushed with a subject and the tag-schema index (distribution 2.8 has no referrers API). */
    @Test
    void referrersListsTheArtifactsOfAManifest() throws IOException {
        Cli cli = new Cli(tmp.resolve("store"));
        String host = registry.host();
        String creds = RegistryServer.USER + ":" + RegistryServer.PASSWORD;
        WrittenLayout w = TestImages.small(tmp.resolve("layout"));
        String image = "docker://" + host + "/cli/refd:v1";
        cli.run("copy", "--dest-tls-verify=false", "--dest-creds", creds, "oci:" + w.dir() + ":latest", image).ok();
        String subject = w.ref("latest").digest();
        long subjectSize = Files.size(w.blobPath(subject));

        assertEquals(host + "/cli/refd@" + subject + "\n", cli.run("referrers", "--tls-verify=false", "--creds", creds, image).ok().out());

        var options = io.cargohold.registry.RegistryOptions.defaults().withTlsVerify(false)
                .withCredentials(new io.cargohold.registry.Credentials(RegistryServer.USER, RegistryServer.PASSWORD))
                .withEnv(java.util.Map.of("HOME", tmp.toString()));
        String sbomDigest;
        long sbomSize;
        try (var c = io.cargohold.registry.RegistryClient.open(host, options)) {
            byte[] empty = "{}".getBytes(StandardCharsets.UTF_8);
            byte[] sbom = "{\"spdxVersion\":\"SPDX-2.3\"}".getBytes(StandardCharsets.UTF_8);
            c.upload("cli/refd", new java.io.ByteArrayInputStream(empty), io.cargohold.digest.Digest.sha256(empty), empty.length, null);
            c.upload("cli/refd", new java.io.ByteArrayInputStream(sbom), io.cargohold.digest.Digest.sha256(sbom), sbom.length, null);
            String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                    + "\"artifactType\":\"application/spdx+json\",\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\","
                    + "\"digest\":\"" + io.cargohold.digest.Digest.sha256(empty) + "\",\"size\":2},\"layers\":[{\"mediaType\":"
                    + "\"application/spdx+json\",\"digest\":\"" + io.cargohold.digest.Digest.sha256(sbom) + "\",\"size\":" + sbom.length
                    + "}],\"subject\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + subject
                    + "\",\"size\":" + subjectSize + "}}";
            byte[] mb = manifest.getBytes(StandardCharsets.UTF_8);
            sbomDigest = io.cargohold.digest.Digest.sha256(mb).toString();
            sbomSize = mb.length;
            c.putManifest("cli/refd", sbomDigest, io.cargohold.copy.RawManifest.of(mb, "application/vnd.oci.image.manifest.v1+json"));
            String index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{\"mediaType\":"
                    + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + sbomDigest + "\",\"size\":" + sbomSize
                    + ",\"artifactType\":\"application/spdx+json\"}]}";
            c.putManifest("cli/refd", "sha256-" + subject.substring(7),
                    io.cargohold.copy.RawManifest.of(index.getBytes(StandardCharsets.UTF_8), "application/vnd.oci.image.index.v1+json"));
        }
        assertEquals(host + "/cli/refd@" + subject + "\n└── application/spdx+json\n    └── " + sbomDigest + " (" + sbomSize + " bytes)\n",
                cli.run("referrers", "--tls-verify=false", "--creds", creds, image).ok().out());
        // by digest too, and as JSON (the index)
        JsonNode j = cli.run("referrers", "--tls-verify=false", "--creds", creds, "--json", "docker://" + host + "/cli/refd@" + subject).ok().json();
        assertEquals(sbomDigest, j.get("manifests").get(0).get("digest").asText());
        JsonNode none = cli.run("referrers", "--tls-verify=false", "--creds", creds, "--json", "--artifact-type", "application/other", image)
                .ok().json();
        assertEquals(0, none.get("manifests").size());
        cli.run("referrers", "--tls-verify=false", "--creds", creds, "oci:" + w.dir()).fails(2, "expected docker://");
        cli.run("referrers", "--tls-verify=false", "--creds", creds, "docker://" + host + "/cli/refd:nope").fails(3, "manifest unknown");
    }
}
