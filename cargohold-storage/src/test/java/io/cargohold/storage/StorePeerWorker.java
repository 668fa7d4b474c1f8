package io.cargohold.storage;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A separate process working on a shared store with our library: it creates and deletes layers
 * (writing files into their trees), images (with a manifest and config skopeo can inspect) and
 * containers, renames records (fresh names, names moved between its own records, names replaced),
 * sets metadata and mounts/unmounts, at random, and reports every step on stdout (flushed per line):
 *
 * <pre>
 * READY                         store open, model built
 * LAYER id parent|- name        createLayer returned
 * IMAGE id layer name           createImage returned
 * CONTAINER id image layer name createContainer returned
 * RM kind id  /  RMOK kind id [containerLayer]    before a delete / after it returned
 * NAMING kind id  /  NAMES kind id n1,n2|-       before a names change / after it (new names)
 * BEGIN op  /  END              around every call that changes the store (a kill between them
 *                               landed mid-operation: the crash test counts those)
 * TICK n                        every 10 operations
 * DONE n                        stopped (STOP on stdin or max operations) after checking its model
 * </pre>
 *
 * Arguments: graphRoot runRoot prefix seed maxOps adopt. {@code prefix} makes its names unique;
 * {@code adopt=true} takes every record already in the store as its own (a crash test's successor
 * worker); otherwise it only ever touches what it created, so several workers (and skopeo) can share
 * the store. Any exception ends it with exit code 1. After each operation it checks the records it
 * touched against its own model, so a lost or wrong update fails the worker on the spot.
 */
public final class StorePeerWorker {
    private final Store store;
    private final Random random;
    private final String prefix;
    private int counter;

    /** Own records: layer id → parent ("" = base), image id → top layer, container id → {image, layer}. */
    private final Map<String, String> layerParent = new LinkedHashMap<>();
    private final Map<String, String> imageLayer = new LinkedHashMap<>();
    private final Map<String, String[]> containers = new LinkedHashMap<>();
    private final Map<Store.Kind, Map<String, List<String>>> names = new HashMap<>();

    private StorePeerWorker(Store store, Random random, String prefix) {
        this.store = store;
        this.random = random;
        this.prefix = prefix;
        for (Store.Kind k : Store.Kind.values()) {
            names.put(k, new LinkedHashMap<>());
        }
    }

    public static void main(String[] args) {
        try {
            Path graph = Path.of(args[0]);
            Path run = Path.of(args[1]);
            String prefix = args[2];
            long seed = Long.parseLong(args[3]);
            long maxOps = Long.parseLong(args[4]);
            boolean adopt = Boolean.parseBoolean(args[5]);
            Store store = Store.open(StoreOptions.vfs(graph, run));
            StorePeerWorker w = new StorePeerWorker(store, new Random(seed), prefix);
            if (adopt) {
                w.adopt();
            }
            var stop = new java.util.concurrent.atomic.AtomicBoolean();
            Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.equals("STOP")) {
                            stop.set(true);
                        }
                    }
                } catch (java.io.IOException ignored) {
                    // parent gone
                }
            });
            out("READY");
            long ops = 0;
            while (!stop.get() && ops < maxOps) {
                w.step();
                ops++;
                if (ops % 10 == 0) {
                    out("TICK " + ops);
                }
            }
            w.verifyAll();
            out("DONE " + ops);
            System.exit(0);
        } catch (Throwable t) {
            t.printStackTrace();
            System.out.println("ERROR " + t);
            System.out.flush();
            System.exit(1);
        }
    }

    private static void out(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** Before a call that changes the store: a kill before the matching {@link #end()} landed mid-operation. */
    private static void begin(String operation) {
        out("BEGIN " + operation);
    }

    private static void end() {
        out("END");
    }

    private void adopt() throws Exception {
        for (Layer l : store.layers()) {
            layerParent.put(l.id(), l.parent() == null ? "" : l.parent());
            names.get(Store.Kind.LAYER).put(l.id(), new ArrayList<>(l.names()));
        }
        for (Image i : store.images()) {
            imageLayer.put(i.id(), i.topLayer() == null ? "" : i.topLayer());
            names.get(Store.Kind.IMAGE).put(i.id(), new ArrayList<>(i.names()));
        }
        for (Container c : store.containers()) {
            containers.put(c.id(), new String[] {c.image(), c.layer()});
            names.get(Store.Kind.CONTAINER).put(c.id(), new ArrayList<>(c.names()));
        }
    }

    private String fresh(String kind) {
        return prefix + "-" + kind + "-" + (++counter);
    }

    // ------------------------------------------------------------------ choosing

    private boolean isContainerLayer(String layer) {
        return containers.values().stream().anyMatch(c -> c[1].equals(layer));
    }

    private List<String> plainLayers() {
        return layerParent.keySet().stream().filter(l -> !isContainerLayer(l)).toList();
    }

    private int depth(String layer) {
        int d = 0;
        for (String p = layerParent.get(layer); p != null && !p.isEmpty(); p = layerParent.get(p)) {
            d++;
        }
        return d;
    }

    private List<String> deletableLayers() {
        List<String> out = new ArrayList<>();
        for (String l : plainLayers()) {
            boolean used = layerParent.containsValue(l) || imageLayer.containsValue(l);
            if (!used) {
                out.add(l);
            }
        }
        return out;
    }

    private List<String> deletableImages() {
        return imageLayer.keySet().stream().filter(i -> containers.values().stream().noneMatch(c -> c[0].equals(i))).toList();
    }

    private <T> T pick(List<T> from) {
        return from.get(random.nextInt(from.size()));
    }

    private void step() throws Exception {
        List<String> plain = plainLayers();
        int layers = plain.size();
        int images = imageLayer.size();
        List<String> deletableLayers = deletableLayers();
        List<String> deletableImages = deletableImages();
        List<String> parents = plain.stream().filter(l -> depth(l) < 4).toList();
        Map<String, Integer> weights = new LinkedHashMap<>();
        weights.put("baseLayer", layers < 4 ? 4 : layers < 14 ? 1 : 0);
        weights.put("childLayer", layers < 14 && !parents.isEmpty() ? 3 : 0);
        weights.put("image", images < 8 && layers > 0 ? 3 : 0);
        weights.put("container", containers.size() < 3 && images > 0 ? 1 : 0);
        weights.put("rmContainer", containers.isEmpty() ? 0 : 1);
        weights.put("rmImage", images > 2 && !deletableImages.isEmpty() ? 2 : 0);
        weights.put("rmLayer", layers > 6 && !deletableLayers.isEmpty() ? 4 : 0);
        weights.put("names", 2);
        weights.put("mount", layers > 0 ? 1 : 0);
        weights.put("metadata", 1);
        int total = weights.values().stream().mapToInt(Integer::intValue).sum();
        int r = random.nextInt(total);
        String op = null;
        for (var e : weights.entrySet()) {
            r -= e.getValue();
            if (r < 0) {
                op = e.getKey();
                break;
            }
        }
        switch (op) {
            case "baseLayer" -> createLayer(null);
            case "childLayer" -> createLayer(pick(parents));
            case "image" -> createImage(pick(plain));
            case "container" -> createContainer(pick(new ArrayList<>(imageLayer.keySet())));
            case "rmContainer" -> deleteContainer(pick(new ArrayList<>(containers.keySet())));
            case "rmImage" -> deleteImage(pick(deletableImages));
            case "rmLayer" -> deleteLayer(pick(deletableLayers));
            case "names" -> names();
            case "mount" -> mount(pick(plain));
            case "metadata" -> metadata();
            default -> throw new IllegalStateException(op);
        }
    }

    // ------------------------------------------------------------------ operations

    private void createLayer(String parent) throws Exception {
        String name = fresh("layer");
        boolean withDiff = random.nextBoolean();
        LayerOptions lo = LayerOptions.of(parent).withNames(List.of(name)).withMetadata("by " + prefix);
        Layer l;
        if (withDiff) {
            // a diff of a few MiB, so that kills also land in the middle of applying one
            byte[] tar = io.cargohold.testkit.images.LayerBuilder.create()
                    .file(name + ".txt", "written by " + prefix + " into a diff\n")
                    .randomFile(name + ".bin", 1 + random.nextInt(3 << 20), random.nextLong()).owner(1000, 1000)
                    .build().tar().bytes();
            begin("createLayer-applying-diff");
            l = store.createLayer(lo, new java.io.ByteArrayInputStream(tar));
            end();
        } else {
            begin("createLayer");
            l = store.createLayer(lo);
            end();
        }
        out("LAYER " + l.id() + " " + (parent == null ? "-" : parent) + " " + name);
        layerParent.put(l.id(), parent == null ? "" : parent);
        names.get(Store.Kind.LAYER).put(l.id(), new ArrayList<>(List.of(name)));
        Path tree = store.layerTree(l.id());
        if (!withDiff) {
            Files.writeString(tree.resolve(name + ".txt"), "written by " + prefix + " into " + l.id() + "\n");
        } else if (!Files.exists(tree.resolve(name + ".bin"))) {
            throw new AssertionError("layer " + l.id() + " lacks the file of its diff");
        }
        if (!Files.isDirectory(tree) || !tree.equals(store.graphRoot().resolve("vfs/dir").resolve(l.id()))) {
            throw new AssertionError("layer " + l.id() + " has no tree at G/vfs/dir/ID: " + tree);
        }
        check(Store.Kind.LAYER, l.id());
    }

    private void createImage(String layer) throws Exception {
        String name = "localhost/" + fresh("image") + ":latest";
        begin("createImage");
        Image i = store.createImage(ImageOptions.of(layer).withNames(List.of(name)));
        end();
        out("IMAGE " + i.id() + " " + layer + " " + name);
        imageLayer.put(i.id(), layer);
        names.get(Store.Kind.IMAGE).put(i.id(), new ArrayList<>(List.of(name)));
        List<String> chain = new ArrayList<>();
        for (String l = layer; l != null && !l.isEmpty(); l = layerParent.get(l)) {
            chain.addFirst(l);
        }
        Peers.OciImage oci = Peers.ociImage(chain, name);
        begin("setImageBigData");
        Peers.storeOciImage(store, i.id(), oci);
        end();
        Image after = store.image(i.id());
        if (!oci.manifestDigest().equals(after.digest())) {
            throw new AssertionError("image " + i.id() + " digest " + after.digest() + " after storing manifest " + oci.manifestDigest());
        }
        check(Store.Kind.IMAGE, i.id());
    }

    private void createContainer(String image) throws Exception {
        String name = fresh("container");
        begin("createContainer");
        Container c = store.createContainer(ContainerOptions.of(image).withNames(List.of(name)));
        end();
        out("CONTAINER " + c.id() + " " + image + " " + c.layer() + " " + name);
        containers.put(c.id(), new String[] {image, c.layer()});
        layerParent.put(c.layer(), imageLayer.get(image));
        names.get(Store.Kind.CONTAINER).put(c.id(), new ArrayList<>(List.of(name)));
        names.get(Store.Kind.LAYER).put(c.layer(), new ArrayList<>());
        Layer l = store.layer(c.layer());
        if (!l.parent().equals(imageLayer.get(image))) {
            throw new AssertionError("container layer " + l.id() + " has parent " + l.parent() + ", not the image's top layer");
        }
        check(Store.Kind.CONTAINER, c.id());
    }

    private void deleteContainer(String id) throws Exception {
        String layer = containers.get(id)[1];
        out("RM CONTAINER " + id);
        begin("deleteContainer");
        store.deleteContainer(id);
        end();
        out("RMOK CONTAINER " + id + " " + layer);
        containers.remove(id);
        names.get(Store.Kind.CONTAINER).remove(id);
        layerParent.remove(layer);
        names.get(Store.Kind.LAYER).remove(layer);
        expectGone(Store.Kind.CONTAINER, id);
        expectGone(Store.Kind.LAYER, layer);
    }

    private void deleteImage(String id) throws Exception {
        out("RM IMAGE " + id);
        begin("deleteImage");
        store.deleteImage(id);
        end();
        out("RMOK IMAGE " + id);
        imageLayer.remove(id);
        names.get(Store.Kind.IMAGE).remove(id);
        expectGone(Store.Kind.IMAGE, id);
    }

    private void deleteLayer(String id) throws Exception {
        out("RM LAYER " + id);
        begin("deleteLayer");
        store.deleteLayer(id);
        end();
        out("RMOK LAYER " + id);
        layerParent.remove(id);
        names.get(Store.Kind.LAYER).remove(id);
        expectGone(Store.Kind.LAYER, id);
        if (Files.exists(store.graphRoot().resolve("vfs/dir").resolve(id))) {
            throw new AssertionError("tree of deleted layer " + id + " is still there");
        }
    }

    /** A fresh name added, a name moved from one own record to another, or the names replaced. */
    private void names() throws Exception {
        Store.Kind kind = Store.Kind.values()[random.nextInt(3)];
        Map<String, List<String>> own = names.get(kind);
        if (own.isEmpty()) {
            return;
        }
        List<String> ids = new ArrayList<>(own.keySet());
        String target = pick(ids);
        int how = random.nextInt(3);
        List<String> donors = ids.stream().filter(x -> !x.equals(target) && !own.get(x).isEmpty()).toList();
        if (how == 1 && !donors.isEmpty()) {
            String donor = pick(donors);
            String moved = pick(own.get(donor));
            out("NAMING " + kind + " " + donor);
            out("NAMING " + kind + " " + target);
            begin("addNames");
            store.addNames(kind, target, List.of(moved));
            end();
            own.get(donor).remove(moved);
            if (!own.get(target).contains(moved)) {
                own.get(target).add(moved);
            }
            out("NAMES " + kind + " " + donor + " " + joined(own.get(donor)));
            out("NAMES " + kind + " " + target + " " + joined(own.get(target)));
            check(kind, donor);
            check(kind, target);
            return;
        }
        String name = kind == Store.Kind.IMAGE ? "localhost/" + fresh("name") + ":v" + counter : fresh("name");
        out("NAMING " + kind + " " + target);
        if (how == 0) {
            begin("addNames");
            store.addNames(kind, target, List.of(name));
            end();
            own.get(target).add(name);
        } else {
            List<String> now = random.nextInt(4) == 0 ? List.of() : List.of(name);
            begin("setNames");
            store.setNames(kind, target, now);
            end();
            own.put(target, new ArrayList<>(now));
        }
        out("NAMES " + kind + " " + target + " " + joined(own.get(target)));
        check(kind, target);
    }

    private static String joined(List<String> n) {
        return n.isEmpty() ? "-" : String.join(",", n);
    }

    private void mount(String layer) throws Exception {
        begin("mount");
        Path p = store.mount(layer);
        end();
        if (!Files.isDirectory(p)) {
            throw new AssertionError("mount point " + p + " of " + layer + " is not a directory");
        }
        int count = store.layer(layer).mountCount();
        if (count < 1) {
            throw new AssertionError("layer " + layer + " mounted but its count is " + count);
        }
        begin("unmount");
        store.unmount(layer, random.nextBoolean());
        end();
    }

    private void metadata() throws Exception {
        Store.Kind kind = Store.Kind.values()[random.nextInt(3)];
        List<String> ids = new ArrayList<>(names.get(kind).keySet());
        if (ids.isEmpty()) {
            return;
        }
        String id = pick(ids);
        String value = "{\"by\":\"" + prefix + "\",\"n\":" + (++counter) + "}";
        begin("setMetadata");
        store.setMetadata(kind, id, value);
        end();
        String now = switch (kind) {
            case LAYER -> store.layer(id).metadata();
            case IMAGE -> store.image(id).metadata();
            case CONTAINER -> store.container(id).metadata();
        };
        if (!value.equals(now)) {
            throw new AssertionError(kind + " " + id + " metadata " + now + " after setting " + value);
        }
    }

    // ------------------------------------------------------------------ self-checks

    /** The record is in the store with exactly the names this worker gave it. */
    private void check(Store.Kind kind, String id) throws Exception {
        List<String> actual = switch (kind) {
            case LAYER -> store.layer(id).names();
            case IMAGE -> store.image(id).names();
            case CONTAINER -> store.container(id).names();
        };
        Set<String> want = new LinkedHashSet<>(names.get(kind).get(id));
        if (!want.equals(new LinkedHashSet<>(actual))) {
            throw new AssertionError(kind + " " + id + " has names " + actual + ", expected " + want);
        }
    }

    private void expectGone(Store.Kind kind, String id) throws Exception {
        boolean there = switch (kind) {
            case LAYER -> store.layers().stream().anyMatch(l -> l.id().equals(id));
            case IMAGE -> store.images().stream().anyMatch(i -> i.id().equals(id));
            case CONTAINER -> store.containers().stream().anyMatch(c -> c.id().equals(id));
        };
        if (there) {
            throw new AssertionError(kind + " " + id + " still listed after its deletion returned");
        }
    }

    /** Everything this worker owns is in the store with its names and parents, nothing it deleted is. */
    private void verifyAll() throws Exception {
        Map<String, Layer> layers = new HashMap<>();
        store.layers().forEach(l -> layers.put(l.id(), l));
        for (var e : layerParent.entrySet()) {
            Layer l = layers.get(e.getKey());
            if (l == null) {
                throw new AssertionError("own layer " + e.getKey() + " is missing");
            }
            if (!e.getValue().equals(l.parent() == null ? "" : l.parent())) {
                throw new AssertionError("layer " + l.id() + " has parent " + l.parent() + ", expected " + e.getValue());
            }
            check(Store.Kind.LAYER, l.id());
        }
        for (var e : imageLayer.entrySet()) {
            Image i = store.image(e.getKey());
            if (!e.getValue().equals(i.topLayer() == null ? "" : i.topLayer())) {
                throw new AssertionError("image " + i.id() + " has top layer " + i.topLayer() + ", expected " + e.getValue());
            }
            check(Store.Kind.IMAGE, i.id());
        }
        for (var e : containers.entrySet()) {
            Container c = store.container(e.getKey());
            if (!c.image().equals(e.getValue()[0]) || !c.layer().equals(e.getValue()[1])) {
                throw new AssertionError("container " + c.id() + " is " + c.image() + "/" + c.layer());
            }
            check(Store.Kind.CONTAINER, c.id());
        }
    }
}
