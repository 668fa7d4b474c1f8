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
}
