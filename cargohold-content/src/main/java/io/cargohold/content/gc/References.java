package io.cargohold.content.gc;

import io.cargohold.digest.Digest;
import java.util.Set;

/**
 * What a scan found: the blobs referred to, and a problem when the blob looks like a document that
 * should refer to others but cannot be read (it is then kept and reported, and its children are
 * reached only through other paths).
 */
public record References(Set<Digest> children, String problem) {
    public static final References NONE = new References(Set.of(), null);

    public References {
        children = Set.copyOf(children);
    }

    public static References of(Set<Digest> children) {
        return new References(children, null);
    }

    public static References unreadable(String problem) {
        return new References(Set.of(), problem);
    }
}
