package io.cargohold.storage;

import java.util.List;

/**
 * What a new container gets; {@code id} null = generated; {@code image} null or empty = no image (a
 * base layer). ID maps null = the image's top layer's (or the store's).
 */
public record ContainerOptions(String id, String image, List<String> names, String metadata, String mountLabel, boolean volatileLayer,
                               List<IdMap> uidMap, List<IdMap> gidMap) {
    public static ContainerOptions of(String image) {
        return new ContainerOptions(null, image, List.of(), "", "", false, null, null);
    }

    public ContainerOptions withId(String i) {
        return new ContainerOptions(i, image, names, metadata, mountLabel, volatileLayer, uidMap, gidMap);
    }

    public ContainerOptions withNames(List<String> n) {
        return new ContainerOptions(id, image, n, metadata, mountLabel, volatileLayer, uidMap, gidMap);
    }

    public ContainerOptions withMetadata(String m) {
        return new ContainerOptions(id, image, names, m, mountLabel, volatileLayer, uidMap, gidMap);
    }

    public ContainerOptions withVolatile(boolean v) {
        return new ContainerOptions(id, image, names, metadata, mountLabel, v, uidMap, gidMap);
    }

    public ContainerOptions withIdMaps(List<IdMap> uids, List<IdMap> gids) {
        return new ContainerOptions(id, image, names, metadata, mountLabel, volatileLayer, uids, gids);
    }
}
