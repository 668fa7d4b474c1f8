package io.cargohold.cstorage;

import io.cargohold.errors.NotFoundException;
import io.cargohold.storage.Container;
import io.cargohold.storage.ContainerOptions;
import io.cargohold.storage.IdMap;
import io.cargohold.storage.Image;
import io.cargohold.storage.Layer;
import io.cargohold.storage.Store;
import io.cargohold.storage.internal.RecordJson;
import io.cargohold.storage.internal.StoreLayout;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Upstream's container commands (cmd/containers-storage/container.go, containers.go and the
 * container parts of create.go and delete.go).
 */
final class ContainerCommands {
    private ContainerCommands() {
    }

    static List<Command> all() {
        return List.of(
                new Command(List.of("container"), "[options [...]] containerNameOrID [...]", 1, 0, "Examine a container", f -> {
                    var json = ImageCommands.json(f);
                    return inv -> container(inv, json.get());
                }),
                new Command(List.of("list-container-data", "listcontainerdata"), "[options [...]] containerNameOrID", 1, 1,
                        "List data items that are attached to an container", f -> {
                            var json = ImageCommands.json(f);
                            return inv -> listData(inv, json.get());
                        }),
                new Command(List.of("get-container-data", "getcontainerdata"), "[options [...]] containerNameOrID dataName", 2, 0,
                        "Get data that is attached to an container", f -> {
                            var file = f.string(List.of("-file", "f"), "", "Write data to file");
                            return inv -> getData(inv, file.get());
                        }),
                new Command(List.of("get-container-data-size", "getcontainerdatasize"), "[options [...]] containerNameOrID dataName", 2,
                        0, "Get size of data that is attached to an container", f -> ContainerCommands::getDataSize),
                new Command(List.of("get-container-data-digest", "getcontainerdatadigest"), "[options [...]] containerNameOrID dataName",
                        2, 0, "Get digest of data that is attached to an container", f -> ContainerCommands::getDataDigest),
                new Command(List.of("set-container-data", "setcontainerdata"), "[options [...]] containerNameOrID dataName", 2, 0,
                        "Set data that is attached to an container", f -> {
                            var file = f.string(List.of("-file", "f"), "", "Read data from file");
                            return inv -> setData(inv, file.get());
                        }),
                new Command(List.of("get-container-dir", "getcontainerdir"), "[options [...]] containerNameOrID", 1, 0,
                        "Find the container's associated data directory", f -> inv -> dir(inv, false)),
                new Command(List.of("get-container-run-dir", "getcontainerrundir"), "[options [...]] containerNameOrID", 1, 0,
                        "Find the container's associated runtime directory", f -> inv -> dir(inv, true)),
                new Command(List.of("container-parent-owners"), "[options [...]] containerNameOrID [...]", 1, 0,
                        "Compute the set of unmapped parent UIDs and GIDs of the container", f -> {
                            var json = ImageCommands.json(f);
                            return inv -> parentOwners(inv, json.get());
                        }),
                new Command(List.of("containers"), "[options [...]]", 0, 0, "List containers", f -> {
                    var json = ImageCommands.json(f);
                    return inv -> containers(inv, json.get());
                }),
                new Command(List.of("create-container", "createcontainer"), "[options [...]] parentImageNameOrID", 1, 1,
                        "Create a new container from an image", f -> {
                            var names = f.list(List.of("-name", "n"), "Container name");
                            var volatileFlag = f.bool(List.of("-volatile"), false, "Mark as volatile");
                            var id = f.string(List.of("-id", "i"), "", "Container ID");
                            var metadata = f.string(List.of("-metadata", "m"), "", "Metadata");
                            var metadataFile = f.string(List.of("-metadata-file", "f"), "", "Metadata File");
                            var json = ImageCommands.json(f);
                            IdMapOptions maps = IdMapOptions.define(f);
                            return inv -> createContainer(inv, names.get(), volatileFlag.get(), id.get(), metadata.get(), metadataFile.get(),
                                    json.get(), maps);
                        }),
                new Command(List.of("delete-container", "deletecontainer"), "[ContainerNameOrID [...]]", 1, 0,
                        "Delete a container, with safety checks", f -> {
                            var json = ImageCommands.json(f);
                            return inv -> deleteContainer(inv, json.get());
                        }));
    }

    /** {@code m.Container(arg)}: null when nothing matches. */
    static Container find(Store store, String key) throws IOException {
        try {
            return store.container(key);
        } catch (NotFoundException e) {
            return null;
        }
    }

    private static Container require(Invocation inv, String key) throws IOException {
        Container c = find(inv.store(), key);
        if (c == null) {
            inv.err().println("container not known");
        }
        return c;
    }

    // ------------------------------------------------------------------ listing

    private static int containers(Invocation inv, boolean json) throws IOException {
        List<Container> all = inv.store().containers();
        if (json) {
            Output.json(inv.out(), all.stream().map(RecordJson::container).toList());
        } else {
            PrintStream out = inv.out();
            for (Container c : all) {
                out.print(c.id() + "\n");
                for (String n : c.names()) {
                    out.print("\tname: " + n + "\n");
                }
                for (String n : c.bigDataNames()) {
                    out.print("\tdata: " + n + "\n");
                }
            }
        }
        return 0;
    }

    private static int container(Invocation inv, boolean json) throws IOException {
        Store store = inv.store();
        List<Image> images = store.images();
        List<Container> matches = new ArrayList<>();
        for (String arg : inv.args()) {
            Container c = find(store, arg);
            if (c != null) {
                matches.add(c);
            }
        }
        if (json) {
            Output.json(inv.out(), matches.stream().map(RecordJson::container).toList());
        } else {
            PrintStream out = inv.out();
            for (Container c : matches) {
                out.print("ID: " + c.id() + "\n");
                for (String n : c.names()) {
                    out.print("Name: " + n + "\n");
                }
                out.print("Image: " + c.image() + "\n");
                for (Image i : images) {
                    if (i.id().equals(c.image())) {
                        for (String n : i.names()) {
                            out.print("Image name: " + n + "\n");
                        }
                        break;
                    }
                }
                try {
                    out.print("Size: " + size(store, c.id()) + "\n");
                } catch (IOException e) {
                    out.print("Size unknown: " + e.getMessage() + "\n");
                }
                out.print("Layer: " + c.layer() + "\n");
                for (String n : c.bigDataNames()) {
                    out.print("Data: " + n + "\n");
                }
            }
        }
        return matches.size() != inv.args().size() ? 1 : 0;
    }

    /**
     * Upstream's ContainerSize: creates both user-data directories, then the container layer's size
     * against its parent, its data items, and every non-directory entry under the two directories
     * (hard links once).
     */
    static long size(Store store, String id) throws IOException {
        Path cdir = store.containerDirectory(id);
        Path rdir = store.containerRunDirectory(id);
        Container c = store.container(id);
        long size;
        Layer layer;
        try {
            layer = store.layer(c.layer());
        } catch (NotFoundException e) {
            throw new IOException("locating layer with ID " + Cross.quote(c.layer()) + ": layer not known", e);
        }
        try {
            size = store.diffSize(null, layer.id());
        } catch (IOException e) {
            throw new IOException("determining size of layer with ID " + Cross.quote(layer.id()) + ": " + e.getMessage(), e);
        }
        for (String name : c.bigDataNames()) {
            Long n = c.bigDataSizes().get(name);
            if (n == null) {
                throw new IOException("reading size of big data item " + Cross.quote(name) + " for container " + Cross.quote(id)
                        + ": size is not known");
            }
            size += n;
        }
        return size + usage(cdir) + usage(rdir);
    }

    /** pkg/directory's Size: the sizes of the non-directories under {@code dir}, each inode counted once. */
    private static long usage(Path dir) throws IOException {
        Set<Object> inodes = new HashSet<>();
        long[] size = {0};
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            private FileVisitResult visit(Path p, BasicFileAttributes a) {
                Object key = a.fileKey();
                if (key != null && !inodes.add(key)) {
                    return FileVisitResult.CONTINUE;
                }
                if (!a.isDirectory()) {
                    size[0] += a.size();
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) {
                return visit(d, a);
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
                return visit(f, a);
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
                if (e instanceof NoSuchFileException && !f.equals(dir)) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
        return size[0];
    }

    // ------------------------------------------------------------------ data items

    private static int listData(Invocation inv, boolean json) throws IOException {
        Container c = require(inv, inv.args().getFirst());
        if (c == null) {
            return 1;
        }
        return Cross.printNames(inv, c.bigDataNames(), json);
    }

    private static int getData(Invocation inv, String file) throws IOException {
        Container c = require(inv, inv.args().getFirst());
        if (c == null) {
            return 1;
        }
        String key = inv.args().get(1);
        OutputStream out = inv.out();
        if (!file.isEmpty()) {
            try {
                out = GoText.create(file, inv.path(file));
            } catch (IOException e) {
                inv.err().println(e.getMessage());
                return 1;
            }
        }
        try (OutputStream o = out == inv.out() ? null : out) {
            if (key.isEmpty()) {
                inv.err().println("can't retrieve container big data value for empty name: not a valid name for a big data item");
                return 1;
            }
            byte[] data;
            try {
                data = inv.store().containerBigData(c.id(), key);
            } catch (NotFoundException e) {
                Path item = StoreLayout.bigDataFile(inv.store().graphRoot().resolve(inv.options().driver() + "-containers"), c.id(), key);
                inv.err().println("open " + item + ": no such file or directory");
                return 1;
            }
            out.write(data);
            out.flush();
        }
        return 0;
    }

    private static int getDataSize(Invocation inv) throws IOException {
        Container c = require(inv, inv.args().getFirst());
        if (c == null) {
            return 1;
        }
        String key = inv.args().get(1);
        if (key.isEmpty()) {
            inv.err().println("can't retrieve size of container big data with empty name: not a valid name for a big data item");
            return 1;
        }
        Long size = c.bigDataSizes().get(key);
        if (size == null) {
            try {
                size = (long) inv.store().containerBigData(c.id(), key).length;
            } catch (NotFoundException e) {
                inv.err().println("size is not known");
                return 1;
            }
        }
        inv.out().print(size + "\n");
        return 0;
    }

    private static int getDataDigest(Invocation inv) throws IOException {
        Container c = require(inv, inv.args().getFirst());
        if (c == null) {
            return 1;
        }
        String key = inv.args().get(1);
        if (key.isEmpty()) {
            inv.err().println("can't retrieve digest of container big data value with empty name: not a valid name for a big data item");
            return 1;
        }
        String d = c.bigDataDigests().get(key);
        if (d == null) {
            try {
                d = io.cargohold.digest.Digest.sha256(inv.store().containerBigData(c.id(), key)).toString();
            } catch (NotFoundException e) {
                inv.err().println("could not compute digest of item");
                return 1;
            }
        }
        String bad = ImageCommands.validateDigest(d);
        if (bad != null) {
            inv.err().println(bad);
            return 1;
        }
        inv.out().print(d + "\n");
        return 0;
    }

    private static int setData(Invocation inv, String file) throws IOException {
        Container c = require(inv, inv.args().getFirst());
        if (c == null) {
            return 1;
        }
        byte[] data = Cross.readInput(inv, file);
        if (data == null) {
            return 1;
        }
        try {
            inv.store().setContainerBigData(c.id(), inv.args().get(1), data);
        } catch (IOException e) {
            inv.err().println(e.getMessage());
            return 1;
        }
        return 0;
    }

    // ------------------------------------------------------------------ directories, owners

    private static int dir(Invocation inv, boolean run) throws IOException {
        Path p;
        try {
            p = run ? inv.store().containerRunDirectory(inv.args().getFirst()) : inv.store().containerDirectory(inv.args().getFirst());
        } catch (IOException e) {
            inv.err().println(e.getMessage());
            return 1;
        }
        inv.out().print(p + "\n");
        return 0;
    }

    private static int parentOwners(Invocation inv, boolean json) throws IOException {
        List<Container> matched = new ArrayList<>();
        for (String arg : inv.args()) {
            Container c = find(inv.store(), arg);
            if (c != null) {
                matched.add(c);
            }
        }
        for (Container c : matched) {
            long[][] owners;
            try {
                owners = inv.store().containerParentOwners(c.id());
            } catch (IOException e) {
                inv.err().println("ContainerParentOwner: " + e.getMessage());
                return 1;
            }
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("ID", c.id());
                m.put("UIDs", owners[0].length == 0 ? null : owners[0]);
                m.put("GIDs", owners[1].length == 0 ? null : owners[1]);
                Output.json(inv.out(), m);
            } else {
                inv.out().print("ID: " + c.id() + "\n");
                inv.out().print("UIDs: " + goList(owners[0]) + "\n");
                inv.out().print("GIDs: " + goList(owners[1]) + "\n");
            }
        }
        return matched.size() != inv.args().size() ? 1 : 0;
    }

    /** Go's {@code %v} of an {@code []int}. */
    private static String goList(long[] ids) {
        return Arrays.stream(ids).mapToObj(Long::toString).collect(Collectors.joining(" ", "[", "]"));
    }

    // ------------------------------------------------------------------ create / delete

    private static int createContainer(Invocation inv, List<String> names, boolean volatileFlag, String id, String metadata,
                                       String metadataFile, boolean json, IdMapOptions maps) throws IOException {
        if (!metadataFile.isEmpty()) {
            try {
                metadata = new String(Cross.readFile(inv, metadataFile), java.nio.charset.StandardCharsets.UTF_8);
            } catch (IOException e) {
                inv.err().println(e.getMessage());
                return 1;
            }
        }
        IdMapOptions.Maps mapping;
        try {
            mapping = maps.resolve();
        } catch (IdMapOptions.IdMapException e) {
            inv.err().println(e.getMessage());
            return 1;
        }
        String image = inv.args().getFirst();
        ContainerOptions o = ContainerOptions.of(image).withNames(names).withMetadata(metadata).withVolatile(volatileFlag)
                .withIdMaps(mapping.uidMap(), mapping.gidMap());
        if (!id.isEmpty()) {
            o = o.withId(id);
        }
        Container c;
        try {
            c = inv.store().createContainer(o);
        } catch (NotFoundException e) {
            inv.err().println("image not known".equals(e.getMessage()) ? ImageCommands.notKnown(image) : e.getMessage());
            return 1;
        } catch (IOException e) {
            inv.err().println(e.getMessage());
            return 1;
        }
        if (json) {
            Output.json(inv.out(), RecordJson.container(c));
        } else {
            inv.out().print(c.id() + "\n");
            for (String n : c.names()) {
                inv.out().print("\t" + n); // sic: no newline (upstream)
            }
        }
        return 0;
    }

    private static int deleteContainer(Invocation inv, boolean json) throws IOException {
        Map<String, String> deleted = new LinkedHashMap<>();
        for (String what : inv.args()) {
            String err = "";
            try {
                inv.store().deleteContainer(what);
            } catch (NotFoundException e) {
                err = "container not known".equals(e.getMessage()) ? "identifier is not a container" : e.getMessage();
            } catch (IOException e) {
                err = e.getMessage();
            }
            deleted.put(what, err);
        }
        return Cross.reportDeletions(inv, deleted, json);
    }
}
