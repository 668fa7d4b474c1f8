package io.cargohold.cstorage;

import java.util.List;

/**
 * Store-wide commands (spec section 5.1): {@code status}, {@code version}, {@code wipe},
 * {@code shutdown}. See Commands for the registration order.
 */
final class StoreCommands {
    private StoreCommands() {
    }

    static List<Command> all() {
        return List.of(
                new Command(List.of("shutdown"), "", 0, 0, "Shut down layer storage", flags -> {
                    var json = json(flags);
                    var force = flags.bool(List.of("-force", "f"), false, "Unmount mounted layers first");
                    return inv -> {
                        String error = null;
                        try {
                            List<String> mounted = inv.store().shutdown(force.get());
                            if (!mounted.isEmpty()) {
                                // upstream fails in this case too (after looping forever when forced): it
                                // reports mounted layers as an error whether or not it unmounted them
                                error = "a layer is mounted: layer is in use by a container";
                            }
                        } catch (Exception e) {
                            error = Main.message(e);
                        }
                        return report(inv, json.get(), error);
                    };
                }),
                new Command(List.of("status"), "", 0, 0, "Check on graph driver status", flags -> {
                    var json = json(flags);
                    return inv -> {
                        // the four basics, then the driver's own lines (vfs has none)
                        List<List<String>> status = new java.util.ArrayList<>(List.of(
                                List.of("Root", inv.store().graphRoot().toString()),
                                List.of("Run Root", inv.store().runRoot().toString()),
                                List.of("Driver Name", inv.store().options().driver()),
                                List.of("Driver Options", FlagSet.goList(driverOptions(inv)))));
                        for (var line : inv.store().driverStatus()) {
                            status.add(List.of(line.getKey(), line.getValue()));
                        }
                        if (json.get()) {
                            Output.json(inv.out(), status);
                        } else {
                            StringBuilder b = new StringBuilder();
                            for (List<String> pair : status) {
                                b.append(pair.get(0)).append(": ").append(pair.get(1)).append('\n');
                            }
                            inv.err().print(b);
                        }
                        return 0;
                    };
                }),
                new Command(List.of("version"), "", 0, 0, "Return containers-storage version information", flags -> {
                    var json = json(flags);
                    return inv -> {
                        // the library reports no version pairs: text mode prints nothing
                        if (json.get()) {
                            Output.json(inv.out(), List.of());
                        }
                        return 0;
                    };
                }),
                new Command(List.of("wipe"), "", 0, 0, "Wipe all layers, images, and containers", flags -> {
                    var json = json(flags);
                    return inv -> {
                        String error = null;
                        try {
                            inv.store().wipe();
                        } catch (Exception e) {
                            error = Main.message(e);
                        }
                        return report(inv, json.get(), error);
                    };
                }));
    }

    private static FlagSet.Flag<Boolean> json(FlagSet flags) {
        return flags.bool(List.of("-json", "j"), false, "Prefer JSON output");
    }

    /** The driver options as given (upstream's GraphOptions()): what the global --storage-opt collected. */
    private static List<String> driverOptions(Invocation inv) {
        return inv.store().options().driverOptions();
    }

    /**
     * wipe's and shutdown's ending: JSON {@code ""} on success, the encoded Go error ({@code {}} for
     * the errors these return) on failure; text: {@code CMD: ERR} on stderr. Exit 1 on failure.
     */
    private static int report(Invocation inv, boolean json, String error) {
        if (json) {
            inv.out().print(error == null ? "\"\"\n" : "{}\n");
        } else if (error != null) {
            inv.err().print(inv.cmd() + ": " + error + "\n");
        }
        return error == null ? 0 : 1;
    }
}
