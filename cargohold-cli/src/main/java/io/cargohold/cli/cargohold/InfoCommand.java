package io.cargohold.cli.cargohold;

import io.cargohold.cli.CliContext;
import io.cargohold.cli.Output;
import io.cargohold.storage.IdMap;
import io.cargohold.storage.config.ConfFile;
import io.cargohold.storage.config.ConfigHost;
import io.cargohold.storage.config.StorageConfig;
import io.cargohold.storage.config.StorageDefaults;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cargohold info}: what was read from where. The content store's root and which of
 * {@code --root}, {@code $CARGOHOLD_ROOT}, {@code $XDG_DATA_HOME} or {@code $HOME} gave it; the
 * containers-storage defaults ({@code cargohold copy}'s default {@code containers-storage:} store, the same
 * {@code containers-storage} resolves) with every storage.conf file looked at and what came of it; the
 * registry auth file login writes and the files credentials are looked up in; the registries.conf files
 * read (and what they configure). Opens
 * no store and changes nothing (except that, as upstream, a rootless user's runtime directory is created
 * when it is looked for).
 */
@Command(name = "info", description = "Show the configuration in use and where it came from: the content store root (--root,"
        + " $CARGOHOLD_ROOT, $XDG_DATA_HOME or $HOME); the containers-storage defaults from storage.conf"
        + " ($CONTAINERS_STORAGE_CONF, $XDG_CONFIG_HOME, /etc/containers, /usr/share/containers; $STORAGE_DRIVER, $STORAGE_OPTS)"
        + " with each file found, absent or in error; and the registry auth file ($REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR,"
        + " ~/.config) with the files credentials come from; the registries.conf files read ($CONTAINERS_REGISTRIES_CONF,"
        + " ~/.config/containers, /etc/containers, registries.conf.d) and what they configure. Opens no store.")
final class InfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    private CliContext ctx() {
        return ((CargoholdCommand) spec.root().userObject()).context;
    }

    @Override
    public Integer call() throws IOException {
        CargoholdCommand top = (CargoholdCommand) spec.root().userObject();
        Map<String, Object> info = collect(ctx(), top.root, ConfigHost.REAL, StorageConfig.rootlessUid(ctx().env()));
        if (json) {
            Output.json(ctx().out(), info);
        } else {
            print(ctx().out(), info);
        }
        return 0;
    }

    /** What {@code info} shows, as the JSON document it prints with {@code --json}. */
    static Map<String, Object> collect(CliContext ctx, Path rootOption, ConfigHost host, int uid) throws IOException {
        return collect(ctx, rootOption, host, uid, io.cargohold.registry.config.RegistriesConfPaths.of(ctx.env()));
    }

    /** The same, with registries.conf looked for at {@code registries}. */
    static Map<String, Object> collect(CliContext ctx, Path rootOption, ConfigHost host, int uid,
                                       io.cargohold.registry.config.RegistriesConfPaths registries) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> content = new LinkedHashMap<>();
        content.put("root", ctx.storeRoot(rootOption).toString());
        content.put("from", ctx.storeRootSource(rootOption));
        m.put("contentStore", content);
        StorageDefaults d = StorageConfig.load(ctx.env(), uid, host);
        Map<String, Object> cs = new LinkedHashMap<>();
        cs.put("uid", uid);
        cs.put("driver", d.driver());
        cs.put("graphRoot", d.graphRoot());
        cs.put("runRoot", d.runRoot());
        cs.put("driverOptions", d.driverOptions());
        cs.put("rootlessStoragePath", d.rootlessStoragePath());
        cs.put("uidMap", maps(d.uidMap()));
        cs.put("gidMap", maps(d.gidMap()));
        cs.put("rootAutoUsernsUser", d.rootAutoNsUser());
        cs.put("autoUsernsMinSize", d.autoNsMinSize());
        cs.put("autoUsernsMaxSize", d.autoNsMaxSize());
        cs.put("pullOptions", d.pullOptions() == null ? Map.of() : new java.util.TreeMap<>(d.pullOptions()));
        cs.put("disableVolatile", d.disableVolatile());
        List<Map<String, Object>> files = new ArrayList<>();
        for (ConfFile f : d.files()) {
            Map<String, Object> fm = new LinkedHashMap<>();
            fm.put("path", f.path().toString());
            fm.put("role", f.role());
            fm.put("status", f.status().name().toLowerCase(java.util.Locale.ROOT));
            if (!f.detail().isEmpty()) {
                fm.put("error", f.detail());
            }
            files.add(fm);
        }
        cs.put("files", files);
        List<Map<String, Object>> log = new ArrayList<>();
        for (StorageDefaults.LogLine l : d.log()) {
            log.add(new LinkedHashMap<>(Map.of("level", l.level().equals("stdout") ? "error" : l.level(), "message", l.message())));
        }
        cs.put("messages", log);
        cs.put("error", d.error() == null ? null : d.error().getMessage());
        m.put("containersStorage", cs);
        Map<String, Object> reg = new LinkedHashMap<>();
        reg.put("authFile", io.cargohold.registry.AuthFile.defaultPath(ctx.env()).toString());
        List<Map<String, Object>> auth = new ArrayList<>();
        for (Path p : io.cargohold.registry.AuthFile.searchPath(ctx.env())) {
            auth.add(file(p));
        }
        reg.put("authFiles", auth);
        reg.put("registriesConf", registriesConf(registries));
        m.put("registry", reg);
        return m;
    }

    /** registries.conf: every file looked at, and what it configures (or the error). */
    private static Map<String, Object> registriesConf(io.cargohold.registry.config.RegistriesConfPaths paths) {
        var report = io.cargohold.registry.config.RegistriesConf.report(paths);
        Map<String, Object> rc = new LinkedHashMap<>();
        List<Map<String, Object>> files = new ArrayList<>();
        for (var f : report.files()) {
            Map<String, Object> fm = new LinkedHashMap<>();
            fm.put("path", f.path().toString());
            fm.put("role", f.role());
            fm.put("status", f.status());
            if (!f.detail().isEmpty()) {
                fm.put(f.status().equals("error") ? "error" : "warning", f.detail());
            }
            files.add(fm);
        }
        rc.put("files", files);
        rc.put("error", report.error() == null ? null : report.error().getMessage());
        var conf = report.conf();
        if (conf != null) {
            rc.put("unqualifiedSearchRegistries", conf.unqualifiedSearchRegistries());
            rc.put("shortNameMode", conf.shortNameMode().toString());
            rc.put("credentialHelpers", conf.credentialHelpers());
            rc.put("aliases", conf.aliases().size());
            List<Map<String, Object>> regs = new ArrayList<>();
            for (var r : conf.registries()) {
                Map<String, Object> rm = new LinkedHashMap<>();
                rm.put("prefix", r.prefix());
                rm.put("location", r.endpoint().location());
                rm.put("insecure", r.endpoint().insecure());
                rm.put("blocked", r.blocked());
                rm.put("mirrorByDigestOnly", r.mirrorByDigestOnly());
                List<Map<String, Object>> mirrors = new ArrayList<>();
                for (var e : r.mirrors()) {
                    Map<String, Object> mm = new LinkedHashMap<>();
                    mm.put("location", e.location());
                    mm.put("insecure", e.insecure());
                    mm.put("pullFromMirror", e.pullFromMirror());
                    mirrors.add(mm);
                }
                rm.put("mirrors", mirrors);
                regs.add(rm);
            }
            rc.put("registries", regs);
        }
        return rc;
    }

    private static Map<String, Object> file(Path p) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("path", p.toString());
        f.put("status", java.nio.file.Files.isRegularFile(p) ? "found" : java.nio.file.Files.exists(p) ? "not a file" : "absent");
        return f;
    }

    private static List<String> maps(List<IdMap> maps) {
        return maps.stream().map(x -> x.containerId() + ":" + x.hostId() + ":" + x.size()).toList();
    }

    @SuppressWarnings("unchecked")
    static void print(PrintStream out, Map<String, Object> info) {
        Map<String, Object> content = (Map<String, Object>) info.get("contentStore");
        Map<String, Object> cs = (Map<String, Object>) info.get("containersStorage");
        StringBuilder b = new StringBuilder();
        b.append("content store:\n");
        b.append("  root:          ").append(content.get("root")).append(" (from ").append(content.get("from")).append(")\n");
        b.append("containers-storage defaults (uid ").append(cs.get("uid")).append("):\n");
        if (cs.get("error") != null) {
            b.append("  error:         ").append(cs.get("error")).append('\n');
        } else {
            b.append("  driver:        ").append(cs.get("driver").toString().isEmpty() ? "(none: vfs)" : cs.get("driver")).append('\n');
            b.append("  graph root:    ").append(cs.get("graphRoot")).append('\n');
            b.append("  run root:      ").append(cs.get("runRoot")).append('\n');
            b.append("  options:       ").append(String.join(" ", (List<String>) cs.get("driverOptions"))).append('\n');
            if (!cs.get("rootlessStoragePath").toString().isEmpty()) {
                b.append("  rootless path: ").append(cs.get("rootlessStoragePath")).append('\n');
            }
            if (!((List<?>) cs.get("uidMap")).isEmpty() || !((List<?>) cs.get("gidMap")).isEmpty()) {
                b.append("  uid map:       ").append(String.join(",", (List<String>) cs.get("uidMap"))).append('\n');
                b.append("  gid map:       ").append(String.join(",", (List<String>) cs.get("gidMap"))).append('\n');
            }
            Map<String, String> pull = (Map<String, String>) cs.get("pullOptions");
            if (!pull.isEmpty()) {
                List<String> kv = new ArrayList<>();
                pull.forEach((k, v) -> kv.add(k + "=" + v));
                b.append("  pull options:  ").append(String.join(" ", kv)).append('\n');
            }
        }
        b.append("  storage.conf files:\n");
        for (Map<String, Object> f : (List<Map<String, Object>>) cs.get("files")) {
            b.append("    ").append(String.format("%-7s", f.get("status"))).append(' ').append(f.get("path")).append(" (")
                    .append(f.get("role")).append(')');
            if (f.containsKey("error")) {
                b.append(": ").append(f.get("error"));
            }
            b.append('\n');
        }
        for (Map<String, Object> l : (List<Map<String, Object>>) cs.get("messages")) {
            b.append("  ").append(l.get("level")).append(": ").append(l.get("message")).append('\n');
        }
        Map<String, Object> reg = (Map<String, Object>) info.get("registry");
        b.append("registries (docker://):\n");
        b.append("  auth file:     ").append(reg.get("authFile")).append(" (login writes here)\n");
        b.append("  credentials looked up in:\n");
        for (Map<String, Object> f : (List<Map<String, Object>>) reg.get("authFiles")) {
            b.append("    ").append(String.format("%-7s", f.get("status"))).append(' ').append(f.get("path")).append('\n');
        }
        Map<String, Object> rc = (Map<String, Object>) reg.get("registriesConf");
        b.append("  registries.conf files:\n");
        for (Map<String, Object> f : (List<Map<String, Object>>) rc.get("files")) {
            b.append("    ").append(String.format("%-7s", f.get("status"))).append(' ').append(f.get("path")).append(" (")
                    .append(f.get("role")).append(')');
            if (f.containsKey("error")) {
                b.append(": ").append(f.get("error"));
            } else if (f.containsKey("warning")) {
                b.append(": ").append(f.get("warning"));
            }
            b.append('\n');
        }
        if (rc.get("error") != null) {
            b.append("  registries.conf error: ").append(rc.get("error")).append('\n');
        } else {
            List<String> usr = (List<String>) rc.get("unqualifiedSearchRegistries");
            b.append("  search:        ").append(usr.isEmpty() ? "(none: short names without an alias mean docker.io)" : String.join(", ", usr))
                    .append(" (short-name-mode ").append(rc.get("shortNameMode")).append(", ").append(rc.get("aliases")).append(" aliases)\n");
            for (Map<String, Object> r : (List<Map<String, Object>>) rc.get("registries")) {
                b.append("  registry:      ").append(r.get("prefix"));
                if (!r.get("location").equals(r.get("prefix"))) {
                    b.append(" -> ").append(r.get("location"));
                }
                if (Boolean.TRUE.equals(r.get("blocked"))) {
                    b.append(" (blocked)");
                }
                if (Boolean.TRUE.equals(r.get("insecure"))) {
                    b.append(" (insecure)");
                }
                for (Map<String, Object> mm : (List<Map<String, Object>>) r.get("mirrors")) {
                    b.append(", mirror ").append(mm.get("location")).append(Boolean.TRUE.equals(mm.get("insecure")) ? " (insecure)" : "");
                }
                b.append('\n');
            }
        }
        out.print(b);
    }
}
