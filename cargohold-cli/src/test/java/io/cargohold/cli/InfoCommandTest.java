package io.cargohold.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.storage.Store;
import io.cargohold.storage.StoreOptions;
import io.cargohold.storage.config.ConfigHost;
import io.cargohold.storage.config.StorageConfig;
import io.cargohold.testkit.images.TestImages;
import io.cargohold.testkit.images.WrittenLayout;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cargohold info}, and the one containers-storage default store that the library
 * ({@link StorageConfig}), {@code containers-storage} and {@code cargohold copy} resolve from the same
 * storage.conf and environment.
 */
class InfoCommandTest {
    @TempDir
    Path tmp;

    private Path conf(String text) throws IOException {
        Path p = tmp.resolve("storage.conf");
        Files.writeString(p, text.replace("@DIR@", tmp.toString()));
        return p;
    }

    private Map<String, String> env(Path conf) {
        Map<String, String> env = new HashMap<>();
        env.put("HOME", tmp.resolve("home").toString());
        env.put("XDG_RUNTIME_DIR", tmp.toString());
        env.put("XDG_DATA_HOME", tmp.resolve("data").toString());
        env.put("CONTAINERS_STORAGE_CONF", conf.toString());
        return env;
    }

    @Test
    void showsTheContentStoreRootAndWhereItCameFrom() throws IOException {
        Path conf = conf("[storage]\ndriver = \"vfs\"\ngraphroot = \"@DIR@/g\"\nrunroot = \"@DIR@/r\"\n");
        Map<String, String> env = env(conf);
        JsonNode j = Cli.raw(new byte[0], env, "info", "--json").ok().json();
        assertEquals(tmp.resolve("data/cargohold").toString(), j.at("/contentStore/root").asText());
        assertEquals("$XDG_DATA_HOME", j.at("/contentStore/from").asText());
        env.put("CARGOHOLD_ROOT", tmp.resolve("cr").toString());
        assertEquals("$CARGOHOLD_ROOT", Cli.raw(new byte[0], env, "info", "--json").ok().json().at("/contentStore/from").asText());
        JsonNode opt = Cli.raw(new byte[0], env, "--root", tmp.resolve("opt").toString(), "info", "--json").ok().json();
        assertEquals(tmp.resolve("opt").toString(), opt.at("/contentStore/root").asText());
        assertEquals("--root", opt.at("/contentStore/from").asText());
        assertTrue(Files.notExists(tmp.resolve("opt")), "info opens no store");
        // the registry auth files, as login and lookups use them
        assertEquals(tmp.resolve("containers/auth.json").toString(), j.at("/registry/authFile").asText());
        assertEquals("absent", j.at("/registry/authFiles/0/status").asText());
        Files.createDirectories(tmp.resolve("containers"));
        Files.writeString(tmp.resolve("containers/auth.json"), "{}");
        assertEquals("found", Cli.raw(new byte[0], env, "info", "--json").ok().json().at("/registry/authFiles/0/status").asText());
        env.put("REGISTRY_AUTH_FILE", tmp.resolve("a.json").toString());
        assertEquals(tmp.resolve("a.json").toString(), Cli.raw(new byte[0], env, "info", "--json").ok().json().at("/registry/authFile")
                .asText());
        env.remove("CARGOHOLD_ROOT");
        env.remove("XDG_DATA_HOME");
        assertEquals("$HOME", Cli.raw(new byte[0], env, "info", "--json").ok().json().at("/contentStore/from").asText());
    }

    @Test
    void showsTheRegistriesConfFilesRead() throws IOException {
        Path rc = tmp.resolve("registries.conf");
        Files.writeString(rc, "unqualified-search-registries = [\"one.example\"]\n[[registry]]\nlocation = \"one.example\"\nblocked = true\n"
                + "[[registry.mirror]]\nlocation = \"mirror.example\"\n");
        Map<String, String> env = env(conf("[storage]\ndriver = \"vfs\"\n"));
        env.put("CONTAINERS_REGISTRIES_CONF", rc.toString());
        JsonNode j = Cli.raw(new byte[0], env, "info", "--json").ok().json().at("/registry/registriesConf");
        assertEquals(rc.toString(), j.at("/files/0/path").asText());
        assertEquals("$CONTAINERS_REGISTRIES_CONF", j.at("/files/0/role").asText());
        assertEquals("loaded", j.at("/files/0/status").asText());
        assertEquals("one.example", j.at("/unqualifiedSearchRegistries/0").asText());
        assertTrue(j.at("/registries/0/blocked").asBoolean());
        assertEquals("mirror.example", j.at("/registries/0/mirrors/0/location").asText());
        String text = Cli.raw(new byte[0], env, "info").ok().out();
        assertTrue(text.contains("  registries.conf files:\n    loaded  " + rc + " ($CONTAINERS_REGISTRIES_CONF)\n"), text);
        assertTrue(text.contains("  registry:      one.example (blocked), mirror mirror.example\n"), text);
        // a bad file: info still works and says why
        Files.writeString(rc, "short-name-mode = \"sometimes\"\n");
        j = Cli.raw(new byte[0], env, "info", "--json").ok().json().at("/registry/registriesConf");
        assertEquals("error", j.at("/files/0/status").asText());
        assertEquals("loading registries configuration \"" + rc + "\": invalid short-name mode: \"sometimes\"", j.at("/error").asText());
        // and a docker:// copy fails with it before any request
        Cli.raw(new byte[0], env, "copy", "docker://one.example/x:1", "oci:" + tmp.resolve("o") + ":x").fails(2, "invalid short-name mode");
    }

    @Test
    void showsTheStorageConfFilesAndWhatCameOfThem() throws IOException {
        ConfigHost host = ConfigHost.under(tmp.resolve("host"));
        CliContext ctx = new CliContext(new ByteArrayInputStream(new byte[0]), System.out, System.err, Map.of("HOME", tmp.toString()));
        // root, no file anywhere: both system files absent, upstream's built-in roots
        Map<String, Object> none = io.cargohold.cli.cargohold.InfoAccess.collect(ctx, null, host, 0);
        String text = io.cargohold.cli.cargohold.InfoAccess.print(none);
        assertTrue(text.contains("  graph root:    " + host.defaultGraphRoot() + "\n"), text);
        assertTrue(text.contains("    absent  " + host.defaultOverrideConfigFile() + " (system override)\n"), text);
        assertTrue(text.contains("    absent  " + host.defaultConfigFile() + " (system default)\n"), text);
        // Debian's file where Debian puts it
        Files.createDirectories(host.defaultConfigFile().getParent());
        Files.writeString(host.defaultConfigFile(), "[storage]\ndriver = \"overlay\"\nrunroot = \"/run/containers/storage\"\n"
                + "graphroot = \"/var/lib/containers/storage\"\n[storage.options]\npull_options = {use_hard_links = \"false\"}\n"
                + "[storage.options.overlay]\nmountopt = \"nodev\"\nfoo = 1\n");
        text = io.cargohold.cli.cargohold.InfoAccess.print(io.cargohold.cli.cargohold.InfoAccess.collect(ctx, null, host, 0));
        assertTrue(text.contains("  driver:        overlay\n  graph root:    /var/lib/containers/storage\n"
                + "  run root:      /run/containers/storage\n  options:       overlay.mountopt=nodev\n"
                + "  pull options:  use_hard_links=false\n"), text);
        assertTrue(text.contains("    loaded  " + host.defaultConfigFile() + " (system default)\n"), text);
        assertTrue(text.contains("  warning: Failed to decode the keys [\"storage.options.overlay.foo\"] from \"" + host.defaultConfigFile()
                + "\"\n"), text);
        // a bad file: the error, and the file marked as such
        Files.writeString(host.defaultConfigFile(), "[storage]\nrunroot = 5\n");
        text = io.cargohold.cli.cargohold.InfoAccess.print(io.cargohold.cli.cargohold.InfoAccess.collect(ctx, null, host, 0));
        String err = "toml: (last key \"storage.runroot\"): incompatible types: TOML value has type int64; destination has type string";
        assertTrue(text.contains("  error:         " + err + "\n"), text);
        assertTrue(text.contains("    error   " + host.defaultConfigFile() + " (system default): " + err + "\n"), text);
    }

    private static Map<String, String> cstorageStatus(Map<String, String> env, Path cwd, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> argv = new java.util.ArrayList<>(List.of("--debug"));
        argv.addAll(List.of(args));
        int status = io.cargohold.cstorage.Main.run(new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env, cwd, argv, "containers-storage");
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8) + out.toString(StandardCharsets.UTF_8));
        Map<String, String> m = new HashMap<>();
        for (String l : err.toString(StandardCharsets.UTF_8).lines().toList()) {
            String msg = l.replaceFirst("^time=\"[^\"]*\" level=debug msg=\"(.*)\"$", "$1");
            int c = msg.indexOf(": ");
            if (c > 0 && !m.containsKey(msg.substring(0, c))) {
                m.put(msg.substring(0, c), msg.substring(c + 2));
            }
        }
        m.put("stdout", out.toString(StandardCharsets.UTF_8));
        return m;
    }

    @Test
    void theTwoClisAndTheLibraryResolveTheSameStoreFromTheSameFiles() throws IOException {
        Files.createDirectories(tmp.resolve("ro"));
        Path conf = conf("""
                [storage]
                driver = "vfs"
                graphroot = "@DIR@/graph"
                runroot = "@DIR@/run"
                [storage.options]
                additionalimagestores = ["@DIR@/ro"]
                [storage.options.vfs]
                ignore_chown_errors = "true"
                """);
        Map<String, String> env = env(conf);
        StoreOptions lib = StorageConfig.load(env, ConfigHost.REAL).toStoreOptions(tmp);
        assertEquals(tmp.resolve("graph"), lib.graphRoot());
        assertEquals(tmp.resolve("run"), lib.runRoot());
        assertEquals(List.of(tmp.resolve("ro")), lib.imageStores());
        assertTrue(lib.ignoreChownErrors());

        Map<String, String> cs = cstorageStatus(env, tmp, "status");
        assertEquals(lib.graphRoot().toString(), cs.get("Root"));
        assertEquals(lib.runRoot().toString(), cs.get("Run Root"));
        assertEquals(lib.driver(), cs.get("Driver Name"));
        assertEquals("[" + String.join(" ", lib.driverOptions()) + "]", cs.get("Driver Options"));

        JsonNode info = Cli.raw(new byte[0], env, "info", "--json").ok().json();
        assertEquals(lib.graphRoot().toString(), info.at("/containersStorage/graphRoot").asText());
        assertEquals(lib.runRoot().toString(), info.at("/containersStorage/runRoot").asText());
        assertEquals(lib.driver(), info.at("/containersStorage/driver").asText());
        assertEquals(lib.driverOptions(), Cli.JSON.convertValue(info.at("/containersStorage/driverOptions"), List.class));

        // cargohold copy's default containers-storage: store is that store: the image lands there, and
        // containers-storage lists it from the same file
        WrittenLayout w = TestImages.small(tmp.resolve("layout"));
        Cli.raw(new byte[0], env, "--root", tmp.resolve("content").toString(), "copy", "oci:" + w.dir() + ":latest",
                "containers-storage:example/app:1").ok();
        try (Store store = Store.open(lib)) {
            assertEquals(1, store.images().size());
            assertTrue(store.images().getFirst().names().contains("docker.io/example/app:1"), store.images().toString());
        }
        assertTrue(cstorageStatus(env, tmp, "images").get("stdout").contains("docker.io/example/app:1"));
    }

    @Test
    void aBrokenStorageConfFailsOnlyTheCopiesThatNeedTheDefaultStore() throws IOException {
        Path conf = conf("[storage]\ndriver = \"vfs\"\nrunroot = 5\n");
        Map<String, String> env = env(conf);
        WrittenLayout w = TestImages.small(tmp.resolve("layout"));
        Cli.raw(new byte[0], env, "--root", tmp.resolve("content").toString(), "copy", "oci:" + w.dir() + ":latest",
                "oci:" + tmp.resolve("out") + ":latest").ok();
        Cli.Result r = Cli.raw(new byte[0], env, "--root", tmp.resolve("content").toString(), "copy", "oci:" + w.dir() + ":latest",
                "containers-storage:example/app:1");
        assertTrue(r.code() != 0, r.toString());
        assertTrue(r.err().contains("the default containers-storage store (storage.conf): toml: (last key \"storage.runroot\")"), r.err());
    }
}
