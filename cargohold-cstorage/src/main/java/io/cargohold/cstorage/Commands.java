package io.cargohold.cstorage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every command, in upstream's registration order (which the global usage lists). */
final class Commands {
    static final List<String> ORDER = List.of("check", "container", "list-container-data", "get-container-data", "get-container-data-size",
            "get-container-data-digest", "set-container-data", "get-container-dir", "get-container-run-dir", "container-parent-owners",
            "containers", "copy", "create-storage-layer", "create-layer", "import-layer", "create-image", "create-container", "delete", "delete-layer",
            "delete-image", "delete-container", "changes", "diffsize", "diff", "applydiff", "exists", "image", "list-image-data",
            "get-image-data", "get-image-data-size", "get-image-data-digest", "set-image-data", "images", "images-by-digest", "layer",
            "layer-parent-owners", "list-layer-data", "get-layer-data", "set-layer-data", "layers", "storage-layers", "metadata", "set-metadata", "mount",
            "unmount", "mounted", "get-names", "add-names", "set-names", "shutdown", "status", "version", "wipe");

    private Commands() {
    }

    static List<Command> all() {
        Map<String, Command> byPrimary = new LinkedHashMap<>();
        for (List<Command> group : List.of(StoreCommands.all(), LayerCommands.all(), ImageCommands.all(), ContainerCommands.all(),
                CrossCommands.all(), MountCommands.all(), CheckCommands.all())) {
            for (Command c : group) {
                if (byPrimary.put(c.names().getFirst(), c) != null) {
                    throw new IllegalStateException("command defined twice: " + c.names().getFirst());
                }
            }
        }
        List<Command> out = new ArrayList<>();
        for (String n : ORDER) {
            Command c = byPrimary.remove(n);
            if (c != null) {
                out.add(c);
            }
        }
        if (!byPrimary.isEmpty()) {
            throw new IllegalStateException("commands not in upstream's list: " + byPrimary.keySet());
        }
        return out;
    }
}
