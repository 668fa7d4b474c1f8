package io.cargohold.content;

import io.cargohold.digest.DigestPrefix;

/**
 * A search over the index. Every criterion is optional (null); results are ordered by digest.
 * {@code dataName} alone matches blobs carrying that data record; with {@code dataValue} its value too.
 */
public record BlobQuery(DigestPrefix prefix, String mediaType, String dataName, String dataValue, int limit) {
    public static final int UNLIMITED = Integer.MAX_VALUE;

    public BlobQuery {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive");
        }
        if (dataValue != null && dataName == null) {
            throw new IllegalArgumentException("a data value needs a data name");
        }
    }

    public static BlobQuery all() {
        return new BlobQuery(null, null, null, null, UNLIMITED);
    }

    public BlobQuery withPrefix(DigestPrefix p) {
        return new BlobQuery(p, mediaType, dataName, dataValue, limit);
    }

    public BlobQuery withMediaType(String t) {
        return new BlobQuery(prefix, t, dataName, dataValue, limit);
    }

    public BlobQuery withData(String name, String value) {
        return new BlobQuery(prefix, mediaType, name, value, limit);
    }

    public BlobQuery withLimit(int n) {
        return new BlobQuery(prefix, mediaType, dataName, dataValue, n);
    }
}
