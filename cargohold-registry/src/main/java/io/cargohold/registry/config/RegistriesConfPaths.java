package io.cargohold.registry.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where registries.conf is looked for: upstream's {@code newConfigWrapper} inputs (containers/image v5.23,
 * Linux build) plus the short-name aliases file.
 *
 * @param systemFile   {@code /etc/containers/registries.conf}
 * @param systemDir    {@code /etc/containers/registries.conf.d}
 * @param home         the home directory ({@code homedir.Get()}: {@code $HOME}); the user's file is
 *                     {@code HOME/.config/containers/registries.conf} and its drop-ins
 *                     {@code HOME/.config/containers/registries.conf.d} (v5.23 does not read {@code $XDG_CONFIG_HOME} here)
 * @param override     the file named by {@code $CONTAINERS_REGISTRIES_CONF}, else {@code $REGISTRIES_CONFIG_PATH}
 *                     (what skopeo's and podman's {@code environment.UpdateRegistriesConf} put into
 *                     {@code SystemContext.SystemRegistriesConfPath}); null when neither is set
 * @param overrideFrom which variable gave {@code override}
 * @param aliasesFile  the machine-written short-name-aliases.conf: {@code /var/cache/containers/short-name-aliases.conf}
 *                     for root, else {@code $XDG_CACHE_HOME/containers/short-name-aliases.conf} ({@code ~/.cache} by default)
 */
public record RegistriesConfPaths(Path systemFile, Path systemDir, Path home, Path override, String overrideFrom, Path aliasesFile) {
    public static final String ENV = "CONTAINERS_REGISTRIES_CONF";
    public static final String LEGACY_ENV = "REGISTRIES_CONFIG_PATH";

    /** The paths for this environment on this machine. */
    public static RegistriesConfPaths of(Map<String, String> env) {
        return of(env, Path.of("/etc/containers/registries.conf"), Path.of("/etc/containers/registries.conf.d"), uid() == 0);
    }

    /** The same files below {@code root} ({@code root/etc/containers/…}), for tests; home and overrides from {@code env}. */
    public static RegistriesConfPaths under(Path root, Map<String, String> env) {
        return of(env, root.resolve("etc/containers/registries.conf"), root.resolve("etc/containers/registries.conf.d"), false);
    }

    private static RegistriesConfPaths of(Map<String, String> env, Path systemFile, Path systemDir, boolean root) {
        String h = env.get("HOME");
        Path home = Path.of(h == null || h.isEmpty() ? System.getProperty("user.home") : h);
        Path override = null;
        String from = null;
        if (env.containsKey(ENV)) {
            override = Path.of(env.get(ENV));
            from = "$" + ENV;
        } else if (env.containsKey(LEGACY_ENV)) {
            override = Path.of(env.get(LEGACY_ENV));
            from = "$" + LEGACY_ENV;
        }
        if (override != null && override.toString().isEmpty()) {
            override = null; // an empty value is "" in SystemRegistriesConfPath: not set
        }
        String cache = env.get("XDG_CACHE_HOME");
        Path aliases = root ? Path.of("/var/cache/containers/short-name-aliases.conf")
                : (cache == null || cache.isEmpty() ? home.resolve(".cache") : Path.of(cache)).resolve("containers/short-name-aliases.conf");
        return new RegistriesConfPaths(systemFile, systemDir, home, override, from, aliases);
    }

    /** This one with another short-name-aliases.conf (tests; {@code SystemContext.UserShortNameAliasConfPath}). */
    public RegistriesConfPaths withAliasesFile(Path f) {
        return new RegistriesConfPaths(systemFile, systemDir, home, override, overrideFrom, f);
    }

    public Path userFile() {
        return home.resolve(".config/containers/registries.conf");
    }

    public Path userDir() {
        return home.resolve(".config/containers/registries.conf.d");
    }

    /** Upstream's configWrapper: the main file, and the drop-in directories read after it (in order). */
    record Wrapper(Path configPath, String configRole, Path configDirPath, Path userConfigDirPath) {
    }

    Wrapper wrapper() {
        if (override != null) {
            return new Wrapper(override, overrideFrom, systemDir, userDir());
        }
        if (Files.exists(userFile())) {
            // a user registries.conf replaces the system's, and only the user's drop-ins are read
            return new Wrapper(userFile(), "user file", null, userDir());
        }
        return new Wrapper(systemFile, "system file", systemDir, userDir());
    }

    private static int uid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return -1;
        }
    }
}
