package io.cargohold.storage.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.storage.IdMap;
import io.cargohold.storage.StoreOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * storage.conf as containers/storage v1.43.0 reads it. The sample files are test resources:
 * {@code debian-usr-share-storage.conf} is Debian's /usr/share/containers/storage.conf from the
 * containers-storage 1.43.0+ds1-8 package (identical to its examples/storage.conf.gz);
 * {@code upstream-*.conf} are containers/storage v1.43.0's types/storage_test.conf,
 * storage_broken.conf and default_override_test.conf.
 */
class StorageConfigTest {
    @TempDir
    Path dir;

    private String resource(String name) throws IOException {
        try (InputStream in = getClass().getResourceAsStream(name)) {
            assertNotNull(in, name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        return p;
    }

    private ConfigHost host() {
        return ConfigHost.under(dir.resolve("host"));
    }

    private static List<String> warnings(StorageDefaults d, String level) {
        return d.log().stream().filter(l -> l.level().equals(level)).map(StorageDefaults.LogLine::message).toList();
    }

    private StorageDefaults root(Map<String, String> env) {
        return StorageConfig.load(env, 0, host());
    }

    @Test
    void debiansSystemFileIsReadInFull() throws Exception {
        List<String> undecoded = new ArrayList<>();
        TomlConfig c = StorageConfig.parse(resource("debian-usr-share-storage.conf"), undecoded);
        assertEquals(List.of(), undecoded);
        assertEquals("overlay", c.storage().driver());
        assertEquals("/run/containers/storage", c.storage().runRoot());
        assertEquals("/var/lib/containers/storage", c.storage().graphRoot());
        assertEquals(List.of(), c.storage().options().additionalImageStores());
        assertEquals(Map.of("enable_partial_images", "false", "use_hard_links", "false", "ostree_repos", ""),
                c.storage().options().pullOptions());
        assertEquals("nodev", c.storage().options().overlay().mountOpt());

        // as root with the file where Debian installs it: what upstream's binary prints for `--debug status` on Debian
        Path usr = host().defaultConfigFile();
        Files.createDirectories(usr.getParent());
        Files.writeString(usr, resource("debian-usr-share-storage.conf"));
        StorageDefaults d = root(Map.of());
        assertNull(d.error());
        assertEquals("/var/lib/containers/storage", d.graphRoot());
        assertEquals("/run/containers/storage", d.runRoot());
        assertEquals("overlay", d.driver());
        assertEquals(List.of("overlay.mountopt=nodev"), d.driverOptions());
        assertEquals("false", d.pullOptions().get("use_hard_links"));
        assertEquals(List.of(), d.log());
        assertEquals(List.of(new ConfFile(host().defaultOverrideConfigFile(), "system override", ConfFile.Status.ABSENT, ""),
                new ConfFile(usr, "system default", ConfFile.Status.LOADED, "")), d.files());
    }

    @Test
    void upstreamsBrokenFileWarnsAboutTheKeysNoFieldTakes() throws Exception {
        // types/options_test.go TestReloadConfigurationFile
        Path p = write("storage_broken.conf", resource("upstream-storage_broken.conf"));
        StorageDefaults d = StorageConfig.readFile(p, Map.of(), host());
        assertEquals("/run/containers/test", d.runRoot());
        assertEquals(List.of("Failed to decode the keys [\"foo\" \"storage.options.graphroot\"] from \"" + p + "\""), warnings(d, "warning"));
        assertEquals(List.of("The storage 'driver' option must be set in " + p + " to guarantee proper operation"), warnings(d, "error"));

        // unknown tables are listed with their keys, and a quoted key is quoted as Go's toml.Key does
        List<String> undecoded = new ArrayList<>();
        StorageConfig.parse("[storage]\ndriver = \"vfs\"\n[storage.zzz]\na = 1\n\"b c\" = 2\n[storage.options.vfs]\nx = 1\n", undecoded);
        assertEquals(List.of("storage.zzz", "storage.zzz.a", "storage.zzz.\"b c\"", "storage.options.vfs.x"), undecoded);
        // as BurntSushi/toml v1.2.0 (containers/storage v1.43.0's vendor tree, built with go1.19) prints these keys
        undecoded.clear();
        StorageConfig.parse("[storage]\n\"a\\u0001b\\u001fc\\u007fd\\ne\\tf\\\"g\\\\h\" = 1\n\"x.y\" = 2\nplain_key-1 = 3\n", undecoded);
        assertEquals(List.of("storage.\"a\\u0001b\\u001fc\\u007fd\\ne\\tf\\\"g\\\\h\"", "storage.\"x.y\"", "storage.plain_key-1"), undecoded);
    }

    @Test
    void upstreamsTestFileExpandsUidAndEnvironmentForRootless() throws Exception {
        // storage_test.conf's $HOME/$UID paths through the rootless resolution (TestGetRootlessStorageOpts2 and
        // defaultStoreOptionsIsolated's expansion)
        Path p = write("storage_test.conf", resource("upstream-storage_test.conf"));
        Map<String, String> env = Map.of("CONTAINERS_STORAGE_CONF", p.toString(), "HOME", "/nonexistent-home",
                "XDG_RUNTIME_DIR", dir.toString(), "XDG_DATA_HOME", dir.resolve("data").toString());
        StorageDefaults d = StorageConfig.load(env, 2000, host());
        assertNull(d.error(), () -> String.valueOf(d.error()));
        assertEquals("/nonexistent-home/2000/containers/storage", d.graphRoot());
        assertEquals("/nonexistent-home/2000/containers/storage", d.runRoot());
        assertEquals("/nonexistent-home/2000/containers/storage", d.rootlessStoragePath());
        assertEquals("", d.driver());
        // [storage.options.overlay] mountopt is only for overlay; driver "" gets none
        assertEquals(List.of(), d.driverOptions());
    }

    @Test
    void rootlessStoragePathIsTheRootlessGraphRoot() throws Exception {
        Path etc = host().defaultOverrideConfigFile();
        Files.createDirectories(etc.getParent());
        Files.writeString(etc, "[storage]\ndriver = \"overlay\"\nrootless_storage_path = \"/$HOME/$UID/containers/storage\"\n"
                + "[storage.options]\nignore_chown_errors = \"true\"\nmountopt = \"nodev\"\n");
        Map<String, String> env = Map.of("HOME", "/h", "XDG_CONFIG_HOME", dir.resolve("none").toString(), "XDG_RUNTIME_DIR",
                dir.toString());
        StorageDefaults d = StorageConfig.load(env, 2000, host());
        assertNull(d.error());
        assertEquals("/h/2000/containers/storage", d.graphRoot());
        assertEquals(dir.toRealPath().resolve("containers").toString(), d.runRoot());
        assertEquals("overlay", d.driver());
        // only ignore_chown_errors carries over from the system file (getRootlessStorageOpts)
        assertEquals(List.of("overlay.ignore_chown_errors=true"), d.driverOptions());
        assertTrue(d.files().stream().anyMatch(f -> f.path().equals(dir.resolve("none/containers/storage.conf"))
                && f.status() == ConfFile.Status.ABSENT), d.files().toString());
    }

    @Test
    void rootlessDriverIsTheSystemsOnlyWhenRootlessCapable() throws Exception {
        // types/options_test.go TestGetRootlessStorageOpts
        Map<String, String> expected = Map.of("btrfs", "btrfs", "overlay", "overlay", "overlay2", "overlay", "vfs", "vfs", "aufs", "vfs",
                "devmapper", "vfs", "zfs", "vfs");
        Path etc = host().defaultOverrideConfigFile();
        Files.createDirectories(etc.getParent());
        for (Map.Entry<String, String> e : expected.entrySet()) {
            Files.writeString(etc, "[storage]\ndriver = \"" + e.getKey() + "\"\n");
            Map<String, String> env = new HashMap<>(Map.of("HOME", dir.toString(), "XDG_CONFIG_HOME", dir.resolve("none").toString(),
                    "XDG_RUNTIME_DIR", dir.toString()));
            assertEquals(e.getValue(), StorageConfig.load(env, 1000, host()).driver(), e.getKey());
            for (String forced : List.of("btrfs", "zfs")) {
                env.put("STORAGE_DRIVER", forced);
                assertEquals(forced, StorageConfig.load(env, 1000, host()).driver(), "STORAGE_DRIVER=" + forced);
            }
        }
        // the rootless user's own file replaces the system's choice; a root it leaves out keeps the rootless default
        write("cfg/containers/storage.conf", "[storage]\ndriver = \"vfs\"\nrunroot = \"" + dir.resolve("userrun") + "\"\n");
        StorageDefaults d = StorageConfig.load(Map.of("HOME", dir.toString(), "XDG_CONFIG_HOME", dir.resolve("cfg").toString(),
                "XDG_RUNTIME_DIR", dir.toString(), "XDG_DATA_HOME", dir.resolve("data").toString()), 1000, host());
        assertEquals("vfs", d.driver());
        assertEquals(dir.resolve("userrun").toString(), d.runRoot());
        assertEquals(dir.resolve("data/containers/storage").toString(), d.graphRoot());
    }

    @Test
    void environmentPrecedence() throws Exception {
        Path usr = write("host/usr/share/containers/storage.conf", "[storage]\ndriver = \"vfs\"\ngraphroot = \"/usr-g\"\nrunroot = \"/usr-r\"\n");
        assertEquals("/usr-g", root(Map.of()).graphRoot());
        // /etc alone
        Files.delete(usr);
        write("host/etc/containers/storage.conf", "[storage]\ndriver = \"vfs\"\ngraphroot = \"/etc-g\"\n");
        StorageDefaults etc = root(Map.of());
        assertEquals("/etc-g", etc.graphRoot());
        assertEquals(host().defaultRunRoot(), etc.runRoot(), "a root the file leaves out is the built-in default");
        // $XDG_CONFIG_HOME's file beats /etc in loadDefaultStoreOptions
        write("xdg/containers/storage.conf", "[storage]\ndriver = \"vfs\"\ngraphroot = \"/xdg-g\"\n");
        assertEquals("/xdg-g", root(Map.of("XDG_CONFIG_HOME", dir.resolve("xdg").toString())).graphRoot());
        // ... but for root an existing /usr/share file is read again last and wins (upstream's DefaultConfigFile quirk)
        write("host/usr/share/containers/storage.conf", "[storage]\ndriver = \"vfs\"\ngraphroot = \"/usr-g\"\nrunroot = \"/usr-r\"\n");
        assertEquals("/usr-g", root(Map.of("XDG_CONFIG_HOME", dir.resolve("xdg").toString())).graphRoot());
        // a bad /usr/share file after a good /etc one: reported, and /etc's store used (upstream's GetStore falls back to it)
        Files.writeString(usr, "[storage]\nrunroot = 5\n");
        StorageDefaults fallback = root(Map.of());
        assertNull(fallback.error());
        assertEquals("/etc-g", fallback.graphRoot());
        assertTrue(warnings(fallback, "stdout").getFirst().startsWith("Failed to read " + usr + " toml: "), fallback.log().toString());
        // $CONTAINERS_STORAGE_CONF beats everything
        Path own = write("own.conf", "[storage]\ndriver = \"vfs\"\ngraphroot = \"/own-g\"\nrunroot = \"/own-r\"\n"
                + "[storage.options]\nadditionalimagestores = [\"/ro\"]\n");
        Map<String, String> env = new HashMap<>(Map.of("CONTAINERS_STORAGE_CONF", own.toString(), "XDG_CONFIG_HOME",
                dir.resolve("xdg").toString()));
        StorageDefaults d = root(env);
        assertEquals("/own-g", d.graphRoot());
        assertEquals(List.of("vfs.imagestore=/ro"), d.driverOptions());
        assertEquals(1, d.files().stream().filter(f -> f.status() == ConfFile.Status.LOADED).count(), d.files().toString());
        // STORAGE_DRIVER replaces the driver; the option prefix stays the configured... no: it takes the variable's name
        env.put("STORAGE_DRIVER", "overlay2");
        d = root(env);
        assertEquals("overlay", d.driver());
        assertEquals(List.of("overlay2.imagestore=/ro"), d.driverOptions(), "prefixed before overlay2 becomes overlay, as upstream");
        assertEquals(List.of("Switching default driver from overlay2 to the equivalent overlay driver"), warnings(d, "warning"));
        // STORAGE_OPTS, even empty, replaces the options
        env.remove("STORAGE_DRIVER");
        env.put("STORAGE_OPTS", "vfs.ignore_chown_errors=true,vfs.imagestore=/x");
        assertEquals(List.of("vfs.ignore_chown_errors=true", "vfs.imagestore=/x"), root(env).driverOptions());
        env.put("STORAGE_OPTS", "");
        assertEquals(List.of(), root(env).driverOptions());
        // a missing $CONTAINERS_STORAGE_CONF is an error
        StorageDefaults missing = root(Map.of("CONTAINERS_STORAGE_CONF", dir.resolve("none").toString()));
        assertEquals("stat " + dir.resolve("none") + ": no such file or directory", missing.error().getMessage());
        assertThrows(IOException.class, missing::orThrow);
    }

    @Test
    void pathsAreExpandedAndCleaned() throws Exception {
        Path real = Files.createDirectories(dir.resolve("real"));
        Files.createSymbolicLink(dir.resolve("link"), real);
        Path own = write("own.conf", "[storage]\ndriver = \"vfs\"\ngraphroot = \"${BASE}/link\"\nrunroot = \"$BASE//x/../run/$UID\"\n");
        StorageDefaults d = root(Map.of("CONTAINERS_STORAGE_CONF", own.toString(), "BASE", dir.toString()));
        assertEquals(real.toRealPath().toString(), d.graphRoot(), "symbolic links resolved");
        assertEquals(dir + "/run/0", d.runRoot(), "cleaned when it does not exist");
        assertEquals("a/b", GoEnv.expand("a/$NOPE/b", Map.of()).replace("//", "/"));
        assertEquals("$/x", GoEnv.expand("$/x", Map.of()));
        assertEquals("v-", GoEnv.expand("${A}-${}", Map.of("A", "v")));
    }

    @Test
    void driverOptionsFollowGetGraphDriverOptionsWithItsQuirks() throws Exception {
        String opts = """
                [storage.options]
                ignore_chown_errors = "true"
                mountopt = "nodev"
                size = "10G"
                force_mask = 0o700
                [storage.options.vfs]
                ignore_chown_errors = "false"
                """;
        Path vfs = write("vfs.conf", "[storage]\ndriver = \"vfs\"\n" + opts);
        // what upstream's binary prints for this file: ignore_chown_errors twice, force_mask in octal from ReloadConfigurationFile
        assertEquals(List.of("vfs.size=10G", "vfs.ignore_chown_errors=true", "vfs.force_mask=700", "vfs.mountopt=nodev",
                "vfs.ignore_chown_errors=false"), StorageConfig.readFile(vfs, Map.of(), host()).driverOptions());
        Path ov = write("ov.conf", "[storage]\ndriver = \"overlay\"\n" + opts + "[storage.options.overlay]\ninodes = \"5\"\n");
        assertEquals(List.of("overlay.size=10G", "overlay.ignore_chown_errors=true", "overlay.force_mask=700", "overlay.mountopt=nodev",
                        "overlay.ignore_chown_errors=true", "overlay.mountopt=nodev", "overlay.size=10G", "overlay.inodes=5",
                        "overlay.force_mask=-rwx------"),
                StorageConfig.readFile(ov, Map.of(), host()).driverOptions(), "the general force_mask as FileMode.String()");
        TomlConfig c = StorageConfig.parse("""
                [storage.options]
                mountopt = "m"
                size = "s"
                [storage.options.aufs]
                mountopt = "a"
                [storage.options.btrfs]
                min_space = "1G"
                [storage.options.thinpool]
                autoextend_percent = "20"
                log_level = "7"
                use_deferred_removal = "true"
                [storage.options.zfs]
                fsname = "tank"
                """, new ArrayList<>());
        assertEquals(List.of("aufs.mountopt=a"), StorageConfig.graphDriverOptions("aufs", c.storage().options()));
        assertEquals(List.of("btrfs.min_space=1G"), StorageConfig.graphDriverOptions("btrfs", c.storage().options()));
        assertEquals(List.of("dm.thinp_autoextend_percent=20", "dm.libdm_log_level=7", "devicemapper.mountopt=m", "devicemapper.size=s",
                "dm.use_deferred_removal=true"), StorageConfig.graphDriverOptions("devicemapper", c.storage().options()));
        assertEquals(List.of("zfs.fsname=tank", "zfs.mountopt=m", "zfs.size=s"), StorageConfig.graphDriverOptions("zfs",
                c.storage().options()));
        assertEquals("drwxr-xr-x", GraphDriverOptions.fileModeString(0x8000_0000L | 0755));
    }

    @Test
    void everyKeyOfStorageOptionsIsDecoded() throws Exception {
        List<String> undecoded = new ArrayList<>();
        TomlConfig c = StorageConfig.parse("""
                [storage]
                driver = "vfs"
                runroot = "/r"
                graphroot = "/g"
                rootless_storage_path = "/p"
                [storage.options]
                additionalimagestores = ["/a", "/b"]
                additionallayerstores = ["/l"]
                size = "1G"
                remap-uids = "0:100000:65536"
                remap-gids = "0:200000:65536"
                ignore_chown_errors = "true"
                force_mask = 0o755
                root-auto-userns-user = "containers"
                auto-userns-min-size = 1024
                auto-userns-max-size = 65536
                skip_mount_home = "true"
                mount_program = "/usr/bin/fuse-overlayfs"
                mountopt = "nodev"
                pull_options = {enable_partial_images = "true"}
                disable-volatile = true
                [storage.options.overlay]
                ignore_chown_errors = "false"
                mountopt = "nodev,metacopy=on"
                mount_program = "/bin/x"
                size = "2G"
                inodes = "100"
                skip_mount_home = "false"
                force_mask = "shared"
                [storage.options.thinpool]
                autoextend_percent = "20"
                autoextend_threshold = "80"
                basesize = "10G"
                blocksize = "64k"
                directlvm_device = "/dev/sdb"
                directlvm_device_force = "True"
                fs = "xfs"
                log_level = "7"
                metadatasize = "1G"
                min_free_space = "10%"
                mkfsarg = "-m"
                mountopt = "discard"
                size = "3G"
                use_deferred_deletion = "True"
                use_deferred_removal = "True"
                xfs_nospace_max_retries = "0"
                [storage.options.aufs]
                mountopt = "a"
                [storage.options.btrfs]
                min_space = "1G"
                size = "4G"
                [storage.options.zfs]
                mountopt = "z"
                fsname = "tank"
                size = "5G"
                """, undecoded);
        assertEquals(List.of(), undecoded);
        TomlConfig.OptionsConfig o = c.storage().options();
        assertEquals("/p", c.storage().rootlessStoragePath());
        assertEquals(List.of("/a", "/b"), o.additionalImageStores());
        assertEquals(0755, o.forceMask());
        assertEquals(1024, o.autoUsernsMinSize());
        assertEquals(65536, o.autoUsernsMaxSize());
        assertEquals("containers", o.rootAutoUsernsUser());
        assertTrue(o.disableVolatile());
        assertEquals("shared", o.overlay().forceMask());
        assertEquals("xfs", o.thinpool().fs());
        assertEquals("4G", o.btrfs().size());
        assertEquals("tank", o.zfs().fsName());
        Path p = write("all.conf", "[storage]\ndriver = \"vfs\"\n[storage.options]\nremap-uids = \"0:100000:65536\"\n"
                + "remap-gids = \"0:200000:65536:65536:300000:10\"\nauto-userns-max-size = 10\nroot-auto-userns-user = \"u\"\n"
                + "disable-volatile = true\n");
        StorageDefaults d = StorageConfig.readFile(p, Map.of(), host());
        assertEquals(List.of(new IdMap(0, 100000, 65536)), d.uidMap());
        assertEquals(List.of(new IdMap(0, 200000, 65536), new IdMap(65536, 300000, 10)), d.gidMap());
        assertEquals(10, d.autoNsMaxSize());
        assertEquals("u", d.rootAutoNsUser());
        assertTrue(d.disableVolatile());
    }

    private static String error(String text) {
        return assertThrows(InvalidArgumentException.class, () -> StorageConfig.parse(text, new ArrayList<>())).getMessage();
    }

    @Test
    void upstreamsErrorsForBadFiles() throws Exception {
        // each message is what upstream's binary prints (checked by hand with /usr/bin/containers-storage 1.43.0) without
        // BurntSushi's "line N" for decode errors: Jackson's tree has no positions (see TomlDecoder)
        String t = "TOML value has type ";
        assertEquals("toml: (last key \"storage.runroot\"): incompatible types: " + t + "int64; destination has type string",
                error("[storage]\nrunroot = 5\n"));
        assertEquals("toml: (last key \"storage.runroot\"): incompatible types: " + t + "[]interface {}; destination has type string",
                error("[storage]\nrunroot = [1]\n"));
        assertEquals("toml: (last key \"storage.runroot\"): incompatible types: " + t + "map[string]interface {}; destination has type string",
                error("[storage]\nrunroot = {a = 1}\n"));
        assertEquals("toml: (last key \"storage.runroot\"): incompatible types: " + t + "time.Time; destination has type string",
                error("[storage]\nrunroot = 1979-05-27T07:32:00Z\n"));
        assertEquals("toml: (last key \"storage.runroot\"): incompatible types: " + t + "float64; destination has type string",
                error("[storage]\nrunroot = 1.5\n"));
        assertEquals("toml: (last key \"storage.runroot\"): incompatible types: " + t + "bool; destination has type string",
                error("[storage]\nrunroot = true\n"));
        assertEquals("toml: (last key \"storage.options.additionalimagestores\"): incompatible types: " + t
                + "string; destination has type slice", error("[storage.options]\nadditionalimagestores = \"x\"\n"));
        assertEquals("toml: (last key \"storage.options.additionalimagestores\"): incompatible types: " + t
                + "int64; destination has type string", error("[storage.options]\nadditionalimagestores = [1]\n"));
        assertEquals("toml: (last key \"storage.options.pull_options.a\"): incompatible types: " + t + "int64; destination has type string",
                error("[storage.options]\npull_options = {a = 1}\n"));
        assertEquals("toml: (last key \"storage.options.disable-volatile\"): incompatible types: " + t
                + "string; destination has type boolean", error("[storage.options]\ndisable-volatile = \"x\"\n"));
        assertEquals("toml: (last key \"storage.options.force_mask\"): incompatible types: " + t + "string; destination has type integer",
                error("[storage.options]\nforce_mask = \"0700\"\n"));
        assertEquals("toml: (last key \"storage.options.auto-userns-max-size\"): incompatible types: " + t
                + "float64; destination has type integer", error("[storage.options]\nauto-userns-max-size = 1.5\n"));
        assertEquals("toml: (last key \"storage.options.auto-userns-min-size\"): -1 is out of range for uint32",
                error("[storage.options]\nauto-userns-min-size = -1\n"));
        assertEquals("toml: (last key \"storage.options.vfs\"): type mismatch for struct { config.VfsOptionsConfig }: expected table but "
                + "found string", error("[storage.options]\nvfs = \"x\"\n"));
        assertEquals("toml: (last key \"storage.options.overlay\"): type mismatch for struct { config.OverlayOptionsConfig }: expected "
                + "table but found []interface {}", error("[storage.options]\noverlay = []\n"));
        assertTrue(error("storage = 'x'\n").startsWith("toml: (last key \"storage\"): type mismatch for struct { Driver string "
                + "\"toml:\\\"driver,omitempty\\\"\"; RunRoot"), error("storage = 'x'\n"));
        assertTrue(error("[[storage]]\na = 1\n").endsWith("expected table but found []map[string]interface {}"),
                error("[[storage]]\na = 1\n"));
        // syntax errors: BurntSushi's "toml: line N: " with Jackson's description of the problem (upstream: "toml: line 2:
        // expected '.' or ']' to end table name, but got '\n' instead")
        assertTrue(error("[storage\ndriver = \"vfs\"\n").startsWith("toml: line 2: "), error("[storage\ndriver = \"vfs\"\n"));
        assertTrue(error("a = 1\na = 2\n").startsWith("toml: line 2: "));
        // what upstream accepts: a non-table pull_options is dropped, keys match case-insensitively
        TomlConfig c = StorageConfig.parse("[storage.options]\npull_options = \"x\"\nMountOpt = \"nodev\"\n[STORAGE]\nDriver = \"vfs\"\n",
                new ArrayList<>());
        assertNull(c.storage().options().pullOptions());
        assertEquals("nodev", c.storage().options().mountOpt());
        assertEquals("vfs", c.storage().driver());
    }

    @Test
    void aBadFileIsTheDefaultsError() throws Exception {
        Path bad = write("bad.conf", "[storage]\ndriver = \"vfs\"\nrunroot = 5\n");
        StorageDefaults d = root(Map.of("CONTAINERS_STORAGE_CONF", bad.toString()));
        assertEquals("toml: (last key \"storage.runroot\"): incompatible types: TOML value has type int64; destination has type string",
                d.error().getMessage());
        assertEquals(List.of("Failed to read " + bad + " " + d.error().getMessage()), warnings(d, "stdout"));
        assertEquals(ConfFile.Status.ERROR, d.files().getFirst().status());
        // a bad system file too (it is read when there is no override)
        write("host/usr/share/containers/storage.conf", "[storage\n");
        assertTrue(root(Map.of()).error().getMessage().startsWith("toml: line 2: "), root(Map.of()).error().getMessage());
        // ID maps
        Path uids = write("uids.conf", "[storage.options]\nremap-uids = \"0:1\"\n");
        assertEquals("initializing ID mappings: remap-uids setting is malformed expected [\"uint32:uint32:uint32\"]: [\"0:1\"]",
                root(Map.of("CONTAINERS_STORAGE_CONF", uids.toString())).error().getMessage());
        Path user = write("user.conf", "[storage.options]\nremap-user = \"nobody-here\"\n");
        write("host/etc/subuid", "someone:100000:65536\n");
        write("host/etc/subgid", "nobody-here:100000:65536\n");
        StorageDefaults u = root(Map.of("CONTAINERS_STORAGE_CONF", user.toString()));
        assertEquals("no subuid ranges found for user \"nobody-here\" in /etc/subuid", u.error().getMessage());
        assertEquals(List.of("Error initializing ID mappings for nobody-here:nobody-here " + u.error().getMessage()), warnings(u, "stdout")
                .subList(0, 1));
        write("host/etc/subuid", "nobody-here:100000:65536\n");
        assertNull(root(Map.of("CONTAINERS_STORAGE_CONF", user.toString())).error());
    }

    @Test
    void theLibrarysStoreOptionsComeFromTheDefaults() throws Exception {
        Path own = write("own.conf", "[storage]\ndriver = \"vfs\"\ngraphroot = \"g\"\nrunroot = \"" + dir.resolve("r") + "\"\n"
                + "[storage.options]\nadditionalimagestores = [\"" + dir.resolve("ro") + "\"]\nremap-uids = \"0:1000:10\"\n"
                + "[storage.options.vfs]\nignore_chown_errors = \"true\"\n");
        StoreOptions o = root(Map.of("CONTAINERS_STORAGE_CONF", own.toString())).toStoreOptions(dir);
        assertEquals(dir.resolve("g"), o.graphRoot(), "a relative root against the working directory");
        assertEquals(dir.resolve("r"), o.runRoot());
        assertEquals("vfs", o.driver());
        assertEquals(List.of(dir.resolve("ro")), o.imageStores());
        assertTrue(o.ignoreChownErrors());
        assertEquals(List.of(new IdMap(0, 1000, 10)), o.uidMap());
        Path mount = write("mount.conf", "[storage]\ndriver = \"vfs\"\ngraphroot = \"/g\"\nrunroot = \"/r\"\n[storage.options]\nmountopt = \"x\"\n");
        IOException e = assertThrows(IOException.class,
                () -> root(Map.of("CONTAINERS_STORAGE_CONF", mount.toString())).toStoreOptions(dir));
        assertEquals("vfs driver does not support mount options", e.getMessage());
    }

    /** Whole-line comments are blanked before the lexer, line breaks kept; what TOML refuses is left for it to refuse. */
    @Test
    void commentLinesAreBlankedKeepingLinesAndRefusals() throws Exception {
        assertEquals("\n\na = 1 # kept\n\r\nb = \"#x\"\n", TomlDecoder.blankCommentLines("# c1\n  # c2\na = 1 # kept\n#c3\r\nb = \"#x\"\n"));
        String multi = "a = \"\"\"\n# not a comment\n\"\"\"\n";
        assertEquals(multi, TomlDecoder.blankCommentLines(multi));
        String control = "# bad \u0001 comment\na = 1\n";
        assertEquals(control, TomlDecoder.blankCommentLines(control), "a comment TOML refuses is left for the parser to refuse");
        assertEquals("no comments\n", TomlDecoder.blankCommentLines("no comments\n"));
        // errors after comment lines keep their line numbers: the documents below, in tomlTreesAreThoseTheTomlMapperRead
    }

    /**
     * storage.conf is parsed with the TOML parser alone (no TomlMapper, whose ObjectMapper set-up every
     * start paid): the tree is the one TomlMapper.readTree gave, value types included, and a syntax error
     * is the same exception with the same message and position.
     */
    @Test
    void tomlTreesAreThoseTheTomlMapperRead() throws Exception {
        var mapper = com.fasterxml.jackson.dataformat.toml.TomlMapper.builder()
                .enable(com.fasterxml.jackson.dataformat.toml.TomlReadFeature.PARSE_JAVA_TIME).build();
        List<String> docs = new ArrayList<>(List.of(
                "",
                "# only a comment\n",
                "[storage]\ndriver = \"overlay\"\nrunroot = \"/run/containers/storage\"\n"
                        + "[storage.options]\nadditionalimagestores = [ \"/a\", \"/b\" ]\nsize = \"\"\nauto-userns-max-size = 65536\n"
                        + "[storage.options.overlay]\nmountopt = \"nodev,metacopy=on\"\n",
                "a = 1\nb = 9223372036854775807\nc = 3.25\nd = true\ne = 1979-05-27T07:32:00Z\nf = 1979-05-27\ng = 07:32:00\n"
                        + "h = 1979-05-27T07:32:00\ni = 0x10\nj = inf\nk = -0.0\nl = 1e300\nm = [1, \"x\", [true], {y = 2}]\n"
                        + "\"quoted key\" = '''literal\nstring'''\n[[t]]\nx = 1\n[[t]]\nx = 2\n[u.v.w]\nz = \"\"\"multi\nline\"\"\"\n",
                "n = 99999999999999999999\n",
                // errors after blanked comment lines (TomlDecoder.blankCommentLines), and a comment TOML refuses
                "# one\n# two\n[storage\n", "# one\n\n# three\na = = 1\n", "# c\r\nx = [1,\n# c\n2\n", "# bad \u0001 comment\na = 1\n"));
        for (String name : List.of("upstream-storage_broken.conf", "upstream-default_override_test.conf", "debian-usr-share-storage.conf",
                "upstream-storage_test.conf")) {
            try (InputStream in = StorageConfigTest.class.getResourceAsStream(name)) {
                docs.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        for (String doc : docs) {
            Object expected;
            try {
                expected = mapper.readTree(doc);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                expected = e.getClass() + " " + e.getMessage();
            }
            Object actual;
            try {
                actual = TomlDecoder.readTree(doc);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                actual = e.getClass() + " " + e.getMessage();
            }
            if (actual == null && expected instanceof com.fasterxml.jackson.databind.JsonNode n && (n.isMissingNode() || n.isEmpty())) {
                continue; // no token at all: decode() takes both for an empty document
            }
            assertEquals(expected, actual, doc);
            assertEquals(String.valueOf(expected), String.valueOf(actual), doc);
        }
        for (String bad : List.of("a = ", "a = 1\na = 2\n", "[x\n", "a = \"unterminated\n", "a = [1,\n", "= 1\n")) {
            var expected = assertThrows(com.fasterxml.jackson.core.JsonProcessingException.class, () -> mapper.readTree(bad));
            var actual = assertThrows(com.fasterxml.jackson.core.JsonProcessingException.class, () -> TomlDecoder.readTree(bad));
            assertEquals(expected.getClass(), actual.getClass(), bad);
            assertEquals(expected.getMessage(), actual.getMessage(), bad);
        }
    }
}
