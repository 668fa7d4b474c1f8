package io.cargohold.cstorage;

import io.cargohold.errors.NotFoundException;
import io.cargohold.storage.Container;
import io.cargohold.storage.CopyLocation;
import io.cargohold.storage.Image;
import io.cargohold.storage.Layer;
import io.cargohold.storage.Store;
import io.cargohold.storage.archive.IdPair;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Upstream's mount.go and copy.go: mount, unmount, mounted, copy. */
final class MountCommands {
    private MountCommands() {
    }

    static List<Command> all() {
        return List.of(
                new Command(List.of("copy"), "[options [...]] [sourceLayerNameOrID:]/path [...] targetLayerNameOrID:/path", 2, 0,
                        "Copy files or directories into a layer, possibly from another layer", MountCommands::copy),
                new Command(List.of("mount"), "[options [...]] LayerOrContainerNameOrID", 1, 0, "Mount a layer or container",
                        MountCommands::mount),
                new Command(List.of("unmount", "umount"), "LayerOrContainerNameOrID", 1, 0, "Unmount an image, layer or container",
                        MountCommands::unmount),
                new Command(List.of("mounted"), "LayerOrContainerNameOrID", 1, 0, "Check if a file system is mounted",
                        MountCommands::mounted));
    }

    /** Upstream's ContainerLayerID / Mount's container check: a container argument means its layer. */
    private static String layerKey(Store store, String arg) {
        try {
            Container c = store.container(arg);
            return c.layer();
        } catch (IOException e) {
            return arg;
        }
    }

    // ------------------------------------------------------------------ mount

    private static Command.Action mount(FlagSet flags) {
        flags.string(List.of("-opt", "o"), "", "Mount Options");
        flags.string(List.of("-label", "l"), "", "Mount Label");
        FlagSet.Flag<Boolean> ro = flags.bool(List.of("-ro", "r"), false, "Mount image readonly");
        FlagSet.Flag<Boolean> json = LayerCommands.json(flags);
        return inv -> {
            List<Map<String, Object>> moes = new ArrayList<>();
            for (String arg : inv.args()) {
                String mountPoint = "";
                String err = "";
                try {
                    mountPoint = ro.get() ? mountImage(inv.store(), arg) : inv.store().mount(layerKey(inv.store(), arg)).toString();
                } catch (IOException e) {
                    err = e.getMessage();
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", arg);
                m.put("mountpoint", mountPoint);
                m.put("error", err);
                moes.add(m);
            }
            if (json.get()) {
                Output.json(inv.out(), moes);
            } else {
                for (Map<String, Object> m : moes) {
                    if (!((String) m.get("error")).isEmpty()) {
                        inv.err().print(m.get("error") + " while mounting " + m.get("id") + "\n");
                    }
                    inv.out().print(m.get("mountpoint") + "\n");
                }
            }
            return moes.stream().anyMatch(m -> !((String) m.get("error")).isEmpty()) ? 1 : 0;
        };
    }

    /**
     * Upstream's MountImage with the CLI's options ({@code noexec,nosuid} plus {@code ro}): vfs rejects
     * any mount option, so mounting an image's (existing) top layer always fails.
     */
    private static String mountImage(Store store, String arg) throws IOException {
        Image image;
        try {
            image = store.image(arg);
        } catch (NotFoundException e) {
            throw new IOException("locating image with ID " + GoText.quote(arg) + ": image not known", e);
        }
        String top = image.topLayer();
        Layer l = top == null || top.isEmpty() ? null : LayerCommands.find(store, top);
        if (l == null || l.readOnly()) {
            throw new IOException("layer not known");
        }
        throw new IOException("vfs driver does not support mount options");
    }

    // ------------------------------------------------------------------ unmount, mounted

    private static Command.Action unmount(FlagSet flags) {
        FlagSet.Flag<Boolean> json = LayerCommands.json(flags);
        FlagSet.Flag<Boolean> force = flags.bool(List.of("-force", "f"), false, "Force the umount");
        return inv -> {
            List<Map<String, Object>> mes = new ArrayList<>();
            boolean errors = false;
            for (String arg : inv.args()) {
                String errText = "";
                try {
                    boolean stillMounted = inv.store().unmount(layerKey(inv.store(), arg), force.get());
                    if (!stillMounted) {
                        inv.out().print(arg + " mountpoint unmounted\n");
                    }
                } catch (IOException e) {
                    try {
                        inv.store().unmountImage(arg, force.get());
                    } catch (IOException e1) {
                        errText = e.getMessage();
                        errors = true;
                    }
                }
                mes.add(idError(arg, errText));
            }
            printErrors(inv, json.get(), mes, " while unmounting ");
            return errors ? 1 : 0;
        };
    }

    private static Command.Action mounted(FlagSet flags) {
        FlagSet.Flag<Boolean> json = LayerCommands.json(flags);
        return inv -> {
            List<Map<String, Object>> mes = new ArrayList<>();
            boolean errors = false;
            for (String arg : inv.args()) {
                String errText = "";
                Layer l = LayerCommands.find(inv.store(), layerKey(inv.store(), arg));
                if (l == null || l.readOnly()) {
                    errText = "layer not known";
                    errors = true;
                } else if (l.mountCount() > 0) {
                    inv.out().print(arg + " mounted\n");
                }
                mes.add(idError(arg, errText));
            }
            printErrors(inv, json.get(), mes, " checking if ");
            return errors ? 1 : 0;
        };
    }

    private static Map<String, Object> idError(String id, String err) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("error", err);
        return m;
    }

    private static void printErrors(Invocation inv, boolean json, List<Map<String, Object>> mes, String between) {
        if (json) {
            Output.json(inv.out(), mes);
            return;
        }
        for (Map<String, Object> m : mes) {
            String err = (String) m.get("error");
            if (!err.isEmpty()) {
                if (between.equals(" checking if ")) {
                    inv.err().print(err + " checking if " + m.get("id") + " is mounted\n");
                } else {
                    inv.err().print(err + between + m.get("id") + "\n");
                }
            }
        }
    }

    // ------------------------------------------------------------------ copy

    private static Command.Action copy(FlagSet flags) {
        FlagSet.Flag<String> chown = flags.string(List.of("-chown"), "", "Set owner on new copies");
        LayerCommands.json(flags);
        return inv -> {
            Store store = inv.store();
            IdPair chownPair = null;
            if (!chown.get().isEmpty()) {
                String[] parts = chown.get().split(":", 2);
                String u = parts[0];
                String g = parts.length == 1 ? parts[0] : parts[1];
                Long uid = IdMapOptions.parseUint32(u);
                if (uid == null) {
                    inv.err().print("error " + GoText.quote(u) + " as a numeric UID: " + parseUintError(u));
                    return 1;
                }
                Long gid = IdMapOptions.parseUint32(g);
                if (gid == null) {
                    inv.err().print("error " + GoText.quote(g) + " as a numeric GID: " + parseUintError(g));
                    return 1;
                }
                chownPair = new IdPair((int) (long) uid, (int) (long) gid);
            }
            List<String> args = inv.args();
            String targetSpec = args.getLast();
            CopyLocation target;
            String targetShown;
            if (targetSpec.contains(":")) {
                CopyLocation t = CopyLocation.parse(targetSpec);
                Layer tl = LayerCommands.find(store, t.layer());
                if (tl == null) {
                    inv.err().print("error finding layer " + GoText.quote(t.layer()) + ": layer not known\n");
                    return 1;
                }
                Path mount;
                try {
                    mount = store.layerTree(tl.id());
                } catch (IOException e) {
                    inv.err().print("error mounting layer " + GoText.quote(tl.id()) + ": " + e.getMessage() + "\n");
                    return 1;
                }
                // filepath.Join(mountpoint, path): cleaned, so a trailing slash is dropped
                String cleaned = cleanInLayer(t.path());
                target = new CopyLocation(tl.id(), cleaned);
                targetShown = cleaned.equals("/") ? mount.toString() : mount + cleaned;
            } else {
                target = new CopyLocation(null, inv.path(targetSpec).toString() + (targetSpec.endsWith("/") ? "/" : ""));
                targetShown = targetSpec;
            }
            for (String srcSpec : args.subList(0, args.size() - 1)) {
                CopyLocation source;
                String sourceShown;
                if (srcSpec.contains(":")) {
                    CopyLocation s = CopyLocation.parse(srcSpec);
                    Layer sl = LayerCommands.find(store, s.layer());
                    if (sl == null) {
                        inv.err().print("error finding layer " + GoText.quote(s.layer()) + ": layer not known\n");
                        return 1;
                    }
                    Path mount;
                    try {
                        mount = store.layerTree(sl.id());
                    } catch (IOException e) {
                        inv.err().print("error mounting layer " + GoText.quote(sl.id()) + ": " + e.getMessage() + "\n");
                        return 1;
                    }
                    String cleaned = cleanInLayer(s.path());
                    source = new CopyLocation(sl.id(), cleaned);
                    sourceShown = cleaned.equals("/") ? mount.toString() : mount + cleaned;
                } else {
                    source = new CopyLocation(null, inv.path(srcSpec).toString());
                    sourceShown = srcSpec;
                }
                try {
                    store.copy(List.of(source), target, chownPair);
                } catch (IOException e) {
                    String why = e instanceof java.nio.file.NoSuchFileException nf && nf.getFile() != null
                            ? "stat " + nf.getFile() + ": no such file or directory" : e.getMessage();
                    inv.err().print("error copying " + GoText.quote(sourceShown) + " to " + GoText.quote(targetShown) + ": " + why + "\n");
                    return 1;
                }
            }
            return 0;
        };
    }

    /** The path part of {@code LAYER:path} as filepath.Join(mountpoint, path) leaves it: absolute and clean. */
    static String cleanInLayer(String p) {
        return Path.of("/" + p).normalize().toString();
    }

    /** strconv.ParseUint(s, 10, 32)'s error text. */
    static String parseUintError(String s) {
        boolean digits = !s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9');
        return "strconv.ParseUint: parsing " + GoText.quote(s) + (digits ? ": value out of range" : ": invalid syntax");
    }
}
