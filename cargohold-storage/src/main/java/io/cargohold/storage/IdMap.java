package io.cargohold.storage;

/** One ID-mapping range: container IDs [containerId, containerId+size) map to host IDs from hostId. */
public record IdMap(long containerId, long hostId, long size) {
}
