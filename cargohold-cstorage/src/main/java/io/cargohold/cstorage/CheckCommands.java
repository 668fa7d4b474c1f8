package io.cargohold.cstorage;

import io.cargohold.storage.check.CheckListener;
import io.cargohold.storage.check.CheckOptions;
import io.cargohold.storage.check.CheckReport;
import io.cargohold.storage.check.Finding;
import io.cargohold.storage.check.RepairOptions;
import io.cargohold.storage.check.RepairResult;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The commands upstream v1.51.0 added for checking a store ({@code cmd/containers-storage/check.go},
 * and {@code create-storage-layer} and {@code storage-layers}, which its {@code tests/check.bats}
 * uses), over {@link io.cargohold.storage.Store#check} and {@link io.cargohold.storage.Store#repair}.
 */
final class CheckCommands {
    private CheckCommands() {
    }

    static List<Command> all() {
        return List.of(
                new Command(List.of("check"), "", 0, 0, "Check storage consistency", CheckCommands::check),
                new Command(List.of("create-storage-layer"), "[options [...]] [parentLayerNameOrID]", 0, 1,
                        "Create a new layer only in the storage driver", CheckCommands::createStorageLayer),
                new Command(List.of("storage-layers"), "[options [...]]", 0, 0, "List storage layers", CheckCommands::storageLayers));
    }

    // ------------------------------------------------------------------ check

    private static Command.Action check(FlagSet flags) {
        FlagSet.Flag<Boolean> json = flags.bool(List.of("-json", "j"), false, "Prefer JSON output");
        FlagSet.Flag<String> max = flags.string(List.of("-max", "m"), "24h", "Maximum allowed age for unreferenced layers");
        FlagSet.Flag<Boolean> repairFlag = flags.bool(List.of("-repair", "r"), false, "Remove damaged images and layers");
        FlagSet.Flag<Boolean> force = flags.bool(List.of("-force", "f"), false, "Remove damaged containers");
        FlagSet.Flag<Boolean> quick = flags.bool(List.of("-quick", "q"), false, "Perform only quick checks");
        return inv -> {
            boolean repair = repairFlag.get() || force.get();
            CheckOptions options = quick.get() ? CheckOptions.quick() : CheckOptions.full();
            if (!max.get().isEmpty()) {
                try {
                    options = options.withMaxUnreferencedAge(CheckOptions.parseDuration(max.get()));
                } catch (IllegalArgumentException e) {
                    return fail(inv, e.getMessage());
                }
            }
            CheckReport report = inv.store().check(options, CheckListener.NONE);
            if (!report.records().isEmpty()) {
                // upstream's Check fails as a whole when a record file cannot be read; our repair can
                // rebuild layers.json (then checks afresh and repairs from that)
                if (!repair) {
                    return fail(inv, report.records().getFirst().message());
                }
                RepairResult rebuilt = inv.store().repair(report, new RepairOptions(force.get(), false));
                for (String e : rebuilt.errors()) {
                    inv.err().print(e + "\n");
                }
                return rebuilt.errors().isEmpty() ? 0 : 1;
            }
            if (json.get()) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("Layers", empties(report.layers()));
                doc.put("ROLayers", empties(report.readOnlyLayers()));
                doc.put("Images", empties(report.images()));
                doc.put("ROImages", empties(report.readOnlyImages()));
                doc.put("Containers", empties(report.containers()));
                Output.json(inv.out(), doc);
            } else {
                StringBuilder b = new StringBuilder();
                section(b, "layer ", report.layers());
                section(b, "read-only layer ", report.readOnlyLayers());
                section(b, "image ", report.images());
                section(b, "read-only image ", report.readOnlyImages());
                section(b, "container ", report.containers());
                inv.out().print(b);
            }
            int layers = report.layers().size();
            int roLayers = report.readOnlyLayers().size();
            int images = report.images().size();
            int roImages = report.readOnlyImages().size();
            int containers = report.containers().size();
            if (!repair) {
                if (layers + roLayers + images + roImages + containers > 0) {
                    return fail(inv, layers + " layer errors, " + roLayers + " read-only layer errors, " + images + " image errors, "
                            + roImages + " read-only image errors, " + containers + " container errors");
                }
                return 0;
            }
            RepairResult result = inv.store().repair(report, new RepairOptions(force.get(), false));
            if (!result.errors().isEmpty()) {
                if (json.get()) {
                    List<Object> errs = new ArrayList<>();
                    result.errors().forEach(e -> errs.add(Map.of()));
                    Output.json(inv.out(), errs);
                } else {
                    for (String e : result.errors()) {
                        inv.err().print(e + "\n");
                    }
                }
                return fail(inv, result.errors().getFirst());
            }
            if (roLayers > 0 || roImages > 0 || (!force.get() && containers > 0)) {
                if (force.get()) {
                    return fail(inv, roLayers + " read-only layer errors, " + roImages + " read-only image errors");
                }
                return fail(inv, roLayers + " read-only layer errors, " + roImages + " read-only image errors, " + containers
                        + " container errors");
            }
            return 0;
        };
    }

    /** Upstream's main printing an action's error ({@code %+v} on stderr), exit 1. */
    private static int fail(Invocation inv, String message) {
        inv.err().print(message + "\n");
        return 1;
    }

    private static void section(StringBuilder b, String what, Map<String, List<Finding>> m) {
        for (Map.Entry<String, List<Finding>> e : m.entrySet()) {
            if (!e.getValue().isEmpty()) {
                b.append(what).append(e.getKey()).append(":\n");
            }
            for (Finding f : e.getValue()) {
                b.append(' ').append(f.message()).append('\n');
            }
        }
    }

    /** Go encodes the report's error values (no exported fields) as {@code {}}. */
    private static Map<String, Object> empties(Map<String, List<Finding>> m) {
        Map<String, Object> out = new TreeMap<>();
        m.forEach((id, fs) -> out.put(id, fs.stream().map(f -> (Object) Map.of()).toList()));
        return out;
    }

    // ------------------------------------------------------------------ create-storage-layer, storage-layers

    private static Command.Action createStorageLayer(FlagSet flags) {
        flags.string(List.of("-label", "l"), "", "Mount Label");
        FlagSet.Flag<String> id = flags.string(List.of("-id", "i"), "", "Layer ID");
        flags.bool(List.of("-readonly", "r"), false, "Mark as read-only");
        FlagSet.Flag<Boolean> json = flags.bool(List.of("-json", "j"), false, "Prefer JSON output");
        IdMapOptions idMaps = IdMapOptions.define(flags);
        return inv -> {
            String parent = inv.args().isEmpty() ? "" : inv.args().getFirst();
            try {
                idMaps.resolve();
            } catch (IdMapOptions.IdMapException e) {
                return fail(inv, e.getMessage());
            }
            String layerId = id.get();
            if (layerId.isEmpty()) {
                byte[] b = new byte[32];
                io.cargohold.storage.internal.KernelRandom.fill(b);
                layerId = HexFormat.of().formatHex(b);
            }
            try {
                inv.store().createDriverLayer(layerId, parent);
            } catch (Exception e) {
                return fail(inv, Main.message(e));
            }
            if (json.get()) {
                Output.json(inv.out(), layerId);
            } else {
                inv.out().print(layerId + "\n");
            }
            return 0;
        };
    }

    private static Command.Action storageLayers(FlagSet flags) {
        FlagSet.Flag<Boolean> json = flags.bool(List.of("-json", "j"), false, "Prefer JSON output");
        return inv -> {
            List<String> layers;
            try {
                layers = inv.store().driverLayers();
            } catch (Exception e) {
                return fail(inv, Main.message(e));
            }
            if (json.get()) {
                Output.json(inv.out(), layers);
            } else {
                StringBuilder b = new StringBuilder();
                layers.forEach(l -> b.append(l).append('\n'));
                inv.out().print(b);
            }
            return 0;
        };
    }
}
