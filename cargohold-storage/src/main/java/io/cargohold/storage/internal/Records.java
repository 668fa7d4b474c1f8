package io.cargohold.storage.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.storage.Container;
import io.cargohold.storage.IdMap;
import io.cargohold.storage.Image;
import io.cargohold.storage.Layer;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The three record kinds as mutable working copies (what a load produces and a save writes), their
 * JSON forms exactly as containers/storage v1.43.0 writes them (member order, {@code omitempty}), and
 * conversions to the immutable API records.
 */
final class Records {
    private Records() {
    }

    static final OffsetDateTime ZERO_TIME = OffsetDateTime.of(1, 1, 1, 0, 0, 0, 0, java.time.ZoneOffset.UTC);

    // ------------------------------------------------------------------ helpers
    // (loops, not forEach lambdas: a lambda whose call site only some records reach, such as a layer's uid set,
    // was missing from the AOT cache when the training's records lacked it, and was spun at every run)

    static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n != null && n.isArray()) {
            for (JsonNode x : n) {
                out.add(x.asText());
            }
        }
        return out;
    }

    static List<Long> longs(JsonNode n) {
        List<Long> out = new ArrayList<>();
        if (n != null && n.isArray()) {
            for (JsonNode x : n) {
                out.add(x.asLong());
            }
        }
        return out;
    }

    static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? "" : v.asText();
    }

    static long number(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? 0 : v.asLong();
    }

    static OffsetDateTime time(JsonNode n) {
        JsonNode v = n.get("created");
        if (v == null || !v.isTextual()) {
            return ZERO_TIME;
        }
        try {
            return GoJson.parseTime(v.textValue());
        } catch (java.time.format.DateTimeParseException e) {
            return ZERO_TIME;
        }
    }

    static Map<String, JsonNode> flags(JsonNode n) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        JsonNode f = n.get("flags");
        if (f != null && f.isObject()) {
            for (Map.Entry<String, JsonNode> e : f.properties()) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    static Map<String, Object> flagsJson(Map<String, JsonNode> flags) {
        Map<String, Object> m = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : flags.entrySet()) {
            m.put(e.getKey(), GoJson.sorted(e.getValue()));
        }
        return m;
    }

    static Map<String, Object> flagsApi(Map<String, JsonNode> flags) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : flags.entrySet()) {
            m.put(e.getKey(), GoJson.sorted(e.getValue()));
        }
        return m;
    }

    static List<IdMap> idMaps(JsonNode n) {
        List<IdMap> out = new ArrayList<>();
        if (n != null && n.isArray()) {
            for (JsonNode x : n) {
                out.add(new IdMap(x.path("container_id").asLong(), x.path("host_id").asLong(), x.path("size").asLong()));
            }
        }
        return out;
    }

    static List<Object> idMapsJson(List<IdMap> maps) {
        List<Object> out = new ArrayList<>();
        for (IdMap m : maps) {
            out.add(new GoJson.Obj().put("container_id", m.containerId()).put("host_id", m.hostId()).put("size", m.size()).map());
        }
        return out;
    }

    static Map<String, Long> sizes(JsonNode n) {
        Map<String, Long> out = new LinkedHashMap<>();
        if (n != null && n.isObject()) {
            for (Map.Entry<String, JsonNode> e : n.properties()) {
                out.put(e.getKey(), e.getValue().asLong());
            }
        }
        return out;
    }

    static Map<String, String> digests(JsonNode n) {
        Map<String, String> out = new LinkedHashMap<>();
        if (n != null && n.isObject()) {
            for (Map.Entry<String, JsonNode> e : n.properties()) {
                out.put(e.getKey(), e.getValue().asText());
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ layers

    static final class LayerRec {
        String id;
        List<String> names = new ArrayList<>();
        String parent = "";
        String metadata = "";
        String mountLabel = "";
        OffsetDateTime created = ZERO_TIME;
        String compressedDigest = "";
        long compressedSize;
        String uncompressedDigest = "";
        long uncompressedSize;
        int compression;
        List<Long> uidSet = new ArrayList<>();
        List<Long> gidSet = new ArrayList<>();
        Map<String, JsonNode> flags = new LinkedHashMap<>();
        List<IdMap> uidMap = new ArrayList<>();
        List<IdMap> gidMap = new ArrayList<>();
        List<String> bigDataNames = new ArrayList<>();
        // not persisted
        int mountCount;
        String mountPoint = "";
        boolean readOnly;

        boolean incomplete() {
            JsonNode f = flags.get("incomplete");
            return f != null && f.isBoolean() && f.booleanValue();
        }

        static LayerRec from(JsonNode n) {
            LayerRec r = new LayerRec();
            r.id = text(n, "id");
            r.names = strings(n.get("names"));
            r.parent = text(n, "parent");
            r.metadata = text(n, "metadata");
            r.mountLabel = text(n, "mountlabel");
            r.created = time(n);
            r.compressedDigest = text(n, "compressed-diff-digest");
            r.compressedSize = number(n, "compressed-size");
            r.uncompressedDigest = text(n, "diff-digest");
            r.uncompressedSize = number(n, "diff-size");
            r.compression = (int) number(n, "compression");
            r.uidSet = longs(n.get("uidset"));
            r.gidSet = longs(n.get("gidset"));
            r.flags = flags(n);
            r.uidMap = idMaps(n.get("uidmap"));
            r.gidMap = idMaps(n.get("gidmap"));
            r.bigDataNames = strings(n.get("big-data-names"));
            return r;
        }

        Map<String, Object> json() {
            return new GoJson.Obj()
                    .put("id", id)
                    .omitEmpty("names", names)
                    .omitEmpty("parent", parent)
                    .omitEmpty("metadata", metadata)
                    .omitEmpty("mountlabel", mountLabel)
                    .put("created", GoJson.time(created))
                    .omitEmpty("compressed-diff-digest", compressedDigest)
                    .omitEmpty("compressed-size", compressedSize)
                    .omitEmpty("diff-digest", uncompressedDigest)
                    .omitEmpty("diff-size", uncompressedSize)
                    .omitEmpty("compression", compression)
                    .omitEmpty("uidset", uidSet)
                    .omitEmpty("gidset", gidSet)
                    .omitEmpty("flags", flagsJson(flags))
                    .omitEmpty("uidmap", idMapsJson(uidMap))
                    .omitEmpty("gidmap", idMapsJson(gidMap))
                    .omitEmpty("big-data-names", bigDataNames)
                    .map();
        }

        Layer api() {
            return new Layer(id, List.copyOf(names), parent, metadata, mountLabel, created,
                    compressedDigest.isEmpty() ? null : compressedDigest, compressedDigest.isEmpty() ? -1 : compressedSize,
                    uncompressedDigest.isEmpty() ? null : uncompressedDigest, uncompressedDigest.isEmpty() ? -1 : uncompressedSize,
                    compression, List.copyOf(uidSet), List.copyOf(gidSet), flagsApi(flags), List.copyOf(uidMap), List.copyOf(gidMap),
                    List.copyOf(bigDataNames), mountCount, mountPoint, readOnly);
        }
    }

    // ------------------------------------------------------------------ images

    static final class ImageRec {
        String id;
        String digest = "";
        List<String> names = new ArrayList<>();
        List<String> namesHistory = new ArrayList<>();
        String layer = "";
        List<String> mappedLayers = new ArrayList<>();
        String metadata = "";
        List<String> bigDataNames = new ArrayList<>();
        Map<String, Long> bigDataSizes = new LinkedHashMap<>();
        Map<String, String> bigDataDigests = new LinkedHashMap<>();
        OffsetDateTime created = ZERO_TIME;
        Map<String, JsonNode> flags = new LinkedHashMap<>();
        boolean readOnly;

        static ImageRec from(JsonNode n) {
            ImageRec r = new ImageRec();
            r.id = text(n, "id");
            r.digest = text(n, "digest");
            r.names = strings(n.get("names"));
            r.namesHistory = strings(n.get("names-history"));
            r.layer = text(n, "layer");
            r.mappedLayers = strings(n.get("mapped-layers"));
            r.metadata = text(n, "metadata");
            r.bigDataNames = strings(n.get("big-data-names"));
            r.bigDataSizes = sizes(n.get("big-data-sizes"));
            r.bigDataDigests = Records.digests(n.get("big-data-digests"));
            r.created = time(n);
            r.flags = flags(n);
            return r;
        }

        /** {@code digest}, then the distinct digests of {@code manifest*} items (upstream's Digests). */
        List<String> digests() {
            List<String> out = new ArrayList<>();
            if (!digest.isEmpty()) {
                out.add(digest);
            }
            for (String name : bigDataNames) {
                String d = bigDataDigests.get(name);
                if (name.startsWith("manifest") && d != null && !d.isEmpty() && !out.contains(d)) {
                    out.add(d);
                }
            }
            return out;
        }

        Map<String, Object> json() {
            return new GoJson.Obj()
                    .put("id", id)
                    .omitEmpty("digest", digest)
                    .omitEmpty("names", names)
                    .omitEmpty("names-history", namesHistory)
                    .omitEmpty("layer", layer)
                    .omitEmpty("mapped-layers", mappedLayers)
                    .omitEmpty("metadata", metadata)
                    .omitEmpty("big-data-names", bigDataNames)
                    .omitEmpty("big-data-sizes", new TreeMap<>(bigDataSizes))
                    .omitEmpty("big-data-digests", new TreeMap<>(bigDataDigests))
                    .put("created", GoJson.time(created))
                    .omitEmpty("flags", flagsJson(flags))
                    .map();
        }

        Image api() {
            return new Image(id, digest.isEmpty() ? null : digest, List.copyOf(names), List.copyOf(namesHistory),
                    layer.isEmpty() ? null : layer, List.copyOf(mappedLayers), metadata, List.copyOf(bigDataNames),
                    Map.copyOf(bigDataSizes), Map.copyOf(bigDataDigests), created, flagsApi(flags), digests(), readOnly);
        }
    }

    // ------------------------------------------------------------------ containers

    static final class ContainerRec {
        String id;
        List<String> names = new ArrayList<>();
        String image = "";
        String layer = "";
        String metadata = "";
        List<String> bigDataNames = new ArrayList<>();
        Map<String, Long> bigDataSizes = new LinkedHashMap<>();
        Map<String, String> bigDataDigests = new LinkedHashMap<>();
        OffsetDateTime created = ZERO_TIME;
        List<IdMap> uidMap = new ArrayList<>();
        List<IdMap> gidMap = new ArrayList<>();
        Map<String, JsonNode> flags = new LinkedHashMap<>();

        static ContainerRec from(JsonNode n) {
            ContainerRec r = new ContainerRec();
            r.id = text(n, "id");
            r.names = strings(n.get("names"));
            r.image = text(n, "image");
            r.layer = text(n, "layer");
            r.metadata = text(n, "metadata");
            r.bigDataNames = strings(n.get("big-data-names"));
            r.bigDataSizes = sizes(n.get("big-data-sizes"));
            r.bigDataDigests = digests(n.get("big-data-digests"));
            r.created = time(n);
            r.uidMap = idMaps(n.get("uidmap"));
            r.gidMap = idMaps(n.get("gidmap"));
            r.flags = flags(n);
            return r;
        }

        Map<String, Object> json() {
            return new GoJson.Obj()
                    .put("id", id)
                    .omitEmpty("names", names)
                    .put("image", image)
                    .put("layer", layer)
                    .omitEmpty("metadata", metadata)
                    .omitEmpty("big-data-names", bigDataNames)
                    .omitEmpty("big-data-sizes", new TreeMap<>(bigDataSizes))
                    .omitEmpty("big-data-digests", new TreeMap<>(bigDataDigests))
                    .put("created", GoJson.time(created))
                    .omitEmpty("uidmap", idMapsJson(uidMap))
                    .omitEmpty("gidmap", idMapsJson(gidMap))
                    .omitEmpty("flags", flagsJson(flags))
                    .map();
        }

        Container api() {
            return new Container(id, List.copyOf(names), image, layer, metadata, List.copyOf(bigDataNames), Map.copyOf(bigDataSizes),
                    Map.copyOf(bigDataDigests), created, List.copyOf(uidMap), List.copyOf(gidMap), flagsApi(flags));
        }
    }
}
