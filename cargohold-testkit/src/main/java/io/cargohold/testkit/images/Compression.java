package io.cargohold.testkit.images;

/** How a layer blob is stored. The diff_id is always the digest of the uncompressed tar. */
public enum Compression {
    NONE(MediaTypes.OCI_LAYER, MediaTypes.DOCKER_LAYER, 0),
    /** java.util.zip (the JDK's zlib); default level 6 like gzip(1) and Go's compress/gzip. */
    GZIP(MediaTypes.OCI_LAYER_GZIP, MediaTypes.DOCKER_LAYER_GZIP, 6),
    /** zstd-jni, with content checksum; default level 3 like zstd(1). No Docker media type exists. */
    ZSTD(MediaTypes.OCI_LAYER_ZSTD, null, 3);

    private final String ociMediaType;
    private final String dockerMediaType;
    private final int defaultLevel;

    Compression(String oci, String docker, int level) {
        this.ociMediaType = oci;
        this.dockerMediaType = docker;
        this.defaultLevel = level;
    }

    public String ociMediaType() {
        return ociMediaType;
    }

    /** The Docker schema 2 layer media type; zstd has none (throws). */
    public String dockerMediaType() {
        if (dockerMediaType == null) {
            throw new IllegalArgumentException("Docker schema 2 has no media type for " + this + " layers");
        }
        return dockerMediaType;
    }

    public int defaultLevel() {
        return defaultLevel;
    }
}
