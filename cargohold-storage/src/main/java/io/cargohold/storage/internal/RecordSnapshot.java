package io.cargohold.storage.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.storage.Container;
import io.cargohold.storage.Image;
import io.cargohold.storage.Layer;
import io.cargohold.storage.internal.Records.ContainerRec;
import io.cargohold.storage.internal.Records.ImageRec;
import io.cargohold.storage.internal.Records.LayerRec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The record files of a store as read for a check, under the locks {@link StoreEngine#readShared}
 * holds: nothing is filtered (incomplete layers stay), nothing is written. A record file that cannot
 * be read leaves its list empty and its error set, so the check can report it and go on.
 */
public record RecordSnapshot(StoreLayout layout, List<Layer> layers, IOException layersError, List<Image> images,
                             IOException imagesError, List<Container> containers, IOException containersError,
                             List<ReadOnly> readOnly, String tokens) {
    /**
     * Whether {@code other} (read later) shows the same store: the same last-writer tokens on every lock
     * file (no writer in between, even one that put everything back) and the same records.
     */
    public boolean sameAs(RecordSnapshot other) {
        return tokens.equals(other.tokens) && layers.equals(other.layers) && images.equals(other.images)
                && containers.equals(other.containers) && readOnly.stream().map(r -> List.of(r.layers(), r.images())).toList()
                .equals(other.readOnly.stream().map(r -> List.of(r.layers(), r.images())).toList())
                && String.valueOf(layersError).equals(String.valueOf(other.layersError))
                && String.valueOf(imagesError).equals(String.valueOf(other.imagesError))
                && String.valueOf(containersError).equals(String.valueOf(other.containersError));
    }

    /** An additional read-only store ({@code vfs.imagestore}) as read for a check. */
    public record ReadOnly(StoreLayout layout, List<Layer> layers, IOException layersError, List<Image> images,
                           IOException imagesError) {
    }

    static RecordSnapshot read(StoreLayout layout, List<StoreLayout> readOnlyLayouts, String tokens) {
        List<Layer> layers = new ArrayList<>();
        IOException layersError = null;
        try {
            List<LayerRec> recs = new ArrayList<>();
            for (JsonNode n : RecordFiles.readArray(layout.layersJson())) {
                recs.add(LayerRec.from(n));
            }
            try {
                for (JsonNode n : RecordFiles.readArray(layout.mountpointsJson())) {
                    String id = n.path("id").asText("");
                    for (LayerRec r : recs) {
                        if (r.id.equals(id)) {
                            r.mountPoint = n.path("path").asText("");
                            r.mountCount = n.path("count").asInt();
                        }
                    }
                }
            } catch (IOException e) {
                // a damaged mountpoints.json only loses the counts (upstream rebuilds it from nothing too)
            }
            recs.forEach(r -> layers.add(r.api()));
        } catch (IOException e) {
            layersError = e;
        }
        List<Image> images = new ArrayList<>();
        IOException imagesError = null;
        try {
            for (JsonNode n : RecordFiles.readArray(layout.imagesJson())) {
                images.add(ImageRec.from(n).api());
            }
        } catch (IOException e) {
            imagesError = e;
        }
        List<Container> containers = new ArrayList<>();
        IOException containersError = null;
        try {
            for (JsonNode n : RecordFiles.readArray(layout.containersJson())) {
                containers.add(ContainerRec.from(n).api());
            }
        } catch (IOException e) {
            containersError = e;
        }
        List<ReadOnly> ro = new ArrayList<>();
        for (StoreLayout l : readOnlyLayouts) {
            List<Layer> rl = new ArrayList<>();
            IOException rle = null;
            try {
                for (JsonNode n : RecordFiles.readArray(l.layersJson())) {
                    LayerRec r = LayerRec.from(n);
                    r.readOnly = true;
                    rl.add(r.api());
                }
            } catch (IOException e) {
                rle = e;
            }
            List<Image> ri = new ArrayList<>();
            IOException rie = null;
            try {
                for (JsonNode n : RecordFiles.readArray(l.imagesJson())) {
                    ImageRec r = ImageRec.from(n);
                    r.readOnly = true;
                    ri.add(r.api());
                }
            } catch (IOException e) {
                rie = e;
            }
            ro.add(new ReadOnly(l, rl, rle, ri, rie));
        }
        return new RecordSnapshot(layout, List.copyOf(layers), layersError, List.copyOf(images), imagesError,
                List.copyOf(containers), containersError, List.copyOf(ro), tokens);
    }
}
