package io.cargohold.storage.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.storage.Container;
import io.cargohold.storage.Image;
import io.cargohold.storage.Layer;
import io.cargohold.storage.internal.Records.ContainerRec;
import io.cargohold.storage.internal.Records.ImageRec;
import io.cargohold.storage.internal.Records.LayerRec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON form of records exactly as upstream marshals its Layer, Image and Container structs (the
 * same members, order and omissions as the record files), for tools that print them ({@code --json}).
 * Feed the result to {@link GoJson#write}.
 */
public final class RecordJson {
    private RecordJson() {
    }

    public static Map<String, Object> layer(Layer l) {
        LayerRec r = new LayerRec();
        r.id = l.id();
        r.names = new ArrayList<>(l.names());
        r.parent = nz(l.parent());
        r.metadata = nz(l.metadata());
        r.mountLabel = nz(l.mountLabel());
        r.created = l.created();
        r.compressedDigest = nz(l.compressedDigest());
        r.compressedSize = Math.max(0, l.compressedSize());
        r.uncompressedDigest = nz(l.uncompressedDigest());
        r.uncompressedSize = Math.max(0, l.uncompressedSize());
        r.compression = l.compression();
        r.uidSet = new ArrayList<>(l.uidSet());
        r.gidSet = new ArrayList<>(l.gidSet());
        r.flags = flags(l.flags());
        r.uidMap = new ArrayList<>(l.uidMap());
        r.gidMap = new ArrayList<>(l.gidMap());
        r.bigDataNames = new ArrayList<>(l.bigDataNames());
        return r.json();
    }

    public static Map<String, Object> image(Image i) {
        ImageRec r = new ImageRec();
        r.id = i.id();
        r.digest = nz(i.digest());
        r.names = new ArrayList<>(i.names());
        r.namesHistory = new ArrayList<>(i.namesHistory());
        r.layer = nz(i.topLayer());
        r.mappedLayers = new ArrayList<>(i.mappedLayers());
        r.metadata = nz(i.metadata());
        r.bigDataNames = new ArrayList<>(i.bigDataNames());
        r.bigDataSizes = new HashMap<>(i.bigDataSizes());
        r.bigDataDigests = new HashMap<>(i.bigDataDigests());
        r.created = i.created();
        r.flags = flags(i.flags());
        return r.json();
    }

    public static Map<String, Object> container(Container c) {
        ContainerRec r = new ContainerRec();
        r.id = c.id();
        r.names = new ArrayList<>(c.names());
        r.image = nz(c.image());
        r.layer = nz(c.layer());
        r.metadata = nz(c.metadata());
        r.bigDataNames = new ArrayList<>(c.bigDataNames());
        r.bigDataSizes = new HashMap<>(c.bigDataSizes());
        r.bigDataDigests = new HashMap<>(c.bigDataDigests());
        r.created = c.created();
        r.uidMap = new ArrayList<>(c.uidMap());
        r.gidMap = new ArrayList<>(c.gidMap());
        r.flags = flags(c.flags());
        return r.json();
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static Map<String, JsonNode> flags(Map<String, Object> f) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        if (f != null) {
            f.forEach((k, v) -> out.put(k, GoJson.tree(v)));
        }
        return out;
    }
}
