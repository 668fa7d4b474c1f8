package io.cargohold.content;

import io.cargohold.digest.Digest;
import io.cargohold.digest.DigestAlgorithm;
import java.time.Duration;

/**
 * How to open a {@link BlobWriter}. Everything is optional.
 *
 * @param expectedDigest the digest the content must have (its algorithm is the one hashed with); when
 *                       the blob is stored already, the writer does not write it again
 * @param expectedSize   the size the content must have (an ingest's {@code total}), -1 when unknown
 * @param mediaType      recorded in the index at commit
 * @param algorithm      hashed with when no digest is expected (default sha256)
 * @param pin            a key/value record created in the transaction that indexes the blob at commit,
 *                       as {@link PutOptions#withPin} (import leases)
 * @param lockTimeout    how long to wait while another writer of any thread or process holds the ref;
 *                       null takes the store's ({@link StoreOptions#lockTimeout()}, null = for ever)
 */
public record WriterOptions(Digest expectedDigest, long expectedSize, String mediaType, DigestAlgorithm algorithm,
                            PutOptions.Pin pin, Duration lockTimeout) {

    public WriterOptions {
        if (algorithm == null) {
            algorithm = expectedDigest != null ? expectedDigest.algorithm() : DigestAlgorithm.SHA256;
        }
        if (expectedDigest != null && expectedDigest.algorithm() != algorithm) {
            throw new IllegalArgumentException("algorithm " + algorithm + " differs from the expected digest's");
        }
        if (expectedSize < -1) {
            throw new IllegalArgumentException("expected size must be -1 (unknown) or >= 0");
        }
        if (lockTimeout != null && lockTimeout.isNegative()) {
            throw new IllegalArgumentException("lock timeout must not be negative");
        }
    }

    public static WriterOptions defaults() {
        return new WriterOptions(null, -1, null, DigestAlgorithm.SHA256, null, null);
    }

    /** The usual case of a copy: the descriptor's digest and size are known. */
    public static WriterOptions expecting(Digest digest, long size) {
        return new WriterOptions(digest, size, null, digest.algorithm(), null, null);
    }

    public WriterOptions withExpectedDigest(Digest d) {
        return new WriterOptions(d, expectedSize, mediaType, d == null ? algorithm : d.algorithm(), pin, lockTimeout);
    }

    public WriterOptions withExpectedSize(long size) {
        return new WriterOptions(expectedDigest, size, mediaType, algorithm, pin, lockTimeout);
    }

    public WriterOptions withMediaType(String type) {
        return new WriterOptions(expectedDigest, expectedSize, type, algorithm, pin, lockTimeout);
    }

    public WriterOptions withAlgorithm(DigestAlgorithm a) {
        return new WriterOptions(expectedDigest, expectedSize, mediaType, a, pin, lockTimeout);
    }

    /** Creates {@code p} atomically with the blob's index row at commit (see {@link PutOptions.Pin}). */
    public WriterOptions withPin(PutOptions.Pin p) {
        return new WriterOptions(expectedDigest, expectedSize, mediaType, algorithm, p, lockTimeout);
    }

    public WriterOptions withLockTimeout(Duration t) {
        return new WriterOptions(expectedDigest, expectedSize, mediaType, algorithm, pin, t);
    }
}
