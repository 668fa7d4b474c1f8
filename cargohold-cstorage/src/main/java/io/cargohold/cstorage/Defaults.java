package io.cargohold.cstorage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The store options upstream's CLI uses when no global option is given before the command
 * ({@code types.DefaultStoreOptionsAutoDetectUID}): {@code /var/lib/containers/storage} and
 * {@code /run/containers/storage} for root, overridden by {@code storage.conf}
 * ({@code $CONTAINERS_STORAGE_CONF}, else {@code /etc/containers/storage.conf}, else
 * {@code /usr/share/containers/storage.conf}), whose presence also enables the {@code STORAGE_DRIVER}
 * and {@code STORAGE_OPTS} variables. Only the part of storage.conf this tool can use is read
 * ({@code [storage]} driver, runroot, graphroot; {@code [storage.options]} additionalimagestores,
 * ignore_chown_errors, mountopt); the rest is ignored. Non-root users get upstream's rootless
 * locations ({@code $XDG_RUNTIME_DIR/containers}, {@code $XDG_DATA_HOME} or
 * {@code ~/.local/share/containers/storage}) and vfs.
 *
 * @param error set when upstream would fail to load the defaults (then GetStore reports it)
 */
record Defaults(String graphRoot, String runRoot, String driver, List<String> options, String error) {
    static Defaults load(Map<String, String> env) {
        return load(env, Host.REAL);
    }

    /** The defaults with the host's paths taken from {@code host} (tests: a temporary directory). */
    static Defaults load(Map<String, String> env, Host host) {
        String graph = host.graphRoot();
        String run = host.runRoot();
        String driver = "";
        List<String> opts = List.of();
        Path conf;
        String override = env.get("CONTAINERS_STORAGE_CONF");
        if (override != null) {
            conf = Path.of(override);
            if (!Files.exists(conf)) {
                return new Defaults("", "", "", List.of(), "stat " + override + ": no such file or directory");
            }
        } else {
            conf = null;
            String xdg = env.get("XDG_CONFIG_HOME");
            if (xdg != null && Files.exists(Path.of(xdg, "containers", "storage.conf"))) {
                conf = Path.of(xdg, "containers", "storage.conf");
            } else {
                for (Path p : host.storageConfs()) {
                    if (Files.exists(p)) {
                        conf = p;
                        break;
                    }
                }
            }
        }
        if (conf != null) {
            Conf c;
            try {
                c = Conf.read(conf);
            } catch (IOException | UncheckedIOException e) {
                return new Defaults("", "", "", List.of(), Main.message(e));
            }
            driver = c.driver;
            if (!env.getOrDefault("STORAGE_DRIVER", "").isEmpty()) {
                driver = env.get("STORAGE_DRIVER");
            }
            if (driver.equals("overlay2")) {
                driver = "overlay";
            }
            if (!c.runRoot.isEmpty()) {
                run = c.runRoot;
            }
            if (!c.graphRoot.isEmpty()) {
                graph = c.graphRoot;
            }
            List<String> o = new ArrayList<>();
            for (String s : c.imageStores) {
                o.add(c.driver + ".imagestore=" + s);
            }
            if (!c.ignoreChownErrors.isEmpty()) {
                o.add(c.driver + ".ignore_chown_errors=" + c.ignoreChownErrors);
            }
            if (!c.mountOpt.isEmpty()) {
                o.add(c.driver + ".mountopt=" + c.mountOpt);
            }
            String envOpts = env.get("STORAGE_OPTS");
            if (envOpts != null) {
                o = new ArrayList<>(Arrays.asList(envOpts.split(",", -1)));
            }
            if (o.size() == 1 && o.getFirst().isEmpty()) {
                o = List.of();
            }
            opts = List.copyOf(o);
        }
        if (uid() != 0) {
            // getRootlessStorageOpts: per-user locations, vfs unless configured or $STORAGE_DRIVER
            String runtime = env.getOrDefault("XDG_RUNTIME_DIR", "");
            if (runtime.isEmpty()) {
                Path user = host.runUser().resolve(Integer.toString(uid()));
                runtime = Files.isDirectory(user) ? user.toString()
                        : System.getProperty("java.io.tmpdir") + "/containers-user-" + uid();
            }
            run = runtime + "/containers";
            String data = env.getOrDefault("XDG_DATA_HOME", "");
            if (data.isEmpty()) {
                data = Main.Globals.home(env) + "/.local/share";
            }
            graph = data + "/containers/storage";
            if (!List.of("btrfs", "overlay", "overlay2", "vfs").contains(driver)) {
                driver = "";
            }
            if (!env.getOrDefault("STORAGE_DRIVER", "").isEmpty()) {
                driver = env.get("STORAGE_DRIVER");
            }
            if (driver.isEmpty()) {
                driver = "vfs";
            }
            if (!env.getOrDefault("STORAGE_OPTS", "").isEmpty()) {
                List<String> o = new ArrayList<>(opts);
                o.addAll(Arrays.asList(env.get("STORAGE_OPTS").split(",", -1)));
                opts = List.copyOf(o);
            }
        }
        return new Defaults(graph, run, driver, opts, null);
    }

    static int uid() {
        try {
            Object u = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return (Integer) u;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return 0;
        }
    }

    /** The few storage.conf keys used here, from a line-oriented reading of its TOML. */
    static final class Conf {
        String driver = "";
        String runRoot = "";
        String graphRoot = "";
        String ignoreChownErrors = "";
        String mountOpt = "";
        List<String> imageStores = new ArrayList<>();

        static Conf read(Path p) throws IOException {
            Conf c = new Conf();
            List<String> lines;
            try {
                lines = Files.readAllLines(p);
            } catch (NoSuchFileException e) {
                return c;
            }
            String table = "";
            for (int i = 0; i < lines.size(); i++) {
                String line = stripComment(lines.get(i)).strip();
                if (line.isEmpty()) {
                    continue;
                }
                if (line.startsWith("[")) {
                    table = line.replaceAll("[\\[\\]\\s\"]", "");
                    continue;
                }
                int eq = line.indexOf('=');
                if (eq < 0) {
                    continue;
                }
                String key = line.substring(0, eq).strip().replace("\"", "");
                StringBuilder value = new StringBuilder(line.substring(eq + 1).strip());
                if (value.toString().startsWith("[")) {
                    while (!value.toString().contains("]") && i + 1 < lines.size()) {
                        value.append(' ').append(stripComment(lines.get(++i)).strip());
                    }
                }
                String v = value.toString();
                switch (table + "." + key) {
                    case "storage.driver" -> c.driver = unquote(v);
                    case "storage.runroot" -> c.runRoot = unquote(v);
                    case "storage.graphroot" -> c.graphRoot = unquote(v);
                    case "storage.options.additionalimagestores" -> c.imageStores = array(v);
                    case "storage.options.ignore_chown_errors", "storage.options.vfs.ignore_chown_errors" ->
                            c.ignoreChownErrors = unquote(v);
                    case "storage.options.mountopt" -> c.mountOpt = unquote(v);
                    default -> {
                    }
                }
            }
            return c;
        }

        private static String stripComment(String l) {
            boolean q = false;
            for (int i = 0; i < l.length(); i++) {
                char ch = l.charAt(i);
                if (ch == '"' || ch == '\'') {
                    q = !q;
                } else if (ch == '#' && !q) {
                    return l.substring(0, i);
                }
            }
            return l;
        }

        private static String unquote(String v) {
            v = v.strip();
            if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
                return v.substring(1, v.length() - 1);
            }
            return v;
        }

        private static List<String> array(String v) {
            List<String> out = new ArrayList<>();
            String inner = v.strip();
            inner = inner.substring(1, Math.max(1, inner.lastIndexOf(']')));
            for (String s : inner.split(",")) {
                if (!s.isBlank()) {
                    out.add(unquote(s));
                }
            }
            return out;
        }
    }
}
