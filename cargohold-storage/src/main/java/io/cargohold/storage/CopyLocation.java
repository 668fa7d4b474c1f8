package io.cargohold.storage;

/**
 * One side of {@link Store#copy}: a path inside a layer ({@code layer} an ID, name or ID prefix) or,
 * with {@code layer} null, on the host. As upstream's CLI writes it: {@code [layer:]path}.
 */
public record CopyLocation(String layer, String path) {
    /** Parses {@code [layer:]path} as upstream's {@code copy} command does (split at the first colon). */
    public static CopyLocation parse(String spec) {
        int i = spec.indexOf(':');
        return i < 0 ? new CopyLocation(null, spec) : new CopyLocation(spec.substring(0, i), spec.substring(i + 1));
    }
}
