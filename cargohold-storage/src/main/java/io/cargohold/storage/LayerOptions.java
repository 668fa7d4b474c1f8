package io.cargohold.storage;

import java.util.List;

/**
 * What a new layer gets. {@code id} null means a generated one; {@code parent} null means a base
 * layer; ID maps null mean the parent's (or the store's).
 */
public record LayerOptions(String id, String parent, List<String> names, String metadata, String mountLabel,
                           List<IdMap> uidMap, List<IdMap> gidMap) {
    public static LayerOptions of(String parent) {
        return new LayerOptions(null, parent, List.of(), "", "", null, null);
    }

    public LayerOptions withId(String i) {
        return new LayerOptions(i, parent, names, metadata, mountLabel, uidMap, gidMap);
    }

    public LayerOptions withNames(List<String> n) {
        return new LayerOptions(id, parent, n, metadata, mountLabel, uidMap, gidMap);
    }

    public LayerOptions withMetadata(String m) {
        return new LayerOptions(id, parent, names, m, mountLabel, uidMap, gidMap);
    }

    public LayerOptions withMountLabel(String l) {
        return new LayerOptions(id, parent, names, metadata, l, uidMap, gidMap);
    }

    public LayerOptions withIdMaps(List<IdMap> uids, List<IdMap> gids) {
        return new LayerOptions(id, parent, names, metadata, mountLabel, uids, gids);
    }
}
