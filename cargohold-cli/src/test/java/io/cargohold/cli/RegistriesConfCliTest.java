package io.cargohold.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.WrittenLayout;
import io.cargohold.testkit.registry.RegistryServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI reads registries.conf from {@code $CONTAINERS_REGISTRIES_CONF} (as podman) for copy, inspect
 * and login: a prefix rewritten to a real docker-registry, {@code insecure = true} instead of
 * {@code --tls-verify=false}, an alias for a short name, and a blocked registry refused (exit 7).
 */
class RegistriesConfCliTest {
    @TempDir
    static Path dir;
    static RegistryServer registry;
    static String digest;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws IOException {
        registry = RegistryServer.start(dir.resolve("registry"), RegistryServer.Setup.plainHttp());
        WrittenLayout w = TestImages.small(dir.resolve("layout"), 91);
        digest = w.ref("latest").digest();
        Cli.raw(new byte[0], Map.of("HOME", dir.toString()), "--root", dir.resolve("store").toString(), "copy", "-q", "--dest-tls-verify=false",
                "oci:" + w.dir() + ":latest", "docker://" + registry.host() + "/lib/app:v1").ok();
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    private Map<String, String> env(String conf) throws IOException {
        Path f = tmp.resolve("registries.conf");
        Files.writeString(f, conf);
        Map<String, String> env = new HashMap<>();
        env.put("HOME", tmp.resolve("home").toString());
        env.put("CONTAINERS_REGISTRIES_CONF", f.toString());
        return env;
    }

    private Cli.Result cli(Map<String, String> env, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--root";
        all[1] = tmp.resolve("store").toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return Cli.raw("p\n".getBytes(StandardCharsets.UTF_8), env, all);
    }

    @Test
    void copyInspectAndLoginFollowTheFile() throws IOException {
        Map<String, String> env = env("""
                [aliases]
                "myapp" = "example.test/lib/app"
                [[registry]]
                prefix = "example.test/lib"
                location = "%s/lib"
                insecure = true
                [[registry]]
                location = "blocked.test"
                blocked = true
                """.formatted(registry.host()));
        // the name is rewritten to the registry's location, reached over plain HTTP because of insecure = true
        Cli.Result copied = cli(env, "copy", "--json", "docker://example.test/lib/app:v1", "oci:" + tmp.resolve("out") + ":x").ok();
        assertEquals(digest, copied.json().get("digest").asText());
        assertEquals("docker://example.test/lib/app:v1", copied.json().get("source").asText());
        assertEquals(digest, cli(env, "inspect", "--no-tags", "docker://example.test/lib/app:v1").ok().json().get("Digest").asText());
        // a short name through the alias, then the same rewrite
        assertEquals(digest, cli(env, "copy", "--json", "docker://myapp:v1", "oci:" + tmp.resolve("out2") + ":x").ok().json().get("digest").asText());
        // blocked: copy, inspect and login refused before any request
        cli(env, "copy", "docker://blocked.test/x:1", "oci:" + tmp.resolve("o3") + ":x").fails(7, "registry blocked.test is blocked in "
                + tmp.resolve("registries.conf"));
        cli(env, "login", "-u", "u", "--password-stdin", "blocked.test").fails(7, "registry blocked.test is blocked in");
        // login: insecure lets it use plain HTTP; without the file TLS is required
        Map<String, String> insecure = env("[[registry]]\nlocation = \"%s\"\ninsecure = true\n".formatted(registry.host()));
        assertEquals("Login Succeeded!\n", cli(insecure, "login", "-u", "u", "--password-stdin", registry.host()).ok().out());
        Map<String, String> none = env("");
        assertEquals(6, cli(none, "login", "--retry-times", "0", "-u", "u", "--password-stdin", registry.host()).code());
    }
}
