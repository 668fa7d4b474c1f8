package io.cargohold.cstorage;

import io.cargohold.errors.NotFoundException;
import io.cargohold.storage.Image;
import io.cargohold.storage.ImageOptions;
import io.cargohold.storage.Layer;
import io.cargohold.storage.Store;
import io.cargohold.storage.internal.RecordJson;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Upstream's image commands (cmd/containers-storage/image.go, images.go, the image parts of
 * create.go and delete.go): images, images-by-digest, image, create-image, the image data items and
 * delete-image.
 */
final class ImageCommands {
    private ImageCommands() {
    }

    static List<Command> all() {
        return List.of(
                new Command(List.of("image"), "[options [...]] imageNameOrID [...]", 1, 0, "Examine an image", f -> {
                    var json = json(f);
                    return inv -> image(inv, json.get());
                }),
                new Command(List.of("list-image-data", "listimagedata"), "[options [...]] imageNameOrID", 1, 1,
                        "List data items that are attached to an image", f -> {
                            var json = json(f);
                            return inv -> listData(inv, json.get());
                        }),
                new Command(List.of("get-image-data", "getimagedata"), "[options [...]] imageNameOrID dataName", 2, 0,
                        "Get data that is attached to an image", f -> {
                            var file = f.string(List.of("-file", "f"), "", "Write data to file");
                            return inv -> getData(inv, file.get());
                        }),
                new Command(List.of("get-image-data-size", "getimagedatasize"), "[options [...]] imageNameOrID dataName", 2, 0,
                        "Get size of data that is attached to an image", f -> ImageCommands::getDataSize),
                new Command(List.of("get-image-data-digest", "getimagedatadigest"), "[options [...]] imageNameOrID dataName", 2, 0,
                        "Get digest of data that is attached to an image", f -> ImageCommands::getDataDigest),
                new Command(List.of("set-image-data", "setimagedata"), "[options [...]] imageNameOrID dataName", 2, 0,
                        "Set data that is attached to an image (with sometimes wrong digest)", f -> {
                            var file = f.string(List.of("-file", "f"), "", "Read data from file");
                            return inv -> setData(inv, file.get());
                        }),
                new Command(List.of("images"), "[options [...]]", 0, 0, "List images", f -> {
                    var json = json(f);
                    var quiet = f.bool(List.of("-quiet", "q"), false, "Only print IDs");
                    return inv -> images(inv, json.get(), quiet.get());
                }),
                new Command(List.of("images-by-digest"), "[options [...]] DIGEST", 1, 1, "List images by digest", f -> {
                    var json = json(f);
                    var quiet = f.bool(List.of("-quiet", "q"), false, "Only print IDs");
                    return inv -> imagesByDigest(inv, json.get(), quiet.get());
                }),
                new Command(List.of("create-image", "createimage"), "[options [...]] topLayerNameOrID", 0, 1,
                        "Create a new image using layers", f -> {
                            var names = f.list(List.of("-name", "n"), "Image name");
                            var id = f.string(List.of("-id", "i"), "", "Image ID");
                            var digest = f.string(List.of("-digest", "d"), "", "Image Digest");
                            var metadata = f.string(List.of("-metadata", "m"), "", "Metadata");
                            var metadataFile = f.string(List.of("-metadata-file", "f"), "", "Metadata File");
                            var json = json(f);
                            return inv -> createImage(inv, names.get(), id.get(), digest.get(), metadata.get(), metadataFile.get(),
                                    json.get());
                        }),
                new Command(List.of("delete-image", "deleteimage"), "[ImageNameOrID [...]]", 1, 0, "Delete an image, with safety checks",
                        f -> {
                            var test = f.bool(List.of("-test", "t"), false, "Only test removal");
                            var json = json(f);
                            return inv -> deleteImage(inv, test.get(), json.get());
                        }));
    }

    static FlagSet.Flag<Boolean> json(FlagSet f) {
        return f.bool(List.of("-json", "j"), false, "Prefer JSON output");
    }

    /** {@code m.Image(arg)}: null when no image (of any store) matches. */
    static Image find(Store store, String key) throws IOException {
        try {
            return store.image(key);
        } catch (NotFoundException e) {
            return null;
        }
    }

    /** {@code m.Image(arg)} as the data commands use it: the image, or upstream's error printed on stderr. */
    private static Image require(Invocation inv, String key) throws IOException {
        Image i = find(inv.store(), key);
        if (i == null) {
            inv.err().println(notKnown(key));
        }
        return i;
    }

    static String notKnown(String key) {
        return "locating image with ID " + Cross.quote(key) + ": image not known";
    }

    // ------------------------------------------------------------------ listing

    private static int images(Invocation inv, boolean json, boolean quiet) throws IOException {
        List<Image> images = inv.store().images();
        if (json) {
            Output.json(inv.out(), images.isEmpty() ? null : images.stream().map(RecordJson::image).toList());
        } else {
            printList(inv.out(), images, quiet);
        }
        return 0;
    }

    private static void printList(PrintStream out, List<Image> images, boolean quiet) {
        for (Image i : images) {
            out.print(i.id() + "\n");
            if (quiet) {
                continue;
            }
            for (String n : i.names()) {
                out.print("\tname: " + n + "\n");
            }
            for (String d : i.digests()) {
                out.print("\tdigest: " + d + "\n");
            }
            for (String n : i.bigDataNames()) {
                out.print("\tdata: " + n + "\n");
            }
        }
    }

    private static int imagesByDigest(Invocation inv, boolean json, boolean quiet) throws IOException {
        List<Image> images = new ArrayList<>();
        for (String arg : inv.args()) {
            String bad = validateDigest(arg);
            if (bad != null) {
                inv.err().println(arg + ": " + bad);
                return 1;
            }
            images.addAll(inv.store().imagesByDigest(arg));
        }
        if (json) {
            Output.json(inv.out(), images.stream().map(RecordJson::image).toList());
        } else {
            printList(inv.out(), images, quiet);
        }
        return 0;
    }

    /** Compiled at first use (images-by-digest): not by every command's start, which builds this class's command table. */
    private static final class Digests {
        static final Pattern DIGEST = Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+");
        static final Pattern SHA256_HEX = Pattern.compile("[a-f0-9]{64}");
    }

    /**
     * go-digest's {@code Digest.Validate} as linked into upstream's binary, where only sha256 is
     * available (errata 4: sha384 and sha512 are "unsupported"); null when valid, else its error text.
     */
    static String validateDigest(String d) {
        int i = d.indexOf(':');
        if (i <= 0 || i + 1 == d.length()) {
            return "invalid checksum digest format";
        }
        String alg = d.substring(0, i);
        String encoded = d.substring(i + 1);
        if (!alg.equals("sha256")) {
            return Digests.DIGEST.matcher(d).matches() ? "unsupported digest algorithm" : "invalid checksum digest format";
        }
        if (encoded.length() != 64) {
            return "invalid checksum digest length";
        }
        return Digests.SHA256_HEX.matcher(encoded).matches() ? null : "invalid checksum digest format";
    }

    // ------------------------------------------------------------------ image

    private static int image(Invocation inv, boolean json) throws IOException {
        List<Image> matched = new ArrayList<>();
        for (String arg : inv.args()) {
            Image i = find(inv.store(), arg);
            if (i != null) {
                matched.add(i);
            }
        }
        if (json) {
            Output.json(inv.out(), matched.stream().map(RecordJson::image).toList());
        } else {
            PrintStream out = inv.out();
            for (Image i : matched) {
                out.print("ID: " + i.id() + "\n");
                for (String n : i.names()) {
                    out.print("Name: " + n + "\n");
                }
                out.print("Top Layer: " + nz(i.topLayer()) + "\n");
                for (String l : i.mappedLayers()) {
                    out.print("Top Layer: " + l + "\n");
                }
                for (String d : i.digests()) {
                    out.print("Digest: " + d + "\n");
                }
                for (String n : i.bigDataNames()) {
                    out.print("Data: " + n + "\n");
                }
                try {
                    out.print("Size: " + size(inv.store(), i) + "\n");
                } catch (IOException e) {
                    out.print("Size unknown: " + e.getMessage() + "\n");
                }
                if (i.readOnly()) {
                    out.print("Read Only: true\n");
                }
            }
        }
        return matched.size() != inv.args().size() ? 1 : 0;
    }

    /**
     * Upstream's ImageSize: every layer reachable from the top layer and the mapped top layers through
     * parents, once each (its recorded diff size when it has a diff digest, else its size against its
     * parent), plus the sizes of the image's data items.
     */
    static long size(Store store, Image image) throws IOException {
        Set<String> queue = new LinkedHashSet<>();
        if (image.topLayer() != null && !image.topLayer().isEmpty()) {
            queue.add(image.topLayer());
        }
        for (String l : image.mappedLayers()) {
            if (!l.isEmpty()) {
                queue.add(l);
            }
        }
        Set<String> visited = new HashSet<>();
        long size = 0;
        while (visited.size() < queue.size()) {
            for (String id : List.copyOf(queue)) {
                if (!visited.add(id)) {
                    continue;
                }
                Layer layer;
                try {
                    layer = store.layer(id);
                } catch (NotFoundException e) {
                    throw new IOException("locating layer with ID " + Cross.quote(id) + ": layer not known", e);
                }
                long n = layer.uncompressedSize();
                if (layer.uncompressedDigest() == null || layer.uncompressedDigest().isEmpty()) {
                    try {
                        n = store.diffSize(null, layer.id());
                    } catch (IOException e) {
                        throw new IOException("size/digest of layer with ID " + Cross.quote(id) + " could not be calculated: "
                                + e.getMessage(), e);
                    }
                }
                size += Math.max(0, n);
                if (layer.parent() != null && !layer.parent().isEmpty()) {
                    queue.add(layer.parent());
                }
            }
        }
        for (String name : image.bigDataNames()) {
            Long n = image.bigDataSizes().get(name);
            if (n == null) {
                throw new IOException("reading size of big data item " + Cross.quote(name) + " for image " + Cross.quote(image.id())
                        + ": size is not known");
            }
            size += n;
        }
        return size;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    // ------------------------------------------------------------------ data items

    private static int listData(Invocation inv, boolean json) throws IOException {
        Image i = require(inv, inv.args().getFirst());
        if (i == null) {
            return 1;
        }
        return Cross.printNames(inv, i.bigDataNames(), json);
    }

    private static int getData(Invocation inv, String file) throws IOException {
        Image i = require(inv, inv.args().getFirst());
        if (i == null) {
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
            byte[] data;
            try {
                if (key.isEmpty()) {
                    throw new NotFoundException("empty key", null);
                }
                data = inv.store().imageBigData(i.id(), key);
            } catch (NotFoundException e) {
                inv.err().println("locating item named " + Cross.quote(key) + " for image with ID " + Cross.quote(i.id())
                        + " (consider removing the image to resolve the issue): file does not exist");
                return 1;
            }
            out.write(data);
            out.flush();
        }
        return 0;
    }

    private static int getDataSize(Invocation inv) throws IOException {
        Image i = require(inv, inv.args().getFirst());
        if (i == null) {
            return 1;
        }
        String key = inv.args().get(1);
        Long size = key.isEmpty() ? null : i.bigDataSizes().get(key);
        if (size == null && !key.isEmpty()) {
            try {
                size = (long) inv.store().imageBigData(i.id(), key).length;
            } catch (NotFoundException e) {
                size = null;
            }
        }
        if (size == null) {
            inv.err().println("size is not known");
            return 1;
        }
        inv.out().print(size + "\n");
        return 0;
    }

    private static int getDataDigest(Invocation inv) throws IOException {
        Image i = require(inv, inv.args().getFirst());
        if (i == null) {
            return 1;
        }
        String key = inv.args().get(1);
        String d = key.isEmpty() ? null : i.bigDataDigests().get(key);
        if (d == null || validateDigest(d) != null) {
            inv.err().println("could not compute digest of item");
            return 1;
        }
        inv.out().print(d + "\n");
        return 0;
    }

    private static int setData(Invocation inv, String file) throws IOException {
        Image i = find(inv.store(), inv.args().getFirst());
        if (i == null) {
            inv.err().println(notKnown(inv.args().getFirst()));
            return 1;
        }
        byte[] data = Cross.readInput(inv, file);
        if (data == null) {
            return 1;
        }
        String key = inv.args().get(1);
        try {
            inv.store().setImageBigData(i.id(), key, data);
        } catch (NotFoundException e) {
            // an image of an additional (read-only) store: upstream's writable image store does not know it
            inv.err().println(notKnown(i.id()));
            return 1;
        } catch (IOException e) {
            inv.err().println(e.getMessage());
            return 1;
        }
        return 0;
    }

    // ------------------------------------------------------------------ create / delete

    private static int createImage(Invocation inv, List<String> names, String id, String digest, String metadata, String metadataFile,
                                   boolean json) throws IOException {
        if (!metadataFile.isEmpty()) {
            try {
                metadata = new String(Cross.readFile(inv, metadataFile), java.nio.charset.StandardCharsets.UTF_8);
            } catch (IOException e) {
                inv.err().println(e.getMessage());
                return 1;
            }
        }
        String layer = inv.args().isEmpty() ? "" : inv.args().getFirst();
        Store store = inv.store();
        Image image;
        try {
            String bad = digest.isEmpty() ? null : validateDigest(digest);
            if (bad != null) {
                // upstream validates the digest last, after the layer, the ID and the names
                if (!layer.isEmpty()) {
                    store.layer(layer);
                }
                List<Image> all = store.images();
                if (!id.isEmpty() && all.stream().anyMatch(x -> !x.readOnly() && x.id().equals(id))) {
                    throw new IOException("an image with ID " + Cross.quote(id) + " already exists: that ID is already in use");
                }
                for (String n : new LinkedHashSet<>(names)) {
                    for (Image x : all) {
                        if (!x.readOnly() && x.names().contains(n)) {
                            throw new IOException("image name " + Cross.quote(n) + " is already associated with image "
                                    + Cross.quote(x.id()) + ": that name is already in use");
                        }
                    }
                }
                throw new IOException("validating digests for new image: validating image digest " + Cross.quote(digest) + ": " + bad);
            }
            ImageOptions o = ImageOptions.of(layer.isEmpty() ? null : layer).withNames(names).withMetadata(metadata);
            if (!id.isEmpty()) {
                o = o.withId(id);
            }
            if (!digest.isEmpty()) {
                o = o.withDigest(digest);
            }
            image = store.createImage(o);
        } catch (IOException e) {
            inv.err().println(e.getMessage());
            return 1;
        }
        if (json) {
            Output.json(inv.out(), RecordJson.image(image));
        } else {
            inv.out().print(image.id() + "\n");
            for (String n : image.names()) {
                inv.out().print("\t" + n + "\n");
            }
        }
        return 0;
    }

    private static int deleteImage(Invocation inv, boolean test, boolean json) throws IOException {
        Map<String, Map<String, Object>> deleted = new LinkedHashMap<>();
        for (String what : inv.args()) {
            Map<String, Object> rec = new LinkedHashMap<>();
            try {
                List<String> layers = inv.store().deleteImage(what, true, !test);
                if (!layers.isEmpty()) {
                    rec.put("deleted-layers", layers);
                }
            } catch (NotFoundException e) {
                rec.put("error", "image not known".equals(e.getMessage()) ? "identifier is not an image" : e.getMessage());
            } catch (IOException e) {
                rec.put("error", e.getMessage());
            }
            deleted.put(what, rec);
        }
        if (json) {
            Output.json(inv.out(), Cross.sorted(deleted));
        } else {
            for (var e : deleted.entrySet()) {
                Object err = e.getValue().get("error");
                if (err != null) {
                    inv.err().println(e.getKey() + ": " + err);
                } else {
                    @SuppressWarnings("unchecked")
                    List<String> layers = (List<String>) e.getValue().getOrDefault("deleted-layers", List.of());
                    for (String l : layers) {
                        inv.err().println(e.getKey() + ": " + l);
                    }
                }
            }
        }
        return deleted.values().stream().anyMatch(r -> r.containsKey("error")) ? 1 : 0;
    }
}
