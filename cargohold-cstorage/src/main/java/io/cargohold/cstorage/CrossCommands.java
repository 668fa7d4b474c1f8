package io.cargohold.cstorage;

import io.cargohold.errors.NotFoundException;
import io.cargohold.storage.Container;
import io.cargohold.storage.Image;
import io.cargohold.storage.Layer;
import io.cargohold.storage.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Upstream's commands that take a layer, image or container alike (exists.go, metadata.go, name.go
 * and {@code delete} in delete.go).
 */
final class CrossCommands {
    private CrossCommands() {
    }

    static List<Command> all() {
        return List.of(
                new Command(List.of("delete"), "[LayerOrImageOrContainerNameOrID [...]]", 1, 0,
                        "Delete a layer or image or container, with no safety checks", f -> {
                            var json = ImageCommands.json(f);
                            return inv -> delete(inv, json.get());
                        }),
                new Command(List.of("exists"), "[LayerOrImageOrContainerNameOrID [...]]", 1, 0,
                        "Check if a layer or image or container exists", f -> {
                            var quiet = f.bool(List.of("-quiet", "q"), false, "Don't print names");
                            var layer = f.bool(List.of("-layer", "l"), false, "Only succeed if the match is a layer");
                            var image = f.bool(List.of("-image", "i"), false, "Only succeed if the match is an image");
                            var container = f.bool(List.of("-container", "c"), false, "Only succeed if the match is a container");
                            var json = ImageCommands.json(f);
                            return inv -> exists(inv, quiet.get(), layer.get(), image.get(), container.get(), json.get());
                        }),
                new Command(List.of("metadata"), "[LayerOrImageOrContainerNameOrID [...]]", 1, 0,
                        "Retrieve layer, image, or container metadata", f -> {
                            var quiet = f.bool(List.of("-quiet", "q"), false, "Omit names and IDs");
                            var json = ImageCommands.json(f);
                            return inv -> metadata(inv, quiet.get(), json.get());
                        }),
                new Command(List.of("set-metadata", "setmetadata"), "[options [...]] layerOrImageOrContainerNameOrID", 1, 1,
                        "Set layer, image, or container metadata", f -> {
                            var metadata = f.string(List.of("-metadata", "m"), "", "Metadata");
                            var metadataFile = f.string(List.of("-metadata-file", "f"), "", "Metadata File");
                            return inv -> setMetadata(inv, metadata.get(), metadataFile.get());
                        }),
                new Command(List.of("get-names", "getnames"), "[options [...]] imageOrContainerNameOrID", 1, 0,
                        "Get layer, image, or container name or names", f -> {
                            var json = ImageCommands.json(f);
                            return inv -> getNames(inv, json.get());
                        }),
                new Command(List.of("add-names", "addnames"), "[options [...]] imageOrContainerNameOrID", 1, 0,
                        "Add layer, image, or container name or names", f -> {
                            var names = f.list(List.of("-name", "n"), "New name");
                            var json = ImageCommands.json(f);
                            return inv -> updateNames(inv, names.get(), true, json.get());
                        }),
                new Command(List.of("set-names", "setnames"), "[options [...]] imageOrContainerNameOrID", 1, 0,
                        "Set layer, image, or container name or names", f -> {
                            var names = f.list(List.of("-name", "n"), "New name");
                            var json = ImageCommands.json(f);
                            return inv -> updateNames(inv, names.get(), false, json.get());
                        }));
    }

    // ------------------------------------------------------------------ lookups across kinds

    static Layer layer(Store store, String key) throws IOException {
        try {
            return store.layer(key);
        } catch (NotFoundException e) {
            return null;
        }
    }

    /** The record {@code key} names, searching layers, then images, then containers (upstream's Lookup/Names order). */
    private record Found(Store.Kind kind, String id, List<String> names, String metadata, boolean readOnly) {
    }

    private static Found find(Store store, String key) throws IOException {
        Layer l = layer(store, key);
        if (l != null) {
            return new Found(Store.Kind.LAYER, l.id(), l.names(), l.metadata(), l.readOnly());
        }
        Image i = ImageCommands.find(store, key);
        if (i != null) {
            return new Found(Store.Kind.IMAGE, i.id(), i.names(), i.metadata(), i.readOnly());
        }
        Container c = ContainerCommands.find(store, key);
        if (c != null) {
            return new Found(Store.Kind.CONTAINER, c.id(), c.names(), c.metadata(), false);
        }
        return null;
    }

    // ------------------------------------------------------------------ exists, metadata

    private static int exists(Invocation inv, boolean quiet, boolean layer, boolean image, boolean container, boolean json)
            throws IOException {
        Store store = inv.store();
        Map<String, Boolean> existDict = new LinkedHashMap<>();
        boolean anyMissing = false;
        for (String what : inv.args()) {
            boolean exists = find(store, what) != null;
            existDict.put(what, exists);
            if (container && ContainerCommands.find(store, what) == null) {
                exists = false;
            }
            if (image && ImageCommands.find(store, what) == null) {
                exists = false;
            }
            if (layer && layer(store, what) == null) {
                exists = false;
            }
            anyMissing |= !exists;
        }
        if (json) {
            Output.json(inv.out(), Cross.sorted(existDict));
        } else if (!quiet) {
            existDict.forEach((what, e) -> inv.out().print(what + ": " + e + "\n"));
        }
        return anyMissing ? 1 : 0;
    }

    private static int metadata(Invocation inv, boolean quiet, boolean json) throws IOException {
        Map<String, String> dict = new LinkedHashMap<>();
        boolean missingAny = false;
        for (String what : inv.args()) {
            Found f = find(inv.store(), what);
            if (f != null) {
                String md = f.metadata() == null ? "" : f.metadata();
                dict.put(what, md.endsWith("\n") ? md.substring(0, md.length() - 1) : md);
            } else {
                missingAny = true;
            }
        }
        if (json) {
            Output.json(inv.out(), Cross.sorted(dict));
        } else {
            for (String what : inv.args()) {
                String v = dict.getOrDefault(what, "");
                inv.out().print(quiet ? v + "\n" : what + ": " + v + "\n");
            }
        }
        return missingAny ? 1 : 0;
    }

    private static int setMetadata(Invocation inv, String metadata, String metadataFile) throws IOException {
        if (metadataFile.isEmpty() && metadata.isEmpty()) {
            inv.err().println("no new metadata provided");
            return 1;
        }
        if (!metadataFile.isEmpty()) {
            try {
                metadata = new String(Cross.readFile(inv, metadataFile), java.nio.charset.StandardCharsets.UTF_8);
            } catch (IOException e) {
                inv.err().println(e.getMessage());
                return 1;
            }
        }
        String key = inv.args().getFirst();
        Store store = inv.store();
        // upstream asks the writable stores only: layers, images, then containers
        Store.Kind kind = null;
        Layer l = layer(store, key);
        Image i = l != null && !l.readOnly() ? null : ImageCommands.find(store, key);
        if (l != null && !l.readOnly()) {
            kind = Store.Kind.LAYER;
        } else if (i != null && !i.readOnly()) {
            kind = Store.Kind.IMAGE;
        } else if (ContainerCommands.find(store, key) != null) {
            kind = Store.Kind.CONTAINER;
        }
        if (kind == null) {
            inv.err().println("identifier is not a layer, image, or container");
            return 1;
        }
        try {
            store.setMetadata(kind, key, metadata);
        } catch (IOException e) {
            inv.err().println(e.getMessage());
            return 1;
        }
        return 0;
    }

    // ------------------------------------------------------------------ names

    private static int getNames(Invocation inv, boolean json) throws IOException {
        Found f = lookupThenNames(inv);
        if (f == null) {
            return 1;
        }
        if (json) {
            Output.json(inv.out(), f.names());
        } else {
            for (String n : f.names()) {
                inv.out().print(n + "\n");
            }
        }
        return 0;
    }

    /** Upstream's {@code m.Lookup(arg)} (to a full ID), then {@code m.Names(id)} - searched again, by that ID. */
    private static Found lookupThenNames(Invocation inv) throws IOException {
        Found byArg = find(inv.store(), inv.args().getFirst());
        Found f = byArg == null ? null : find(inv.store(), byArg.id());
        if (f == null) {
            inv.err().println("layer not known");
        }
        return f;
    }

    private static int updateNames(Invocation inv, List<String> names, boolean add, boolean json) throws IOException {
        Found f = lookupThenNames(inv);
        if (f == null) {
            return 1;
        }
        Store store = inv.store();
        if (f.kind() == Store.Kind.LAYER && f.readOnly()) {
            inv.err().println("layer not known"); // upstream only renames layers of the writable store
            return 1;
        }
        List<String> wanted = new ArrayList<>();
        if (add) {
            wanted.addAll(f.names());
        }
        wanted.addAll(names);
        try {
            store.setNames(f.kind(), f.id(), wanted);
        } catch (IOException e) {
            inv.err().println(e.getMessage());
            return 1;
        }
        Found after = find(store, f.id());
        if (after == null) {
            inv.err().println("layer not known");
            return 1;
        }
        if (json) {
            Output.json(inv.out(), after.names().isEmpty() ? null : after.names());
        }
        return 0;
    }

    // ------------------------------------------------------------------ delete

    private static int delete(Invocation inv, boolean json) throws IOException {
        Map<String, String> deleted = new LinkedHashMap<>();
        for (String what : inv.args()) {
            String err = "";
            try {
                inv.store().delete(what);
            } catch (IOException e) {
                err = e.getMessage();
            }
            deleted.put(what, err);
        }
        return Cross.reportDeletions(inv, deleted, json);
    }

}

/** Helpers shared by the image, container and cross-kind commands. */
final class Cross {
    private Cross() {
    }

    /** A Go {@code map[string]T} as encoding/json writes it: keys sorted bytewise (UTF-8). */
    static <V> Map<String, V> sorted(Map<String, V> m) {
        // a plain lambda: Comparator.comparing's is serializable, which the AOT cache does not keep
        Map<String, V> out = new TreeMap<>((String a, String b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8),
                b.getBytes(StandardCharsets.UTF_8)));
        out.putAll(m);
        return out;
    }

    /** Go's {@code %q} of a string ({@code strconv.Quote}). */
    static String quote(String s) {
        return FlagSet.goQuote(s);
    }

    /** Go's {@code *os.PathError} text for a failed file operation: {@code open PATH: no such file or directory}. */
    /**
     * {@code os.Open} + {@code io.ReadAll} of a user-named file, failing with Go's texts
     * ({@code open P: no such file or directory}, {@code read P: is a directory}).
     */
    static byte[] readFile(Invocation inv, String path) throws IOException {
        java.nio.channels.FileChannel ch;
        try {
            ch = java.nio.channels.FileChannel.open(inv.path(path), java.nio.file.StandardOpenOption.READ);
        } catch (IOException e) {
            throw new IOException(GoText.pathError("open", path, e), e);
        }
        try (var in = java.nio.channels.Channels.newInputStream(ch)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IOException(GoText.pathError("read", path, e), e);
        }
    }

    /** list-*-data: the item names, one per line, or as JSON ({@code null} when there are none). */
    static int printNames(Invocation inv, List<String> names, boolean json) {
        if (json) {
            Output.json(inv.out(), names.isEmpty() ? null : names);
        } else {
            for (String n : names) {
                inv.out().print(n + "\n");
            }
        }
        return 0;
    }

    /** set-*-data: the item's bytes from standard input, or from {@code file} (null after printing the error). */
    static byte[] readInput(Invocation inv, String file) throws IOException {
        if (file.isEmpty()) {
            return inv.in().readAllBytes();
        }
        try {
            return readFile(inv, file);
        } catch (IOException e) {
            inv.err().println(e.getMessage());
            return null;
        }
    }

    /** delete, delete-container: stderr {@code ARG: ERROR} per failure, or the JSON map; 1 when anything failed. */
    static int reportDeletions(Invocation inv, Map<String, String> deleted, boolean json) {
        if (json) {
            Output.json(inv.out(), sorted(deleted));
        } else {
            deleted.forEach((what, err) -> {
                if (!err.isEmpty()) {
                    inv.err().println(what + ": " + err);
                }
            });
        }
        return deleted.values().stream().anyMatch(e -> !e.isEmpty()) ? 1 : 0;
    }
}
