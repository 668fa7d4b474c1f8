package io.cargohold.cstorage;

import io.cargohold.errors.NotFoundException;
import io.cargohold.storage.Container;
import io.cargohold.storage.IdMap;
import io.cargohold.storage.Image;
import io.cargohold.storage.Layer;
import io.cargohold.storage.LayerOptions;
import io.cargohold.storage.Store;
import io.cargohold.storage.archive.Change;
import io.cargohold.storage.archive.Compression;
import io.cargohold.storage.archive.TarFormatException;
import io.cargohold.storage.internal.RecordJson;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Upstream's layer commands (cmd/containers-storage/layers.go, layer.go, create.go, diff.go and the
 * layer part of delete.go): layers, layer, create-layer, import-layer, applydiff, diff, diffsize,
 * changes, list-layer-data, get-layer-data, set-layer-data, layer-parent-owners, delete-layer.
 */
final class LayerCommands {
    private LayerCommands() {
    }

    static List<Command> all() {
        return List.of(
                new Command(List.of("create-layer", "createlayer"), "[options [...]] [parentLayerNameOrID]", 0, 1, "Create a new layer",
                        flags -> createLayer(flags, false)),
                new Command(List.of("import-layer", "importlayer"), "[options [...]] [parentLayerNameOrID]", 0, 1, "Import a new layer",
                        flags -> createLayer(flags, true)),
                new Command(List.of("delete-layer", "deletelayer"), "[LayerNameOrID [...]]", 1, 0, "Delete a layer, with safety checks",
                        LayerCommands::deleteLayer),
                new Command(List.of("changes"), "[options [...]] layerNameOrID [referenceLayerNameOrID]", 1, 2, "Compare two layers",
                        LayerCommands::changes),
                new Command(List.of("diffsize", "diff-size"), "[options [...]] layerNameOrID [referenceLayerNameOrID]", 1, 2,
                        "Compare two layers", LayerCommands::diffSize),
                new Command(List.of("diff"), "[options [...]] layerNameOrID [referenceLayerNameOrID]", 1, 2, "Compare two layers",
                        LayerCommands::diff),
                new Command(List.of("applydiff", "apply-diff"), "[options [...]] layerNameOrID [referenceLayerNameOrID]", 1, 1,
                        "Apply a diff to a layer", LayerCommands::applyDiff),
                new Command(List.of("layer"), "[options [...]] layerNameOrID [...]", 1, 0, "Examine a layer", LayerCommands::layer),
                new Command(List.of("layer-parent-owners"), "[options [...]] layerNameOrID [...]", 1, 0,
                        "Compute the set of unmapped parent UIDs and GIDs of the layer", LayerCommands::layerParentOwners),
                new Command(List.of("list-layer-data", "listlayerdata"), "[options [...]] layerNameOrID", 1, 1,
                        "List data items that are attached to a layer", LayerCommands::listLayerData),
                new Command(List.of("get-layer-data", "getlayerdata"), "[options [...]] layerID dataName", 2, 0,
                        "Get data that is attached to a layer", LayerCommands::getLayerData),
                new Command(List.of("set-layer-data", "setlayerdata"), "[options [...]] layerID dataName", 2, 0,
                        "Set data that is attached to a layer", LayerCommands::setLayerData),
                new Command(List.of("layers"), "[options [...]]", 0, 0, "List layers", LayerCommands::layers));
    }

    static FlagSet.Flag<Boolean> json(FlagSet flags) {
        return flags.bool(List.of("-json", "j"), false, "Prefer JSON output");
    }

    /** A layer by ID, name or unique prefix, or null (upstream's {@code m.Layer(arg)} failing). */
    static Layer find(Store store, String key) throws IOException {
        try {
            return store.layer(key);
        } catch (NotFoundException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------ layers

    private static Command.Action layers(FlagSet flags) {
        FlagSet.Flag<Boolean> tree = flags.bool(List.of("-tree", "t"), false, "Use a tree");
        // v1.51.0's flag (its tests/check.bats lists layers with it)
        FlagSet.Flag<Boolean> quick = flags.bool(List.of("-quick", "q"), false, "Just the IDs");
        FlagSet.Flag<Boolean> json = json(flags);
        return inv -> {
            List<Layer> layers = inv.store().layers();
            if (json.get()) {
                Output.json(inv.out(), layers.stream().map(RecordJson::layer).toList());
                return 0;
            }
            Map<String, List<Image>> imageMap = new LinkedHashMap<>();
            try {
                for (Image image : inv.store().images()) {
                    List<String> keys = new ArrayList<>();
                    keys.add(image.topLayer() == null ? "" : image.topLayer());
                    keys.addAll(image.mappedLayers());
                    for (String k : keys) {
                        imageMap.computeIfAbsent(k, x -> new ArrayList<>()).add(image);
                    }
                }
            } catch (IOException e) {
                // upstream ignores a failure to list images
            }
            Map<String, Container> containerMap = new LinkedHashMap<>();
            try {
                for (Container c : inv.store().containers()) {
                    containerMap.put(c.layer(), c);
                }
            } catch (IOException e) {
                // as upstream
            }
            PrintStream out = inv.out();
            List<TreeNode> nodes = new ArrayList<>();
            for (Layer layer : layers) {
                List<Image> images = imageMap.getOrDefault(layer.id(), List.of());
                Container container = containerMap.get(layer.id());
                if (tree.get()) {
                    List<String> notes = new ArrayList<>();
                    for (String n : layer.names()) {
                        notes.add("name: " + n);
                    }
                    if (layer.mountPoint() != null && !layer.mountPoint().isEmpty()) {
                        notes.add("mount: " + layer.mountPoint());
                    }
                    for (Image image : images) {
                        notes.add("image: " + image.id());
                        for (String n : image.names()) {
                            notes.add("image name: " + n);
                        }
                    }
                    if (container != null) {
                        notes.add("container: " + container.id());
                        for (String n : container.names()) {
                            notes.add("container name: " + n);
                        }
                    }
                    String parent = layer.parent() == null || layer.parent().isEmpty() ? "(base)" : layer.parent();
                    nodes.add(new TreeNode(parent, layer.id(), notes));
                } else {
                    out.print(layer.id() + "\n");
                    if (quick.get()) {
                        continue;
                    }
                    for (String n : layer.names()) {
                        out.print("\tname: " + n + "\n");
                    }
                    for (Image image : images) {
                        out.print("\timage: " + image.id() + "\n");
                        for (String n : image.names()) {
                            out.print("\t\tname: " + n + "\n");
                        }
                    }
                    if (container != null) {
                        out.print("\tcontainer: " + container.id() + "\n");
                        for (String n : container.names()) {
                            out.print("\t\tname: " + n + "\n");
                        }
                    }
                }
            }
            if (tree.get()) {
                printTree(out, nodes);
            }
            return 0;
        };
    }

    /** One line of upstream's tree (tree.go): {@code left} the parent key, {@code right} the node. */
    record TreeNode(String left, String right, List<String> notes) {
    }

    /** tree.go's selectRoot: a parent key that is no node's key, the one with the fewest children. */
    static String selectRoot(List<TreeNode> nodes) {
        Map<String, List<String>> children = new LinkedHashMap<>();
        java.util.Set<String> areChildren = new java.util.HashSet<>();
        for (TreeNode n : nodes) {
            areChildren.add(n.right());
            children.computeIfAbsent(n.left(), k -> new ArrayList<>()).add(n.right());
        }
        String favorite = "";
        for (Map.Entry<String, List<String>> e : children.entrySet()) {
            if (areChildren.contains(e.getKey())) {
                continue;
            }
            if (favorite.isEmpty() || e.getValue().size() < children.get(favorite).size()) {
                favorite = e.getKey();
            }
        }
        return favorite;
    }

    private static List<TreeNode> printSubTree(PrintStream out, String root, List<TreeNode> nodes, int indent, List<Integer> continued) {
        List<TreeNode> leftovers = new ArrayList<>();
        List<TreeNode> children = new ArrayList<>();
        for (TreeNode n : nodes) {
            if (!n.left().equals(root)) {
                leftovers.add(n);
            } else {
                children.add(n);
            }
        }
        for (int i = 0; i < children.size(); i++) {
            TreeNode child = children.get(i);
            char[] istring = " ".repeat(indent).toCharArray();
            for (int column : continued) {
                istring[column] = '\u2502';
            }
            List<Integer> subc = new ArrayList<>(continued);
            String header = "\u2514";
            String noteHeader = " ";
            if (i < children.size() - 1) {
                subc.add(indent);
                header = "\u251c";
                noteHeader = "\u2502";
            }
            String prefix = new String(istring);
            out.print(prefix + header + "\u2500" + child.right() + "\n");
            for (String note : child.notes()) {
                out.print(prefix + noteHeader + " " + note + "\n");
            }
            leftovers = printSubTree(out, child.right(), leftovers, indent + 2, subc);
        }
        return leftovers;
    }

    static void printTree(PrintStream out, List<TreeNode> nodes) {
        while (!nodes.isEmpty()) {
            String root = selectRoot(nodes);
            out.print(root + "\n");
            int old = nodes.size();
            nodes = printSubTree(out, root, nodes, 0, List.of());
            if (nodes.size() == old) {
                break;
            }
        }
    }

    // ------------------------------------------------------------------ layer, layer-parent-owners

    private static Command.Action layer(FlagSet flags) {
        FlagSet.Flag<Boolean> json = json(flags);
        return inv -> {
            List<Layer> matched = new ArrayList<>();
            for (String arg : inv.args()) {
                Layer l = findQuietly(inv.store(), arg);
                if (l != null) {
                    matched.add(l);
                }
            }
            PrintStream out = inv.out();
            if (json.get()) {
                Output.json(out, matched.stream().map(RecordJson::layer).toList());
            } else {
                for (Layer l : matched) {
                    out.print("ID: " + l.id() + "\n");
                    for (IdMap m : l.uidMap()) {
                        out.print("UID mapping: (container=" + m.containerId() + ", host=" + m.hostId() + ", size=" + m.size() + ")\n");
                    }
                    for (IdMap m : l.gidMap()) {
                        out.print("GID mapping: (container=" + m.containerId() + ", host=" + m.hostId() + ", size=" + m.size() + ")\n");
                    }
                    if (l.parent() != null && !l.parent().isEmpty()) {
                        out.print("Parent: " + l.parent() + "\n");
                    }
                    for (String n : l.names()) {
                        out.print("Name: " + n + "\n");
                    }
                    if (l.readOnly()) {
                        out.print("Read Only: true\n");
                    }
                }
            }
            return matched.size() != inv.args().size() ? 1 : 0;
        };
    }

    /** Upstream's {@code if layer, err := m.Layer(arg); err == nil}: any error is "no match". */
    private static Layer findQuietly(Store store, String key) {
        try {
            return store.layer(key);
        } catch (IOException e) {
            return null;
        }
    }

    private static Command.Action layerParentOwners(FlagSet flags) {
        FlagSet.Flag<Boolean> json = json(flags);
        return inv -> {
            List<Layer> matched = new ArrayList<>();
            for (String arg : inv.args()) {
                Layer l = findQuietly(inv.store(), arg);
                if (l != null) {
                    matched.add(l);
                }
            }
            PrintStream out = inv.out();
            for (Layer l : matched) {
                long[][] owners;
                try {
                    owners = inv.store().layerParentOwners(l.id());
                } catch (IOException e) {
                    inv.err().print("LayerParentOwner: " + e.getMessage() + "\n");
                    return 1;
                }
                printOwners(out, json.get(), l.id(), owners);
            }
            return matched.size() != inv.args().size() ? 1 : 0;
        };
    }

    /** The output of layer-parent-owners / container-parent-owners for one record. */
    static void printOwners(PrintStream out, boolean json, String id, long[][] owners) {
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ID", id);
            m.put("UIDs", owners[0].length == 0 ? null : Arrays.stream(owners[0]).boxed().toList());
            m.put("GIDs", owners[1].length == 0 ? null : Arrays.stream(owners[1]).boxed().toList());
            Output.json(out, m);
            return;
        }
        out.print("ID: " + id + "\n");
        if (owners[0].length > 0) {
            out.print("UIDs: " + goList(owners[0]) + "\n");
        }
        if (owners[1].length > 0) {
            out.print("GIDs: " + goList(owners[1]) + "\n");
        }
    }

    private static String goList(long[] v) {
        return Arrays.stream(v).mapToObj(Long::toString).collect(Collectors.joining(" ", "[", "]"));
    }

    // ------------------------------------------------------------------ create-layer, import-layer

    private static Command.Action createLayer(FlagSet flags, boolean importing) {
        FlagSet.Flag<String> label = flags.string(List.of("-label", "l"), "", "Mount Label");
        FlagSet.Flag<List<String>> names = flags.list(List.of("-name", "n"), "Layer name");
        FlagSet.Flag<String> id = flags.string(List.of("-id", "i"), "", "Layer ID");
        flags.bool(List.of("-readonly", "r"), false, "Mark as read-only");
        FlagSet.Flag<Boolean> json = json(flags);
        FlagSet.Flag<String> file = importing ? flags.string(List.of("-file", "f"), "", "Read from file instead of stdin") : null;
        IdMapOptions idMaps = IdMapOptions.define(flags);
        return inv -> {
            String parent = inv.args().isEmpty() || inv.args().getFirst().isEmpty() ? null : inv.args().getFirst();
            InputStream diff = null;
            if (importing) {
                diff = inv.in();
                if (!file.get().isEmpty()) {
                    try {
                        diff = GoText.open(file.get(), inv.path(file.get()));
                    } catch (IOException e) {
                        inv.err().print(e.getMessage() + "\n");
                        return 1;
                    }
                }
            }
            try (InputStream toClose = diff != null && diff != inv.in() ? diff : null) {
                IdMapOptions.Maps maps;
                try {
                    maps = idMaps.resolve();
                } catch (IdMapOptions.IdMapException e) {
                    inv.err().print(e.getMessage() + "\n");
                    return 1;
                }
                LayerOptions o = LayerOptions.of(parent).withNames(names.get()).withMountLabel(label.get())
                        .withIdMaps(maps.uidMap(), maps.gidMap());
                if (!id.get().isEmpty()) {
                    o = o.withId(id.get());
                }
                Layer layer;
                try {
                    layer = importing ? inv.store().createLayer(o, diff) : inv.store().createLayer(o);
                } catch (IOException e) {
                    reportApplyError(inv, e);
                    return 1;
                }
                printCreated(inv.out(), json.get(), layer);
                return 0;
            }
        };
    }

    private static void printCreated(PrintStream out, boolean json, Layer layer) {
        if (json) {
            Output.json(out, RecordJson.layer(layer));
            return;
        }
        out.print(layer.id() + "\n");
        for (String n : layer.names()) {
            out.print("\t" + n + "\n");
        }
    }

    // ------------------------------------------------------------------ applydiff, diff, diffsize, changes

    private static Command.Action applyDiff(FlagSet flags) {
        FlagSet.Flag<String> file = flags.string(List.of("-file", "f"), "", "Read from file instead of stdin");
        return inv -> {
            InputStream in = inv.in();
            if (!file.get().isEmpty()) {
                try {
                    in = GoText.open(file.get(), inv.path(file.get()));
                } catch (IOException e) {
                    inv.err().print(e.getMessage() + "\n");
                    return 1;
                }
            }
            try (InputStream toClose = in != inv.in() ? in : null) {
                inv.store().applyDiff(inv.args().getFirst(), in);
            } catch (IOException e) {
                reportApplyError(inv, e);
                return 1;
            }
            return 0;
        };
    }

    /**
     * How upstream reports a diff that cannot be extracted: the extraction runs in a re-exec'd child
     * whose error comes back as {@code ApplyLayer stdout:  stderr: MESSAGE exit status 1}, with Go's
     * messages ({@code unexpected EOF}, {@code archive/tar: invalid tar header}). Other errors as they are.
     */
    static String applyError(IOException e) {
        return applyError(e, "vfs");
    }

    /**
     * The error as the driver reports it: vfs (the naive driver) through the re-exec'd {@code ApplyLayer}
     * child, logged first by fsdiff.go ({@code level=error msg="While applying layer: …"}); overlay through
     * chrootarchive's untar, {@code processing tar file(MESSAGE): exit status 1}.
     */
    static void reportApplyError(Invocation inv, IOException e) {
        String driver = inv.store().options().driver();
        String m = applyError(e, driver);
        if (!driver.equals("overlay") && !m.equals(e.getMessage())) {
            inv.err().print("time=\"" + Main.logrusTime() + "\" level=error msg=" + FlagSet.goQuote("While applying layer: " + m) + "\n");
        }
        inv.err().print(m + "\n");
    }

    static String applyError(IOException e, String driver) {
        String go = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TarFormatException || t instanceof java.io.EOFException || t instanceof java.util.zip.ZipException) {
                String m = t.getMessage() == null ? "" : t.getMessage();
                if (t instanceof java.io.EOFException || m.startsWith("unexpected end of")) {
                    go = "unexpected EOF";
                } else if (m.startsWith("invalid tar header")) {
                    go = "archive/tar: invalid tar header";
                } else if (t instanceof java.util.zip.ZipException) {
                    go = "unexpected EOF";
                } else {
                    go = m;
                }
                break;
            }
        }
        if (go == null) {
            return e.getMessage();
        }
        return driver.equals("overlay") ? "processing tar file(" + go + "): exit status 1" : "ApplyLayer stdout:  stderr: " + go + " exit status 1";
    }

    /**
     * Upstream's findParentAndLayer for {@code from}: an empty {@code from} means the parent; a
     * {@code from} that is not found silently falls back to the parent; when neither is found the
     * vfs driver fails to stat the would-be layer directory. Returns the key to pass to the store
     * (null: none). Throws "layer not known" when {@code to} is not found.
     */
    static String resolveFrom(Store store, String to, String from) throws IOException {
        Layer t = store.layer(to);
        String key = from == null || from.isEmpty() ? nz(t.parent()) : from;
        if (key.isEmpty()) {
            return null;
        }
        if (find(store, key) != null) {
            return key;
        }
        if (!nz(t.parent()).isEmpty() && find(store, t.parent()) != null) {
            return t.parent();
        }
        throw new IOException("stat " + store.graphRoot().resolve(store.options().driver()).resolve("dir").resolve(key)
                + ": no such file or directory");
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static Command.Action changes(FlagSet flags) {
        FlagSet.Flag<Boolean> json = json(flags);
        return inv -> {
            String to = inv.args().getFirst();
            List<Change> changes;
            try {
                String from = resolveFrom(inv.store(), to, inv.args().size() >= 2 ? inv.args().get(1) : "");
                changes = inv.store().changes(from, to);
            } catch (IOException e) {
                inv.err().print(e.getMessage() + "\n");
                return 1;
            }
            if (json.get()) {
                List<Map<String, Object>> out = new ArrayList<>();
                for (Change c : changes) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("Path", c.path());
                    m.put("Kind", switch (c.kind()) {
                        case MODIFY -> 0;
                        case ADD -> 1;
                        case DELETE -> 2;
                    });
                    out.add(m);
                }
                Output.json(inv.out(), out.isEmpty() ? null : out);
            } else {
                for (Change c : changes) {
                    String what = switch (c.kind()) {
                        case ADD -> "Add";
                        case MODIFY -> "Modify";
                        case DELETE -> "Delete";
                    };
                    inv.out().print(what + " " + GoText.quote(c.path()) + "\n");
                }
            }
            return 0;
        };
    }

    private static Command.Action diffSize(FlagSet flags) {
        return inv -> {
            String to = inv.args().getFirst();
            long n;
            try {
                String from = resolveFrom(inv.store(), to, inv.args().size() >= 2 ? inv.args().get(1) : "");
                n = inv.store().diffSize(from, to);
            } catch (IOException e) {
                inv.err().print(e.getMessage() + "\n");
                return 1;
            }
            inv.out().print(n + "\n");
            return 0;
        };
    }

    private static Command.Action diff(FlagSet flags) {
        FlagSet.Flag<String> file = flags.string(List.of("-file", "f"), "", "Write to file instead of stdout");
        FlagSet.Flag<Boolean> uncompressed = flags.bool(List.of("-uncompressed", "u"), false, "Use no compression");
        FlagSet.Flag<Boolean> gzip = flags.bool(List.of("-gzip", "c"), false, "Compress using gzip");
        FlagSet.Flag<Boolean> bzip2 = flags.bool(List.of("-bzip2", "-bz2", "b"), false, "Compress using bzip2 (not currently supported)");
        FlagSet.Flag<Boolean> xz = flags.bool(List.of("-xz", "x"), false, "Compress using xz (not currently supported)");
        return inv -> {
            String to = inv.args().getFirst();
            OutputStream target;
            boolean toFile = !file.get().isEmpty();
            if (toFile) {
                try {
                    target = GoText.create(file.get(), inv.path(file.get()));
                } catch (IOException e) {
                    inv.err().print(e.getMessage() + "\n");
                    return 1;
                }
            } else {
                PrintStream stdout = inv.out();
                target = new FilterOutputStream(stdout) {
                    @Override
                    public void write(byte[] b, int off, int len) {
                        stdout.write(b, off, len);
                    }

                    @Override
                    public void close() {
                        stdout.flush();
                    }
                };
            }
            Compression c = null;
            if (uncompressed.get() || gzip.get() || bzip2.get() || xz.get()) {
                c = Compression.NONE;
                if (gzip.get()) {
                    c = Compression.GZIP;
                }
                if (bzip2.get()) {
                    c = Compression.BZIP2;
                }
                if (xz.get()) {
                    c = Compression.XZ;
                }
            }
            try (OutputStream o = target) {
                String from = resolveFrom(inv.store(), to, inv.args().size() >= 2 ? inv.args().get(1) : "");
                inv.store().diff(from, to, c, o);
            } catch (IOException e) {
                inv.err().print(e.getMessage() + "\n");
                return 1;
            }
            return 0;
        };
    }

    // ------------------------------------------------------------------ layer data

    private static Command.Action listLayerData(FlagSet flags) {
        FlagSet.Flag<Boolean> json = json(flags);
        return inv -> {
            Layer l;
            try {
                l = inv.store().layer(inv.args().getFirst());
            } catch (IOException e) {
                inv.err().print(e.getMessage() + "\n");
                return 1;
            }
            return Cross.printNames(inv, l.bigDataNames(), json.get());
        };
    }

    private static Command.Action getLayerData(FlagSet flags) {
        FlagSet.Flag<String> file = flags.string(List.of("-file", "f"), "", "Write data to file");
        return inv -> {
            Layer l;
            try {
                l = inv.store().layer(inv.args().getFirst());
            } catch (IOException e) {
                inv.err().print(e.getMessage() + "\n");
                return 1;
            }
            OutputStream output = inv.out();
            if (!file.get().isEmpty()) {
                try {
                    output = GoText.create(file.get(), inv.path(file.get()));
                } catch (IOException e) {
                    inv.err().print(e.getMessage() + "\n");
                    return 1;
                }
            }
            String key = inv.args().get(1);
            try {
                InputStream data;
                try {
                    data = key.isEmpty() ? null : inv.store().layerBigData(l.id(), key);
                } catch (IOException e) {
                    data = null;
                }
                if (data == null) {
                    inv.err().print("locating item named " + GoText.quote(key) + " for layer with ID " + GoText.quote(l.id())
                            + ": file does not exist\n");
                    return 1;
                }
                try (InputStream in = data) {
                    in.transferTo(output);
                } catch (IOException e) {
                    inv.err().print(e.getMessage() + "\n");
                    return 1;
                }
                output.flush();
                return 0;
            } finally {
                if (output != inv.out()) {
                    output.close();
                }
            }
        };
    }

    private static Command.Action setLayerData(FlagSet flags) {
        FlagSet.Flag<String> file = flags.string(List.of("-file", "f"), "", "Read data from file");
        return inv -> {
            Layer l;
            try {
                l = inv.store().layer(inv.args().getFirst());
            } catch (IOException e) {
                inv.err().print(e.getMessage() + "\n");
                return 1;
            }
            InputStream in = inv.in();
            if (!file.get().isEmpty()) {
                try {
                    in = GoText.open(file.get(), inv.path(file.get()));
                } catch (IOException e) {
                    inv.err().print(e.getMessage() + "\n");
                    return 1;
                }
            }
            IOException[] readError = new IOException[1];
            InputStream source = in;
            InputStream watched = new java.io.FilterInputStream(in) {
                @Override
                public int read() throws IOException {
                    try {
                        return super.read();
                    } catch (IOException e) {
                        readError[0] = e;
                        throw e;
                    }
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    try {
                        return source.read(b, off, len);
                    } catch (IOException e) {
                        readError[0] = e;
                        throw e;
                    }
                }
            };
            try (InputStream toClose = in != inv.in() ? in : null) {
                inv.store().setLayerBigData(l.id(), inv.args().get(1), watched);
            } catch (IOException e) {
                // upstream: io.Copy into the item file failing on the input
                inv.err().print((readError[0] != null ? "copying bigdata for the layer: " + readError[0].getMessage() : e.getMessage())
                        + "\n");
                return 1;
            }
            return 0;
        };
    }

    // ------------------------------------------------------------------ delete-layer

    private static Command.Action deleteLayer(FlagSet flags) {
        FlagSet.Flag<Boolean> json = json(flags);
        return inv -> {
            Map<String, String> deleted = new LinkedHashMap<>();
            for (String what : inv.args()) {
                String err = "";
                try {
                    deleteLayer(inv.store(), what);
                } catch (IOException e) {
                    err = e.getMessage();
                }
                deleted.put(what, err);
            }
            printDeleted(inv, json.get(), deleted);
            return deleted.values().stream().anyMatch(e -> !e.isEmpty()) ? 1 : 0;
        };
    }

    /**
     * Upstream's store.DeleteLayer: the "in use" checks compare against {@code id} as given (its
     * attempt to replace the argument with the full ID never runs), so a name or ID prefix bypasses them.
     */
    static void deleteLayer(Store store, String id) throws IOException {
        Layer l = find(store, id);
        if (l == null || l.readOnly()) {
            throw new IOException("identifier is not a layer");
        }
        for (Layer other : store.layers()) {
            if (!other.readOnly() && id.equals(other.parent())) {
                throw new IOException("used by layer " + other.id() + ": layer has children");
            }
        }
        for (Image image : store.images()) {
            if (!image.readOnly() && id.equals(image.topLayer())) {
                throw new IOException("layer " + id + " used by image " + image.id() + ": layer is in use by an image");
            }
        }
        for (Container c : store.containers()) {
            if (id.equals(c.layer())) {
                throw new IOException("layer " + id + " used by container " + c.id() + ": layer is in use by a container");
            }
        }
        try {
            store.deleteLayerUnchecked(l.id());
        } catch (IOException e) {
            throw new IOException("delete layer " + id + ": " + e.getMessage(), e);
        }
    }

    /** The output of delete-layer/delete/delete-container: JSON object (keys sorted, as Go's map), or stderr lines. */
    static void printDeleted(Invocation inv, boolean json, Map<String, String> deleted) {
        if (json) {
            Output.json(inv.out(), new TreeMap<>(deleted));
            return;
        }
        deleted.forEach((what, err) -> {
            if (!err.isEmpty()) {
                inv.err().print(what + ": " + err + "\n");
            }
        });
    }

}
