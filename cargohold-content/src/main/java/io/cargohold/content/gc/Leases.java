package io.cargohold.content.gc;

import io.cargohold.content.KvRecord;
import io.cargohold.digest.Digest;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Leases, as containerd's {@code gc.expire}: a key/value record in namespace {@value #NAMESPACE}
 * that references a blob keeps it (and what it names) from garbage collection until the time in its
 * value (RFC 3339). Imports pin what they write with one lease per import; every other put pins its
 * blob with a <em>fresh-blob lease</em> {@code leases/fresh/<digest>} for the store's grace period
 * ({@link io.cargohold.content.StoreOptions#freshBlobGrace}), renewed by each put of the same blob, so a
 * blob just put and not yet referenced survives a collection running at the same moment. Garbage
 * collection drops expired leases first (and reports them).
 */
public final class Leases {
    public static final String NAMESPACE = "leases";
    /** Key prefix of fresh-blob leases: {@code fresh/<digest>}. */
    public static final String FRESH = "fresh/";

    private Leases() {
    }

    public static String freshKey(Digest d) {
        return FRESH + d;
    }

    /** A lease record whose expiry has passed (or cannot be read): garbage collection drops it. */
    public static boolean isExpired(KvRecord r, Instant now) {
        if (!NAMESPACE.equals(r.namespace())) {
            return false;
        }
        try {
            return Instant.parse(r.value()).isBefore(now);
        } catch (DateTimeParseException e) {
            return true;
        }
    }
}
