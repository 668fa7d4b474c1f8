package io.cargohold.storage.check;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a store check found, keyed as upstream's {@code CheckReport}: damaged read-write layers,
 * read-only layers, read-write images, read-only images and containers, each ID with its findings
 * (an image also carries its damaged layers' findings, a container its image's). Besides those:
 * record files that could not be read at all ({@link #records}), mount counts of read-write layers
 * ({@link #mounts}: not damage by themselves, see {@link RepairOptions}), and the parent of every
 * layer seen, which a repair uses to remove children before parents. IDs are sorted.
 */
public final class CheckReport {
    final Map<String, List<Finding>> layers = new TreeMap<>();
    final Map<String, List<Finding>> roLayers = new TreeMap<>();
    final Map<String, List<Finding>> images = new TreeMap<>();
    final Map<String, List<Finding>> roImages = new TreeMap<>();
    final Map<String, List<Finding>> containers = new TreeMap<>();
    final List<Finding> records = new ArrayList<>();
    final Map<String, Integer> mounts = new TreeMap<>();
    final Map<String, String> layerParents = new TreeMap<>();
    final Map<String, Integer> layerOrder = new TreeMap<>();
    int layersChecked;
    long filesCompared;
    long bytesRead;

    CheckReport() {
    }

    public Map<String, List<Finding>> layers() {
        return Collections.unmodifiableMap(layers);
    }

    public Map<String, List<Finding>> readOnlyLayers() {
        return Collections.unmodifiableMap(roLayers);
    }

    public Map<String, List<Finding>> images() {
        return Collections.unmodifiableMap(images);
    }

    public Map<String, List<Finding>> readOnlyImages() {
        return Collections.unmodifiableMap(roImages);
    }

    public Map<String, List<Finding>> containers() {
        return Collections.unmodifiableMap(containers);
    }

    /** Record files that could not be read (nothing they hold could be checked). */
    public List<Finding> records() {
        return Collections.unmodifiableList(records);
    }

    /** Read-write layers with a mount count above zero, and the count. */
    public Map<String, Integer> mounts() {
        return Collections.unmodifiableMap(mounts);
    }

    public int layersChecked() {
        return layersChecked;
    }

    /** Entries of layer trees compared with their tar-split records. */
    public long filesCompared() {
        return filesCompared;
    }

    /** Bytes of layer diffs read (file contents and tar-split segments; full check only). */
    public long bytesRead() {
        return bytesRead;
    }

    /** No damage at all (mount counts are not damage). */
    public boolean clean() {
        return layers.isEmpty() && roLayers.isEmpty() && images.isEmpty() && roImages.isEmpty() && containers.isEmpty()
                && records.isEmpty();
    }

    /** Every finding, in the order upstream's CLI prints them: layers, read-only layers, images, read-only images, containers. */
    public List<Finding> all() {
        List<Finding> out = new ArrayList<>(records);
        for (Map<String, List<Finding>> m : List.of(layers, roLayers, images, roImages, containers)) {
            m.values().forEach(out::addAll);
        }
        return out;
    }

    void add(Map<String, List<Finding>> where, String id, Problem p, String message) {
        where.computeIfAbsent(id, k -> new ArrayList<>()).add(new Finding(p, message));
    }
}
