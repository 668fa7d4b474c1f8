package io.cargohold.content;

import io.cargohold.digest.Digest;
import io.cargohold.digest.DigestAlgorithm;
import java.util.function.LongConsumer;

/**
 * How to ingest one blob. With an expected digest the content is verified against it (and hashed with
 * its algorithm); without one it is hashed with {@code algorithm}. An expected size of -1 means unknown.
 */
public record PutOptions(Digest expectedDigest, long expectedSize, String mediaType, DigestAlgorithm algorithm,
                         LongConsumer progress, Pin pin) {

    /**
     * A key/value record created (or replaced) in the same transaction that indexes the blob, so the
     * blob is referenced from the moment it becomes visible: garbage collection can never see it
     * unreferenced in between. Used for import leases.
     */
    public record Pin(String namespace, String key, String value) {
    }

    public PutOptions(Digest expectedDigest, long expectedSize, String mediaType, DigestAlgorithm algorithm, LongConsumer progress) {
        this(expectedDigest, expectedSize, mediaType, algorithm, progress, null);
    }

    public PutOptions {
        if (algorithm == null) {
            algorithm = expectedDigest != null ? expectedDigest.algorithm() : DigestAlgorithm.SHA256;
        }
        if (expectedDigest != null && expectedDigest.algorithm() != algorithm) {
            throw new IllegalArgumentException("algorithm " + algorithm + " differs from the expected digest's");
        }
        if (expectedSize < -1) {
            throw new IllegalArgumentException("expected size must be -1 (unknown) or >= 0");
        }
    }

    public static PutOptions defaults() {
        return new PutOptions(null, -1, null, DigestAlgorithm.SHA256, null, null);
    }

    public static PutOptions expecting(Digest digest) {
        return new PutOptions(digest, -1, null, digest.algorithm(), null, null);
    }

    public PutOptions withExpectedDigest(Digest d) {
        return new PutOptions(d, expectedSize, mediaType, d == null ? algorithm : d.algorithm(), progress, pin);
    }

    public PutOptions withExpectedSize(long size) {
        return new PutOptions(expectedDigest, size, mediaType, algorithm, progress, pin);
    }

    public PutOptions withMediaType(String type) {
        return new PutOptions(expectedDigest, expectedSize, type, algorithm, progress, pin);
    }

    public PutOptions withAlgorithm(DigestAlgorithm a) {
        return new PutOptions(expectedDigest, expectedSize, mediaType, a, progress, pin);
    }

    /** Called with the running byte count as the content is written. */
    public PutOptions withProgress(LongConsumer p) {
        return new PutOptions(expectedDigest, expectedSize, mediaType, algorithm, p, pin);
    }

    /** Creates {@code pin} atomically with the blob's index row (see {@link Pin}). */
    public PutOptions withPin(Pin p) {
        return new PutOptions(expectedDigest, expectedSize, mediaType, algorithm, progress, p);
    }
}
