package io.cargohold.storage.config;

import io.cargohold.text.GoStrings;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.storage.IdMap;
import io.cargohold.storage.StoreOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * storage.conf as containers/storage v1.43.0 reads it: the entry point library users call for the
 * default store ({@link #load()} then {@link StorageDefaults#toStoreOptions}), used by both CLIs.
 *
 * <p>Resolution ({@code types.DefaultStoreOptionsAutoDetectUID}, with the uid from
 * {@code $_CONTAINERS_ROOTLESS_UID} or the effective uid):
 * <ol>
 * <li>system defaults ({@code loadDefaultStoreOptions}): {@code $CONTAINERS_STORAGE_CONF} if set (it must
 * exist); else {@code $XDG_CONFIG_HOME/containers/storage.conf} if it exists, else
 * {@code /etc/containers/storage.conf} if it exists, else {@code /usr/share/containers/storage.conf} if it
 * exists; roots not set there are {@code /var/lib/containers/storage} and {@code /run/containers/storage};</li>
 * <li>for a non-root uid, the rootless defaults ({@code getRootlessStorageOpts}): run root under
 * {@code $XDG_RUNTIME_DIR} (else a per-user directory), graph root {@code rootless_storage_path} or
 * {@code $XDG_DATA_HOME/containers/storage} (else {@code ~/.local/share/…}), the system driver only if
 * it is btrfs/overlay/vfs, else vfs;</li>
 * <li>then the "user" file ({@code DefaultConfigFile}): {@code $CONTAINERS_STORAGE_CONF}, else for root
 * {@code /usr/share/containers/storage.conf}, else {@code $XDG_CONFIG_HOME/containers/storage.conf} or
 * {@code ~/.config/containers/storage.conf}; when it exists it replaces everything of step 1 and 2
 * (rootless: empty roots keep step 2's). Upstream's quirk is kept: for root, an existing
 * /usr/share/containers/storage.conf therefore wins over /etc and $XDG_CONFIG_HOME;</li>
 * <li>{@code $UID} and environment variables in the roots and {@code rootless_storage_path} expanded,
 * symbolic links resolved.</li>
 * </ol>
 * Inside each file read ({@code ReloadConfigurationFile}) {@code $STORAGE_DRIVER} replaces the driver,
 * {@code overlay2} becomes {@code overlay}, and {@code $STORAGE_OPTS} (set, even empty) replaces the
 * option strings.
 */
public final class StorageConfig {
    private static final String STORAGE_CONF_ENV = "CONTAINERS_STORAGE_CONF";

    private final Map<String, String> env;
    private final int uid;
    private final ConfigHost host;
    private final List<ConfFile> files = new ArrayList<>();
    private final List<StorageDefaults.LogLine> log = new ArrayList<>();
    /** ReloadConfigurationFileIfNeeded's one-entry cache: the same file again is not read (nor warned about) twice. */
    private Path lastFile;
    private Options lastOptions;

    private StorageConfig(Map<String, String> env, int uid, ConfigHost host) {
        this.env = env;
        this.uid = uid;
        this.host = host;
    }

    /** The defaults for this process: its environment, its uid ({@code $_CONTAINERS_ROOTLESS_UID} first), the host's files. */
    public static StorageDefaults load() {
        return load(System.getenv(), ConfigHost.REAL);
    }

    /** The defaults for the environment {@code env} and the host paths {@code host}, with this process's uid. */
    public static StorageDefaults load(Map<String, String> env, ConfigHost host) {
        return load(env, rootlessUid(env), host);
    }

    /** The defaults as upstream resolves them for {@code uid} (0: root) in the environment {@code env}. */
    public static StorageDefaults load(Map<String, String> env, int uid, ConfigHost host) {
        return new StorageConfig(env, uid, host).resolve();
    }

    /** The library's store options from the process's defaults ({@link #load()}), roots against the working directory. */
    public static StoreOptions defaultStoreOptions() throws IOException {
        return load().toStoreOptions(Path.of("").toAbsolutePath());
    }

    /** {@code getRootlessUID}: {@code $_CONTAINERS_ROOTLESS_UID} (Atoi, 0 when malformed), else the effective uid. */
    public static int rootlessUid(Map<String, String> env) {
        String u = env.getOrDefault("_CONTAINERS_ROOTLESS_UID", "");
        if (!u.isEmpty()) {
            try {
                return Integer.parseInt(u);
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        return processUid();
    }

    /** The process's uid (the owner of /proc/self), 0 when it cannot be told. */
    public static int processUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return 0;
        }
    }

    /**
     * One file read as upstream's {@code ReloadConfigurationFile} reads it, with this environment's
     * {@code STORAGE_DRIVER}/{@code STORAGE_OPTS}; the document itself is {@link #parse}.
     */
    public static StorageDefaults readFile(Path file, Map<String, String> env, ConfigHost host) throws IOException {
        StorageConfig c = new StorageConfig(env, 0, host);
        Options o = c.reload(file, "file");
        return c.result(o, null);
    }

    /**
     * The document {@code text} decoded into upstream's TomlConfig; {@code undecoded} receives the keys no
     * field takes (upstream warns "Failed to decode the keys …"). Errors are BurntSushi-shaped
     * ({@code toml: …}; see {@link TomlDecoder}).
     */
    public static TomlConfig parse(String text, List<String> undecoded) throws InvalidArgumentException {
        TomlDecoder.Decoded d = TomlDecoder.decode(text);
        undecoded.addAll(d.undecoded());
        return d.config();
    }

    /** The option strings upstream's {@code pkg/config.GetGraphDriverOptions} makes for {@code driver}. */
    public static List<String> graphDriverOptions(String driver, TomlConfig.OptionsConfig o) {
        return GraphDriverOptions.of(driver, o);
    }

    // ---- upstream's StoreOptions while resolving

    private static final class Options {
        String runRoot = "";
        String graphRoot = "";
        String rootlessStoragePath = "";
        String driver = "";
        List<String> driverOptions = new ArrayList<>();
        List<IdMap> uidMap = List.of();
        List<IdMap> gidMap = List.of();
        String rootAutoNsUser = "";
        long autoNsMinSize;
        long autoNsMaxSize;
        Map<String, String> pullOptions;
        boolean disableVolatile;

        Options copy() {
            Options o = new Options();
            o.runRoot = runRoot;
            o.graphRoot = graphRoot;
            o.rootlessStoragePath = rootlessStoragePath;
            o.driver = driver;
            o.driverOptions = new ArrayList<>(driverOptions);
            o.uidMap = uidMap;
            o.gidMap = gidMap;
            o.rootAutoNsUser = rootAutoNsUser;
            o.autoNsMinSize = autoNsMinSize;
            o.autoNsMaxSize = autoNsMaxSize;
            o.pullOptions = pullOptions;
            o.disableVolatile = disableVolatile;
            return o;
        }
    }

    private StorageDefaults result(Options o, IOException error) {
        return new StorageDefaults(o.runRoot, o.graphRoot, o.rootlessStoragePath, o.driver, o.driverOptions, o.uidMap, o.gidMap,
                o.rootAutoNsUser, o.autoNsMinSize, o.autoNsMaxSize, o.pullOptions, o.disableVolatile, files, log, error);
    }

    private StorageDefaults resolve() {
        boolean rootless = uid != 0;
        String storageConf;
        try {
            storageConf = defaultConfigFile(rootless);
        } catch (IOException e) {
            return result(new Options(), e);
        }
        // loadDefaultStoreOptions
        Options defaults;
        try {
            defaults = loadDefaults();
        } catch (IOException e) {
            return result(new Options(), e);
        }
        Options opts = defaults;
        try {
            if (rootless) {
                opts = rootlessOptions(defaults);
            }
            Path conf = Path.of(storageConf);
            boolean exists;
            try {
                Files.readAttributes(conf, PosixFileAttributes.class);
                exists = true;
            } catch (NoSuchFileException e) {
                exists = false;
            } catch (IOException e) {
                throw goError("stat " + storageConf, e);
            }
            if (exists) {
                String rootlessRun = opts.runRoot;
                String rootlessGraph = opts.graphRoot;
                Options user = new Options();
                try {
                    user = reload(conf, rootless ? "rootless user file" : "system default");
                } catch (IOException e) {
                    // upstream's reloadConfigurationFileIfNeeded ignores the error, keeping empty options
                }
                opts = user;
                if (rootless) {
                    if (opts.runRoot.isEmpty()) {
                        opts.runRoot = rootlessRun;
                    }
                    if (opts.graphRoot.isEmpty()) {
                        opts.graphRoot = opts.rootlessStoragePath.isEmpty() ? rootlessGraph : opts.rootlessStoragePath;
                    }
                }
            } else if (files.stream().noneMatch(f -> f.path().equals(conf))) {
                files.add(new ConfFile(conf, rootless ? "rootless user file" : "system default", ConfFile.Status.ABSENT, ""));
            }
            if (opts.runRoot.isEmpty() && opts.graphRoot.isEmpty() && opts.driver.isEmpty() && opts.driverOptions.isEmpty()) {
                // nothing at all (the user's file could not be read): GetStore then takes loadDefaultStoreOptions' options
                opts = defaults;
            }
            if (!opts.runRoot.isEmpty()) {
                opts.runRoot = expandEnvPath(opts.runRoot);
            }
            if (!opts.graphRoot.isEmpty()) {
                opts.graphRoot = expandEnvPath(opts.graphRoot);
            }
            if (!opts.rootlessStoragePath.isEmpty()) {
                opts.rootlessStoragePath = expandEnvPath(opts.rootlessStoragePath);
            }
            return result(opts, null);
        } catch (IOException e) {
            return result(opts, e);
        }
    }

    /** {@code DefaultConfigFile(rootless)}. */
    private String defaultConfigFile(boolean rootless) throws IOException {
        if (env.containsKey(STORAGE_CONF_ENV)) {
            return env.get(STORAGE_CONF_ENV);
        }
        if (!rootless) {
            return host.defaultConfigFile().toString();
        }
        String configHome = env.getOrDefault("XDG_CONFIG_HOME", "");
        if (!configHome.isEmpty()) {
            return Path.of(configHome, "containers/storage.conf").toString();
        }
        String home = home();
        if (home.isEmpty()) {
            throw new IOException("cannot determine user's homedir");
        }
        return Path.of(home, ".config/containers/storage.conf").toString();
    }

    /** {@code loadDefaultStoreOptions}. */
    private Options loadDefaults() throws IOException {
        Options o = new Options();
        setDefaults(o);
        if (env.containsKey(STORAGE_CONF_ENV)) {
            Path p = Path.of(env.get(STORAGE_CONF_ENV));
            o = reload(p, "$" + STORAGE_CONF_ENV);
            setDefaults(o);
            return o;
        }
        Path override = host.defaultOverrideConfigFile();
        String overrideRole = "system override";
        if (env.containsKey("XDG_CONFIG_HOME")) {
            Path home = Path.of(env.get("XDG_CONFIG_HOME"), "containers", "storage.conf");
            try {
                Files.readAttributes(home, PosixFileAttributes.class);
                override = home;
                overrideRole = "$XDG_CONFIG_HOME user file";
            } catch (NoSuchFileException e) {
                files.add(new ConfFile(home, "$XDG_CONFIG_HOME user file", ConfFile.Status.ABSENT, ""));
            } catch (IOException e) {
                throw goError("stat " + home, e);
            }
        }
        boolean overrideExists;
        try {
            Files.readAttributes(override, PosixFileAttributes.class);
            overrideExists = true;
        } catch (NoSuchFileException e) {
            overrideExists = false;
            files.add(new ConfFile(override, overrideRole, ConfFile.Status.ABSENT, ""));
        } catch (IOException e) {
            overrideExists = false;
            log.add(new StorageDefaults.LogLine("warning", "Attempting to use " + host.defaultConfigFile() + ", "
                    + goError("stat " + override, e).getMessage()));
        }
        if (overrideExists) {
            o = reload(override, overrideRole);
            setDefaults(o);
            return o;
        }
        try {
            o = reload(host.defaultConfigFile(), "system default");
        } catch (NotFoundException e) {
            // a missing system file is no error
        }
        setDefaults(o);
        return o;
    }

    private void setDefaults(Options o) {
        if (o.runRoot.isEmpty()) {
            o.runRoot = host.defaultRunRoot();
        }
        if (o.graphRoot.isEmpty()) {
            o.graphRoot = host.defaultGraphRoot();
        }
    }

    /** {@code ReloadConfigurationFile}, after the stat of ReloadConfigurationFileIfNeeded; records the file's fate. */
    private Options reload(Path file, String role) throws IOException {
        if (file.equals(lastFile)) {
            return lastOptions.copy();
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            files.add(new ConfFile(file, role, ConfFile.Status.ABSENT, ""));
            throw new NotFoundException("stat " + file + ": no such file or directory");
        } catch (IOException e) {
            IOException g = goError("open " + file, e);
            files.add(new ConfFile(file, role, ConfFile.Status.ERROR, g.getMessage()));
            throw g;
        }
        List<String> undecoded = new ArrayList<>();
        TomlConfig config;
        try {
            config = parse(text, undecoded);
        } catch (InvalidArgumentException e) {
            log.add(new StorageDefaults.LogLine("stdout", "Failed to read " + file + " " + e.getMessage()));
            files.add(new ConfFile(file, role, ConfFile.Status.ERROR, e.getMessage()));
            throw e;
        }
        if (!undecoded.isEmpty()) {
            log.add(new StorageDefaults.LogLine("warning", "Failed to decode the keys " + GoStrings.quote(undecoded) + " from "
                    + GoStrings.quote(file.toString())));
        }
        Options o;
        try {
            o = convert(file, config);
        } catch (IOException e) {
            files.add(new ConfFile(file, role, ConfFile.Status.ERROR, e.getMessage()));
            throw e;
        }
        files.add(new ConfFile(file, role, ConfFile.Status.LOADED, ""));
        lastFile = file;
        lastOptions = o.copy();
        return o;
    }

    /** The conversion part of {@code ReloadConfigurationFile}: the document into store options. */
    private Options convert(Path file, TomlConfig config) throws IOException {
        TomlConfig.Storage st = config.storage();
        TomlConfig.OptionsConfig c = st.options();
        Options o = new Options();
        String confDriver = st.driver();
        if (!confDriver.isEmpty()) {
            o.driver = confDriver;
        }
        String envDriver = env.getOrDefault("STORAGE_DRIVER", "");
        if (!envDriver.isEmpty()) {
            confDriver = envDriver;
            o.driver = confDriver;
        }
        if (o.driver.equals("overlay2")) {
            log.add(new StorageDefaults.LogLine("warning", "Switching default driver from overlay2 to the equivalent overlay driver"));
            o.driver = "overlay";
        }
        if (o.driver.isEmpty()) {
            log.add(new StorageDefaults.LogLine("error", "The storage 'driver' option must be set in " + file
                    + " to guarantee proper operation"));
        }
        o.runRoot = st.runRoot();
        o.graphRoot = st.graphRoot();
        o.rootlessStoragePath = st.rootlessStoragePath();
        // upstream prefixes these with the configured driver name before overlay2 becomes overlay
        for (String s : c.additionalImageStores()) {
            o.driverOptions.add(confDriver + ".imagestore=" + s);
        }
        for (String s : c.additionalLayerStores()) {
            o.driverOptions.add(confDriver + ".additionallayerstore=" + s);
        }
        if (!c.size().isEmpty()) {
            o.driverOptions.add(confDriver + ".size=" + c.size());
        }
        if (!c.mountProgram().isEmpty()) {
            o.driverOptions.add(confDriver + ".mount_program=" + c.mountProgram());
        }
        if (!c.skipMountHome().isEmpty()) {
            o.driverOptions.add(confDriver + ".skip_mount_home=" + c.skipMountHome());
        }
        if (!c.ignoreChownErrors().isEmpty()) {
            o.driverOptions.add(confDriver + ".ignore_chown_errors=" + c.ignoreChownErrors());
        }
        if (c.forceMask() != 0) {
            o.driverOptions.add(confDriver + ".force_mask=" + Long.toOctalString(c.forceMask()));
        }
        if (!c.mountOpt().isEmpty()) {
            o.driverOptions.add(confDriver + ".mountopt=" + c.mountOpt());
        }
        String remapUser = c.remapUser();
        String remapGroup = c.remapGroup();
        if (!remapUser.isEmpty() && remapGroup.isEmpty()) {
            remapGroup = remapUser;
        }
        if (!remapGroup.isEmpty() && remapUser.isEmpty()) {
            remapUser = remapGroup;
        }
        if (!remapUser.isEmpty()) {
            try {
                SubIds.mappings(remapUser, remapGroup, host.subuid(), host.subgid());
            } catch (IOException e) {
                log.add(new StorageDefaults.LogLine("stdout", "Error initializing ID mappings for " + remapUser + ":" + remapGroup + " "
                        + e.getMessage()));
                throw e;
            }
            // upstream then overwrites these maps with remap-uids/remap-gids, so the ranges found are not kept
        }
        o.uidMap = parseIdMap(c.remapUids(), "remap-uids");
        o.gidMap = parseIdMap(c.remapGids(), "remap-gids");
        o.rootAutoNsUser = c.rootAutoUsernsUser();
        o.autoNsMinSize = c.autoUsernsMinSize();
        o.autoNsMaxSize = c.autoUsernsMaxSize();
        o.pullOptions = c.pullOptions();
        o.disableVolatile = c.disableVolatile();
        o.driverOptions.addAll(GraphDriverOptions.of(o.driver, c));
        if (env.containsKey("STORAGE_OPTS")) {
            o.driverOptions = new ArrayList<>(Arrays.asList(env.get("STORAGE_OPTS").split(",", -1)));
        }
        if (o.driverOptions.size() == 1 && o.driverOptions.getFirst().isEmpty()) {
            o.driverOptions = new ArrayList<>();
        }
        return o;
    }

    /** {@code idtools.ParseIDMap([]string{spec}, setting)}. */
    static List<IdMap> parseIdMap(String spec, String setting) throws InvalidArgumentException {
        if (spec.isEmpty()) {
            return List.of();
        }
        InvalidArgumentException std = new InvalidArgumentException("initializing ID mappings: " + setting
                + " setting is malformed expected [\"uint32:uint32:uint32\"]: " + GoStrings.quote(List.of(spec)));
        String[] parts = spec.split(":", -1);
        if (parts.length % 3 != 0) {
            throw std;
        }
        List<IdMap> out = new ArrayList<>();
        for (int i = 0; i < parts.length; i += 3) {
            long[] v = new long[3];
            for (int j = 0; j < 3; j++) {
                try {
                    v[j] = Long.parseLong(parts[i + j]);
                } catch (NumberFormatException e) {
                    throw std;
                }
                if (v[j] < 0 || v[j] > 0xFFFF_FFFFL || parts[i + j].startsWith("+")) {
                    throw std;
                }
            }
            out.add(new IdMap(v[0], v[1], v[2]));
        }
        return List.copyOf(out);
    }

    /** {@code getRootlessStorageOpts}. */
    private Options rootlessOptions(Options system) throws IOException {
        Options o = new Options();
        String runtime = rootlessRuntimeDir();
        o.runRoot = runtime;
        o.pullOptions = system.pullOptions;
        if (!system.rootlessStoragePath.isEmpty()) {
            o.graphRoot = expandEnvPath(system.rootlessStoragePath);
        } else {
            o.graphRoot = Path.of(dataHome(), "containers", "storage").toString();
        }
        if (Set.of("btrfs", "overlay", "overlay2", "vfs").contains(system.driver)) {
            o.driver = system.driver;
        }
        String envDriver = env.getOrDefault("STORAGE_DRIVER", "");
        if (!envDriver.isEmpty()) {
            o.driver = envDriver;
        }
        if (o.driver.equals("overlay2")) {
            log.add(new StorageDefaults.LogLine("warning", "Switching default driver from overlay2 to the equivalent overlay driver"));
            o.driver = "overlay";
        }
        // defaultConfigFileSet is never true here (no SetDefaultConfigFilePath): only ignore_chown_errors carries over, for overlay
        if (o.driver.equals("overlay")) {
            for (String s : system.driverOptions) {
                if (s.contains("ignore_chown_errors")) {
                    o.driverOptions.add(s);
                    break;
                }
            }
        }
        if (o.driver.isEmpty()) {
            o.driver = "vfs";
        }
        String envOpts = env.getOrDefault("STORAGE_OPTS", "");
        if (!envOpts.isEmpty()) {
            o.driverOptions.addAll(Arrays.asList(envOpts.split(",", -1)));
        }
        return o;
    }

    /** {@code GetRootlessRuntimeDir}: the per-user runtime directory plus {@code containers}, created 0700 as upstream does. */
    private String rootlessRuntimeDir() throws IOException {
        String dir = rootlessRuntimeBase();
        Path p = Path.of(dir, "containers");
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new IOException("unable to make rootless runtime: " + goError("mkdir " + p, e).getMessage(), e);
        }
        return p.toString();
    }

    /** {@code getRootlessRuntimeDirIsolated}. */
    private String rootlessRuntimeBase() throws IOException {
        String xdg = env.getOrDefault("XDG_RUNTIME_DIR", "");
        if (!xdg.isEmpty()) {
            try {
                return Path.of(xdg).toRealPath().toString();
            } catch (IOException e) {
                // upstream falls through to the other candidates
            }
        }
        boolean readable;
        String init = "";
        try {
            init = Files.readString(host.procInitComm());
            readable = true;
        } catch (IOException e) {
            readable = false;
        }
        // upstream compares the file's content (with its newline) to "systemd", so this holds only when it cannot be read
        if (!readable || init.equals("systemd")) {
            Path runUser = host.runUserBase().resolve(Integer.toString(uid));
            if (ownedRuntimeDir(runUser)) {
                return runUser.toString();
            }
        }
        Path tmp = host.tmpDir().resolve("containers-user-" + uid);
        if (!Files.exists(tmp, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createDirectory(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                return tmp.toString();
            } catch (IOException e) {
                log.add(new StorageDefaults.LogLine("error", "Failed to create temp directory for user: " + goError("mkdir " + tmp, e)
                        .getMessage()));
            }
        } else if (ownedRuntimeDir(tmp)) {
            return tmp.toString();
        }
        String home = home();
        if (home.isEmpty()) {
            throw new IOException("neither XDG_RUNTIME_DIR nor temp dir nor HOME was set non-empty");
        }
        return Path.of(evalSymlinks(home), "rundir").toString();
    }

    /** {@code isRootlessRuntimeDirOwner}: owned by the process's uid, mode rwx for the owner and no rw for others. */
    private static boolean ownedRuntimeDir(Path dir) {
        try {
            PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            Object owner = Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            Set<PosixFilePermission> p = a.permissions();
            return (Integer) owner == processUid() && p.containsAll(Set.of(PosixFilePermission.OWNER_READ,
                    PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE))
                    && !p.contains(PosixFilePermission.GROUP_READ) && !p.contains(PosixFilePermission.GROUP_WRITE)
                    && !p.contains(PosixFilePermission.OTHERS_READ) && !p.contains(PosixFilePermission.OTHERS_WRITE);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** {@code homedir.GetDataHome} as getRootlessDirInfo uses it. */
    private String dataHome() throws IOException {
        String data = env.getOrDefault("XDG_DATA_HOME", "");
        if (!data.isEmpty()) {
            return data;
        }
        String home = home();
        if (home.isEmpty()) {
            throw new IOException("neither XDG_DATA_HOME nor HOME was set non-empty: could not get either XDG_DATA_HOME or HOME");
        }
        return Path.of(evalSymlinks(home), ".local", "share").toString();
    }

    /** {@code homedir.Get}: {@code $HOME} (upstream falls back to the passwd entry; so does {@code user.home}). */
    private String home() {
        String h = env.getOrDefault("HOME", "");
        return h.isEmpty() ? System.getProperty("user.home", "") : h;
    }

    private static String evalSymlinks(String p) throws IOException {
        try {
            return Path.of(p).toRealPath().toString();
        } catch (IOException e) {
            throw goError("lstat " + p, e);
        }
    }

    /** {@code expandEnvPath}: {@code $UID} replaced, then {@code os.ExpandEnv}, then symbolic links resolved (else cleaned). */
    String expandEnvPath(String path) {
        String p = GoEnv.expand(path.replace("$UID", Integer.toString(uid)), env);
        try {
            return Path.of(p).toRealPath().toString();
        } catch (IOException | java.nio.file.InvalidPathException e) {
            return GoEnv.clean(p);
        }
    }

    /** An I/O error in Go's {@code op path: reason} form. */
    static IOException goError(String op, IOException e) {
        String reason = switch (e) {
            case NoSuchFileException n -> "no such file or directory";
            case AccessDeniedException a -> "permission denied";
            case java.nio.file.NotDirectoryException n -> "not a directory";
            default -> e.getMessage() == null ? e.toString() : e.getMessage();
        };
        return e instanceof NoSuchFileException ? new NotFoundException(op + ": " + reason) : new IOException(op + ": " + reason, e);
    }
}
