package io.cargohold.storage.check;

/**
 * The kinds of damage a store check reports. The first fourteen are upstream's (containers/storage
 * v1.51.0 {@code types/errors.go}, the texts its {@code check.go} wraps); the others are ours, for
 * damage upstream's check cannot see or reports only as a bare error.
 */
public enum Problem {
    LAYER_UNACCOUNTED("layer in lower level storage driver not accounted for"),
    LAYER_UNREFERENCED("layer not referenced by any images or containers"),
    LAYER_INCORRECT_CONTENT_DIGEST("layer content incorrect digest"),
    LAYER_INCORRECT_CONTENT_SIZE("layer content incorrect size"),
    LAYER_CONTENT_MODIFIED("layer content modified"),
    LAYER_DATA_MISSING("layer data item is missing"),
    LAYER_MISSING("layer is missing"),
    IMAGE_LAYER_MISSING("image layer is missing"),
    IMAGE_DATA_MISSING("image data item is missing"),
    IMAGE_DATA_INCORRECT_SIZE("image data item has incorrect size"),
    CONTAINER_IMAGE_MISSING("image missing"),
    CONTAINER_DATA_MISSING("container data item is missing"),
    CONTAINER_DATA_INCORRECT_SIZE("container data item has incorrect size"),
    /** Upstream's unnamed error from reassembling a diff: a file whose content no longer matches its CRC-64. */
    LAYER_FILE_CHECKSUM("file integrity checksum failed"),
    // ours
    LAYER_INCOMPLETE("layer is incomplete"),
    LAYER_DIRECTORY_MISSING("layer directory is missing"),
    LAYER_TAR_SPLIT_MISSING("layer tar-split data is missing"),
    LAYER_TAR_SPLIT_UNREADABLE("layer tar-split data is unreadable"),
    LAYER_DATA_UNREADABLE("layer data item is unreadable"),
    IMAGE_DATA_INCORRECT_DIGEST("image data item has incorrect digest"),
    CONTAINER_DATA_INCORRECT_DIGEST("container data item has incorrect digest"),
    CONTAINER_LAYER_MISSING("container layer is missing"),
    /** A record file (layers.json, images.json, containers.json) that cannot be read at all. */
    RECORDS_UNREADABLE("record file is unreadable");

    private final String text;

    Problem(String text) {
        this.text = text;
    }

    /** Upstream's error text (the last part of every message of this kind). */
    public String text() {
        return text;
    }
}
