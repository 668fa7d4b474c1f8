package io.cargohold.cli.cargohold;

import io.cargohold.cli.CliContext;
import io.cargohold.cli.ExitCodes;
import io.cargohold.cli.Output;
import io.cargohold.storage.Store;
import io.cargohold.storage.StoreOptions;
import io.cargohold.storage.check.CheckListener;
import io.cargohold.storage.check.CheckOptions;
import io.cargohold.storage.check.CheckReport;
import io.cargohold.storage.check.Finding;
import io.cargohold.storage.check.RepairOptions;
import io.cargohold.storage.check.RepairResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code cargohold fsck --storage}: the check (and repair) of a containers-storage store, with a
 * summary, {@code --json}, and a progress line on a terminal.
 */
final class StorageFsck {
    private final CliContext ctx;
    private final boolean json;
    private final boolean quick;
    private final boolean repair;
    private final boolean force;
    private final boolean resetMounts;

    StorageFsck(CliContext ctx, boolean json, boolean quick, boolean repair, boolean force, boolean resetMounts) {
        this.ctx = ctx;
        this.json = json;
        this.quick = quick;
        this.repair = repair;
        this.force = force;
        this.resetMounts = resetMounts;
    }

    int run(Path graph, Path run, String driver, List<Path> imageStores, String maxAge) throws IOException {
        Duration age;
        try {
            age = CheckOptions.parseDuration(maxAge);
        } catch (IllegalArgumentException e) {
            ctx.err().println("cargohold: --max-age: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        if (!StoreOptions.isSupportedDriver(driver)) {
            ctx.err().println("cargohold: --storage-driver " + driver + ": only vfs and overlay are supported");
            return ExitCodes.USAGE;
        }
        StoreOptions options = StoreOptions.of(graph != null ? graph : Path.of("/var/lib/containers/storage"),
                run != null ? run : Path.of("/run/containers/storage"), driver).withImageStores(imageStores);
        Store store = Store.open(options);
        CheckOptions co = (quick ? CheckOptions.quick() : CheckOptions.full()).withMaxUnreferencedAge(age);
        Line line = Line.forTerminal(ctx.err());
        CheckReport report;
        try {
            report = store.check(co, line == null ? CheckListener.NONE : line);
        } finally {
            if (line != null) {
                line.finish();
            }
        }
        RepairResult result = null;
        if (repair) {
            result = store.repair(report, new RepairOptions(force, resetMounts));
        }
        boolean damage = !report.clean();
        boolean unrepaired = damage && (result == null || !result.errors().isEmpty() || !report.readOnlyLayers().isEmpty()
                || !report.readOnlyImages().isEmpty() || (!force && !report.containers().isEmpty()));
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("graphRoot", store.graphRoot().toString());
            m.put("runRoot", store.runRoot().toString());
            m.put("full", !quick);
            m.put("layersChecked", report.layersChecked());
            m.put("entriesCompared", report.filesCompared());
            m.put("bytesRead", report.bytesRead());
            m.put("damage", damage);
            m.put("records", messages(report.records()));
            m.put("layers", messages(report.layers()));
            m.put("readOnlyLayers", messages(report.readOnlyLayers()));
            m.put("images", messages(report.images()));
            m.put("readOnlyImages", messages(report.readOnlyImages()));
            m.put("containers", messages(report.containers()));
            m.put("mounts", report.mounts());
            if (result != null) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("rebuiltLayers", result.rebuiltLayers());
                r.put("containers", result.containers());
                r.put("images", result.images());
                r.put("layers", result.layers());
                r.put("unaccounted", result.unaccounted());
                r.put("mountsReset", result.mountsReset());
                r.put("errors", result.errors());
                m.put("repair", r);
            }
            m.put("unrepaired", unrepaired);
            Output.json(ctx.out(), m);
        } else {
            PrintStream out = ctx.out();
            report.records().forEach(f -> out.println("records: " + f.message()));
            section(out, "layer", report.layers());
            section(out, "read-only layer", report.readOnlyLayers());
            section(out, "image", report.images());
            section(out, "read-only image", report.readOnlyImages());
            section(out, "container", report.containers());
            report.mounts().forEach((id, n) -> out.println("mounted: layer " + id + " (" + n + (n == 1 ? " time" : " times")
                    + "; not damage" + (resetMounts && repair ? ", reset" : "; --repair --reset-mounts resets a count a killed process left") + ")"));
            if (result != null) {
                result.errors().forEach(e -> out.println("repair failed: " + e));
                List<String> done = new java.util.ArrayList<>();
                add(done, result.rebuiltLayers().size(), "layer record rebuilt", "layer records rebuilt");
                add(done, result.containers().size(), "container removed", "containers removed");
                add(done, result.images().size(), "image removed", "images removed");
                add(done, result.layers().size(), "layer removed", "layers removed");
                add(done, result.unaccounted().size(), "layer tree without a record removed", "layer trees without a record removed");
                add(done, result.mountsReset().size(), "mount count reset", "mount counts reset");
                out.println("repair: " + (done.isEmpty() ? "nothing to do" : String.join(", ", done)));
            }
            out.println(report.layersChecked() + " layers checked (" + report.filesCompared() + " entries compared"
                    + (quick ? ", contents not read" : ", " + Output.bytes(report.bytesRead()) + " read") + "): "
                    + (!damage ? "no damage" : unrepaired ? "DAMAGE FOUND" + (repair ? " (not all repaired)" : " (use --repair)")
                    : "damage found and repaired"));
        }
        return unrepaired ? ExitCodes.CORRUPT : ExitCodes.OK;
    }

    private static void add(List<String> out, int n, String one, String many) {
        if (n > 0) {
            out.add(n + " " + (n == 1 ? one : many));
        }
    }

    private static void section(PrintStream out, String what, Map<String, List<Finding>> m) {
        m.forEach((id, fs) -> {
            out.println(what + " " + id + ":");
            fs.forEach(f -> out.println("  " + f.message()));
        });
    }

    private static Map<String, List<String>> messages(Map<String, List<Finding>> m) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, messages(v)));
        return out;
    }

    private static List<String> messages(List<Finding> l) {
        return l.stream().map(Finding::message).toList();
    }

    /** The progress line: layers done of all, bytes read, at most five redraws a second. */
    private static final class Line implements CheckListener {
        private final PrintStream err;
        private long last;
        private boolean drawn;

        private Line(PrintStream err) {
            this.err = err;
        }

        static Line forTerminal(PrintStream err) {
            var console = System.console();
            return console != null && console.isTerminal() ? new Line(err) : null;
        }

        @Override
        public void layer(String id, int done, int total, long bytes) {
            long now = System.nanoTime();
            if (now - last < 200_000_000L) {
                return;
            }
            last = now;
            drawn = true;
            String what = done < total ? "checking layer " + (done + 1) + "/" + total + " " + id.substring(0, Math.min(12, id.length()))
                    : "reading the contents of " + id.substring(0, Math.min(12, id.length()));
            err.print("\r" + what + ", " + Output.bytes(bytes) + " read   ");
            err.flush();
        }

        void finish() {
            if (drawn) {
                err.print("\r\033[K");
                err.flush();
            }
        }
    }
}
