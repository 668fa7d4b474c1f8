package io.cargohold.registry.config;

import io.cargohold.copy.storage.DockerReference;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.text.GoStrings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * registries.conf (containers-registries.conf(5), v2 format, and the v1 format a main file may still use)
 * as containers/image v5.23's {@code pkg/sysregistriesv2} reads it: the main file ({@code
 * $CONTAINERS_REGISTRIES_CONF}, else {@code ~/.config/containers/registries.conf} when it exists, else
 * {@code /etc/containers/registries.conf}), then the {@code *.conf} drop-ins of
 * {@code /etc/containers/registries.conf.d} (not when the user's file is used) and
 * {@code ~/.config/containers/registries.conf.d}, in name order, each merged over the result: {@code
 * [[registry]]} tables by prefix, {@code [aliases]} by name, {@code unqualified-search-registries},
 * {@code credential-helpers} and {@code short-name-mode} replaced when a drop-in sets them. Errors carry
 * upstream's texts.
 *
 * <pre>{@code
 * RegistriesConf conf = RegistriesConf.load(RegistriesConfPaths.of(System.getenv()));
 * Registry r = conf.findRegistry("docker.io/library/alpine");   // null: no [[registry]] matches
 * }</pre>
 *
 * @param registries                  the {@code [[registry]]} tables, sorted by prefix, one per prefix
 * @param unqualifiedSearchRegistries {@code unqualified-search-registries} (empty when unset)
 * @param searchOrigin                the file that set them (the main file when none did; empty when no file existed)
 * @param credentialHelpers           {@code credential-helpers} ({@code containers-auth.json} by default)
 * @param shortNameMode               {@code short-name-mode} (permissive by default)
 * @param aliases                     the {@code [aliases]} of every file read, by short name (a null value: reset by a drop-in)
 * @param files                       every file and directory looked at, in order, and what came of it
 * @param configPath                  the main file (upstream's {@code ConfigPath})
 * @param configDirPath               the drop-in directory upstream names in messages ({@code ConfigDirPath})
 */
public record RegistriesConf(List<Registry> registries, List<String> unqualifiedSearchRegistries, String searchOrigin,
                             List<String> credentialHelpers, ShortNameMode shortNameMode, Map<String, Alias> aliases,
                             List<FileStatus> files, Path configPath, Path configDirPath) {
    private static final io.cargohold.logging.LazyLogger LOG = io.cargohold.logging.LazyLogger.of("io.cargohold.registry.config");
    public static final String AUTH_FILE_HELPER = "containers-auth.json";
    private static final Pattern ANCHORED_DOMAIN = Pattern.compile(
            "^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?$");

    public RegistriesConf {
        registries = List.copyOf(registries);
        unqualifiedSearchRegistries = List.copyOf(unqualifiedSearchRegistries);
        credentialHelpers = List.copyOf(credentialHelpers);
        aliases = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(aliases));
        files = List.copyOf(files);
    }

    /** {@code short-name-mode}. */
    public enum ShortNameMode {
        DISABLED, PERMISSIVE, ENFORCING;

        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * A short-name alias.
     *
     * @param value  the fully-qualified name (no tag, no digest), or null when a later file reset it with {@code ""}
     * @param origin the file it comes from
     */
    public record Alias(DockerReference value, String origin) {
    }

    /**
     * A file or directory the loading looked at.
     *
     * @param path   the file or directory
     * @param role   why it was looked at ({@code $CONTAINERS_REGISTRIES_CONF}, system file, user file, system drop-in, user drop-in…)
     * @param status {@code loaded}, {@code absent}, {@code error} or, for a directory, {@code dir}
     * @param detail the error's text for {@code error}; keys no field took ({@code Failed to decode keys …}), else empty
     */
    public record FileStatus(Path path, String role, String status, String detail) {
    }

    /** What loading gave: the configuration, or the error and the files looked at up to it. */
    public record Report(RegistriesConf conf, InvalidArgumentException error, List<FileStatus> files) {
    }

    // ------------------------------------------------------------------ lookups

    /**
     * Upstream's {@code FindRegistry}: the {@code [[registry]]} with the longest prefix matching {@code ref}
     * (a registry, a repository name or a full reference, always starting with the host), or null.
     */
    public Registry findRegistry(String ref) {
        Registry found = null;
        int len = 0;
        for (Registry r : registries) {
            if (refMatchingPrefix(ref, r.prefix()) != -1 && r.prefix().length() > len) {
                found = r;
                len = r.prefix().length();
            }
        }
        return found;
    }

    /**
     * The options for a request to {@code host} itself, as upstream's {@code newDockerClient} (login, and
     * every client): a blocked {@code [[registry]]} is refused, {@code insecure = true} turns TLS
     * verification off (plain HTTP allowed) unless {@code tlsVerify} says otherwise (an explicit
     * {@code --tls-verify}, null when not given); the file's {@code credential-helpers} ({@link #withHelpers}).
     */
    public io.cargohold.registry.RegistryOptions optionsFor(String host, io.cargohold.registry.RegistryOptions options, Boolean tlsVerify)
            throws io.cargohold.errors.PermissionDeniedException {
        Registry r = findRegistry(host);
        if (r != null && r.blocked()) {
            throw new io.cargohold.errors.PermissionDeniedException(blockedMessage(r));
        }
        return withHelpers(options).withTlsVerify(tlsVerify != null ? tlsVerify : !(r != null && r.endpoint().insecure()));
    }

    /** {@code options} with this file's {@code credential-helpers}, unless they name some already. */
    public io.cargohold.registry.RegistryOptions withHelpers(io.cargohold.registry.RegistryOptions options) {
        return options.credentialHelpers() != null ? options : options.withCredentialHelpers(credentialHelpers);
    }

    /** Upstream's message for a blocked registry. */
    public String blockedMessage(Registry r) {
        return "registry " + r.prefix() + " is blocked in " + configPath + " or " + configDirPath;
    }

    /** {@code ConfigurationSourceDescription}-like: the main file and the drop-in directories. */
    public String sources() {
        List<String> s = new ArrayList<>();
        for (FileStatus f : files) {
            if (f.status().equals("dir") || f.role().endsWith("file") || f.role().startsWith("$")) {
                s.add(f.path().toString());
            }
        }
        return String.join(", ", s);
    }

    static int refMatchingPrefix(String ref, String prefix) {
        if (prefix.startsWith("*.")) {
            String p = prefix.substring(1);
            int index = ref.indexOf(p);
            if (index == -1 || ref.substring(0, index).contains("/")) {
                return -1;
            }
            index += p.length();
            if (index == ref.length()) {
                return index;
            }
            char c = ref.charAt(index);
            return c == ':' || c == '/' || c == '@' ? index : -1;
        }
        if (ref.length() < prefix.length()) {
            return -1;
        }
        if (ref.length() == prefix.length()) {
            return ref.equals(prefix) ? prefix.length() : -1;
        }
        if (!ref.startsWith(prefix)) {
            return -1;
        }
        char c = ref.charAt(prefix.length());
        // upstream: this lets "example.com:5000" match "example.com", unintended but kept there
        return c == ':' || c == '/' || c == '@' ? prefix.length() : -1;
    }

    // ------------------------------------------------------------------ loading

    /** Loads the configuration; a bad file fails with upstream's message. */
    public static RegistriesConf load(RegistriesConfPaths paths) throws InvalidArgumentException {
        Report r = report(paths);
        if (r.error() != null) {
            throw r.error();
        }
        return r.conf();
    }

    /** Loads the configuration, keeping the error (for {@code cargohold info}). */
    public static Report report(RegistriesConfPaths paths) {
        List<FileStatus> files = new ArrayList<>();
        try {
            return new Report(loadInto(paths, files), null, files);
        } catch (InvalidArgumentException e) {
            return new Report(null, e, files);
        }
    }

    /** A mutable parsedConfig while files are merged. */
    private static final class Parsed {
        Map<String, Registry> registries = new TreeMap<>();
        List<String> search;
        String searchOrigin = "";
        List<String> credentialHelpers;
        ShortNameMode mode;
        Map<String, Alias> aliases = new TreeMap<>();
        List<String> undecoded = List.of();
    }

    private static RegistriesConf loadInto(RegistriesConfPaths paths, List<FileStatus> files) throws InvalidArgumentException {
        RegistriesConfPaths.Wrapper w = paths.wrapper();
        Parsed config;
        try {
            config = loadFile(w.configPath(), false);
            files.add(new FileStatus(w.configPath(), w.configRole(), "loaded", undecoded(w.configPath(), config)));
        } catch (NoSuchFileException e) {
            if (paths.override() != null) {
                String m = "loading registries configuration " + GoStrings.quote(w.configPath().toString()) + ": open " + w.configPath()
                        + ": no such file or directory";
                files.add(new FileStatus(w.configPath(), w.configRole(), "error", m));
                throw new InvalidArgumentException(m);
            }
            files.add(new FileStatus(w.configPath(), w.configRole(), "absent", ""));
            config = new Parsed();
        } catch (IOException e) {
            String m = "loading registries configuration " + GoStrings.quote(w.configPath().toString()) + ": " + message(e, w.configPath());
            files.add(new FileStatus(w.configPath(), w.configRole(), "error", m));
            throw new InvalidArgumentException(m, e);
        }
        for (Path dir : new Path[] {w.configDirPath(), w.userConfigDirPath()}) {
            if (dir == null) {
                continue;
            }
            String role = dir.equals(w.userConfigDirPath()) ? "user drop-in" : "system drop-in";
            List<Path> dropIns = new ArrayList<>();
            if (Files.isDirectory(dir)) {
                files.add(new FileStatus(dir, role + " directory", "dir", ""));
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                    for (Path p : ds) {
                        if (p.getFileName().toString().endsWith(".conf") && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                            dropIns.add(p);
                        }
                    }
                } catch (IOException e) {
                    throw new InvalidArgumentException("reading registries.conf.d: " + message(e, dir), e);
                }
            } else {
                files.add(new FileStatus(dir, role + " directory", "absent", ""));
            }
            dropIns.sort(null); // WalkDir's lexical order
            for (Path p : dropIns) {
                try {
                    Parsed dropIn = loadFile(p, true);
                    merge(config, dropIn);
                    files.add(new FileStatus(p, role, "loaded", undecoded(p, dropIn)));
                } catch (IOException e) {
                    String m = "loading drop-in registries configuration " + GoStrings.quote(p.toString()) + ": " + message(e, p);
                    files.add(new FileStatus(p, role, "error", m));
                    throw new InvalidArgumentException(m, e);
                }
            }
        }
        ShortNameMode mode = config.mode == null ? ShortNameMode.PERMISSIVE : config.mode;
        List<String> helpers = config.credentialHelpers == null || config.credentialHelpers.isEmpty() ? List.of(AUTH_FILE_HELPER)
                : config.credentialHelpers;
        Path dirForMessages = w.userConfigDirPath() != null ? w.userConfigDirPath() : w.configDirPath();
        return new RegistriesConf(new ArrayList<>(config.registries.values()), config.search == null ? List.of() : config.search,
                config.searchOrigin, helpers, mode, config.aliases, files, w.configPath(), dirForMessages);
    }

    private static String undecoded(Path p, Parsed parsed) {
        List<String> keys = parsed.undecoded;
        if (keys.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder("Failed to decode keys [");
        for (int i = 0; i < keys.size(); i++) {
            b.append(i == 0 ? "" : " ").append(GoStrings.quote(keys.get(i)));
        }
        return b.append("] from ").append(GoStrings.quote(p.toString())).toString();
    }

    private static String message(Exception e, Path p) {
        if (e instanceof NoSuchFileException) {
            return "open " + p + ": no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "open " + p + ": permission denied";
        }
        return e.getMessage();
    }

    /** Upstream's {@code loadConfigFile}. */
    @SuppressWarnings("unchecked")
    private static Parsed loadFile(Path path, boolean forceV2) throws IOException, InvalidArgumentException {
        LOG.log(System.Logger.Level.DEBUG, "Loading registries configuration {0}", GoStrings.quote(path.toString()));
        if (Files.isDirectory(path)) {
            throw new IOException("read " + path + ": is a directory");
        }
        String text = Files.readString(path, StandardCharsets.UTF_8);
        RegistriesToml.Decoded d = RegistriesToml.decode(text, RegistriesToml.DOCUMENT);
        if (!d.undecoded().isEmpty()) {
            LOG.log(System.Logger.Level.DEBUG, "Failed to decode keys {0} from {1}", d.undecoded(), GoStrings.quote(path.toString()));
        }
        Map<String, Object> doc = d.fields();
        Map<String, Object> v1 = (Map<String, Object>) doc.getOrDefault("registries", Map.of());
        List<String> v1Search = v1List(v1, "search");
        List<String> v1Insecure = v1List(v1, "insecure");
        List<String> v1Block = v1List(v1, "block");
        List<Map<String, Object>> regTables = (List<Map<String, Object>>) doc.get("registry");
        List<String> search = (List<String>) doc.get("unqualified-search-registries");
        List<String> helpers = (List<String>) doc.get("credential-helpers");
        String modeText = (String) doc.getOrDefault("short-name-mode", "");
        Map<String, String> aliasTable = (Map<String, String>) doc.get("aliases");
        List<Registry> registries = new ArrayList<>();
        if (!v1Search.isEmpty() || !v1Insecure.isEmpty() || !v1Block.isEmpty()) {
            if (forceV2) {
                throw new InvalidArgumentException("registry must be in v2 format but is in v1");
            }
            boolean v2 = regTables != null && !regTables.isEmpty() || search != null && !search.isEmpty()
                    || helpers != null && !helpers.isEmpty() || !modeText.isEmpty() || aliasTable != null && !aliasTable.isEmpty();
            if (v2) {
                throw new InvalidArgumentException("mixing sysregistry v1/v2 is not supported");
            }
            // ConvertToV2: one registry per location, in order of first mention (blocked first, then insecure)
            Map<String, boolean[]> flags = new LinkedHashMap<>();
            for (String b : v1Block) {
                flags.computeIfAbsent(parseLocation(b), k -> new boolean[2])[0] = true;
            }
            for (String i : v1Insecure) {
                flags.computeIfAbsent(parseLocation(i), k -> new boolean[2])[1] = true;
            }
            flags.forEach((loc, f) -> registries.add(new Registry(loc, new Endpoint(loc, f[1], ""), List.of(), f[0], false)));
            search = v1.containsKey("search") ? (List<String>) ((Map<String, Object>) v1.get("search")).get("registries") : null;
            aliasTable = null;
            modeText = "";
            helpers = null;
        } else if (regTables != null) {
            for (Map<String, Object> t : regTables) {
                List<Endpoint> mirrors = new ArrayList<>();
                for (Map<String, Object> m : (List<Map<String, Object>>) t.getOrDefault("mirror", List.of())) {
                    mirrors.add(new Endpoint((String) m.getOrDefault("location", ""), (Boolean) m.getOrDefault("insecure", false),
                            (String) m.getOrDefault("pull-from-mirror", "")));
                }
                registries.add(new Registry((String) t.getOrDefault("prefix", ""), new Endpoint((String) t.getOrDefault("location", ""),
                        (Boolean) t.getOrDefault("insecure", false), (String) t.getOrDefault("pull-from-mirror", "")), mirrors,
                        (Boolean) t.getOrDefault("blocked", false), (Boolean) t.getOrDefault("mirror-by-digest-only", false)));
            }
        }
        Parsed res = new Parsed();
        res.undecoded = d.undecoded();
        List<Registry> processed = postProcess(registries);
        for (Registry r : processed) {
            res.registries.put(r.prefix(), r);
        }
        if (search != null) {
            List<String> s = new ArrayList<>();
            for (String e : search) {
                String reg = parseLocation(e);
                if (!ANCHORED_DOMAIN.matcher(reg).matches()) {
                    throw new InvalidArgumentException("Invalid unqualified-search-registries entry " + GoStrings.quote(reg));
                }
                s.add(reg);
            }
            res.search = s;
        }
        res.searchOrigin = path.toString();
        res.credentialHelpers = helpers;
        if (!modeText.isEmpty()) {
            res.mode = switch (modeText) {
                case "disabled" -> ShortNameMode.DISABLED;
                case "enforcing" -> ShortNameMode.ENFORCING;
                case "permissive" -> ShortNameMode.PERMISSIVE;
                default -> throw new InvalidArgumentException("invalid short-name mode: " + GoStrings.quote(modeText));
            };
        }
        for (Registry r : processed) {
            if (r.prefix().startsWith("*.") && (r.prefix().contains("/") || r.prefix().contains("@") || r.prefix().contains(":"))) {
                throw new InvalidArgumentException("Wildcarded prefix should be in the format: *.example.com. Current prefix "
                        + GoStrings.quote(r.prefix()) + " is incorrectly formatted");
            }
        }
        try {
            res.aliases.putAll(aliases(path.toString(), aliasTable));
        } catch (InvalidArgumentException e) {
            throw new InvalidArgumentException("validating short-name aliases: " + e.getMessage(), e);
        }
        return res;
    }

    @SuppressWarnings("unchecked")
    private static List<String> v1List(Map<String, Object> v1, String key) {
        Map<String, Object> t = (Map<String, Object>) v1.get(key);
        List<String> l = t == null ? null : (List<String>) t.get("registries");
        return l == null ? List.of() : l;
    }

    /** Upstream's {@code parseLocation}: trailing slashes dropped, no URI scheme. */
    static String parseLocation(String input) throws InvalidArgumentException {
        String trimmed = input;
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        if (trimmed.startsWith("http://") || trimmed.startsWith("https://")) {
            throw new InvalidArgumentException("invalid location '" + input + "': URI schemes are not supported");
        }
        return trimmed;
    }

    /** Upstream's {@code postProcessRegistries} (without the search list, done by the caller). */
    private static List<Registry> postProcess(List<Registry> in) throws InvalidArgumentException {
        List<Registry> regs = new ArrayList<>();
        Map<String, List<Registry>> byLocation = new HashMap<>();
        for (Registry r : in) {
            String location = parseLocation(r.endpoint().location());
            String prefix = r.prefix();
            if (prefix.isEmpty()) {
                if (location.isEmpty()) {
                    throw new InvalidArgumentException("invalid condition: both location and prefix are unset");
                }
                prefix = location;
            } else {
                prefix = parseLocation(prefix);
                if (!prefix.startsWith("*.") && location.isEmpty()) {
                    throw new InvalidArgumentException("invalid condition: location is unset and prefix is not in the format: *.example.com");
                }
            }
            if (!r.endpoint().pullFromMirror().isEmpty()) {
                throw new InvalidArgumentException("pull-from-mirror must not be set for a non-mirror registry " + GoStrings.quote(prefix));
            }
            for (Endpoint m : r.mirrors()) {
                // upstream validates each mirror's location on a copy: the stored one keeps any trailing '/'
                String ml = parseLocation(m.location());
                if (ml.isEmpty()) {
                    throw new InvalidArgumentException("invalid condition: mirror location is unset");
                }
                if (r.mirrorByDigestOnly() && !m.pullFromMirror().isEmpty()) {
                    throw new InvalidArgumentException("cannot set mirror usage mirror-by-digest-only for the registry (" + GoStrings.quote(prefix)
                            + ") and pull-from-mirror for per-mirror (" + GoStrings.quote(ml) + ") at the same time");
                }
                String p = m.pullFromMirror();
                if (!p.isEmpty() && !p.equals(Endpoint.MIRROR_ALL) && !p.equals(Endpoint.MIRROR_BY_DIGEST_ONLY) && !p.equals(Endpoint.MIRROR_BY_TAG_ONLY)) {
                    throw new InvalidArgumentException("unsupported pull-from-mirror value " + GoStrings.quote(p) + " for mirror " + GoStrings.quote(ml));
                }
            }
            Registry done = new Registry(prefix, new Endpoint(location, r.endpoint().insecure(), ""), r.mirrors(), r.blocked(),
                    r.mirrorByDigestOnly());
            regs.add(done);
            byLocation.computeIfAbsent(location.isEmpty() ? prefix : location, k -> new ArrayList<>()).add(done);
        }
        for (Registry r : regs) {
            for (Registry other : byLocation.get(r.endpoint().location().isEmpty() ? r.prefix() : r.endpoint().location())) {
                if (r.endpoint().insecure() != other.endpoint().insecure()) {
                    throw new InvalidArgumentException("registry '" + r.endpoint().location()
                            + "' is defined multiple times with conflicting 'insecure' setting");
                }
                if (r.blocked() != other.blocked()) {
                    throw new InvalidArgumentException("registry '" + r.endpoint().location()
                            + "' is defined multiple times with conflicting 'blocked' setting");
                }
            }
        }
        // the first of several tables with one prefix wins; sorted by prefix
        Map<String, Registry> unique = new TreeMap<>();
        for (Registry r : regs) {
            unique.putIfAbsent(r.prefix(), r);
        }
        return new ArrayList<>(unique.values());
    }

    /** Upstream's {@code newShortNameAliasCache}: every bad entry reported, the last first. */
    static Map<String, Alias> aliases(String origin, Map<String, String> table) throws InvalidArgumentException {
        Map<String, Alias> out = new TreeMap<>();
        if (table == null) {
            return out;
        }
        List<String> errors = new ArrayList<>();
        for (Map.Entry<String, String> e : table.entrySet()) {
            try {
                ShortNames.validateShortName(e.getKey());
            } catch (InvalidArgumentException x) {
                errors.add(x.getMessage());
            }
            if (e.getValue().isEmpty()) {
                out.put(e.getKey(), new Alias(null, origin));
                continue;
            }
            try {
                out.put(e.getKey(), new Alias(ShortNames.parseShortNameValue(e.getValue()), origin));
            } catch (InvalidArgumentException x) {
                errors.add(x.getMessage());
            }
        }
        if (!errors.isEmpty()) {
            String m = errors.getFirst();
            for (int i = 1; i < errors.size(); i++) {
                m = errors.get(i) + "\n: " + m;
            }
            throw new InvalidArgumentException(m);
        }
        return out;
    }

    /** Upstream's {@code updateWithConfigurationFrom}. */
    private static void merge(Parsed c, Parsed updates) {
        c.registries.putAll(updates.registries);
        if (updates.search != null) {
            c.search = updates.search;
            c.searchOrigin = updates.searchOrigin;
        }
        if (updates.credentialHelpers != null) {
            c.credentialHelpers = updates.credentialHelpers;
        }
        if (updates.mode != null) {
            c.mode = updates.mode;
        }
        c.aliases.putAll(updates.aliases);
    }

    /** The machine-written short-name-aliases.conf ({@code loadShortNameAliasConf}); absent = none. */
    @SuppressWarnings("unchecked")
    static Map<String, Alias> loadAliasesFile(Path p) throws InvalidArgumentException {
        String text;
        try {
            text = Files.readString(p, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Map.of();
        } catch (IOException e) {
            throw new InvalidArgumentException("loading short-name aliases config file " + GoStrings.quote(p.toString()) + ": "
                    + message(e, p), e);
        }
        try {
            RegistriesToml.Decoded d = RegistriesToml.decode(text, RegistriesToml.ALIASES_DOCUMENT);
            return aliases(p.toString(), (Map<String, String>) d.fields().get("aliases"));
        } catch (InvalidArgumentException e) {
            throw new InvalidArgumentException("loading short-name aliases config file " + GoStrings.quote(p.toString()) + ": "
                    + e.getMessage(), e);
        }
    }
}
