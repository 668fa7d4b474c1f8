package io.cargohold.digest;

import io.cargohold.errors.InvalidArgumentException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** The digest algorithms registered by the OCI image spec that Cargohold stores. */
public enum DigestAlgorithm {
    SHA256("sha256", "SHA-256", 64),
    SHA512("sha512", "SHA-512", 128);

    private final String ociName;
    private final String jcaName;
    private final int hexLength;

    DigestAlgorithm(String ociName, String jcaName, int hexLength) {
        this.ociName = ociName;
        this.jcaName = jcaName;
        this.hexLength = hexLength;
    }

    /** The name used in digest strings and in {@code blobs/<alg>/}. */
    public String ociName() {
        return ociName;
    }

    /** The length of the lower-case hex encoding. */
    public int hexLength() {
        return hexLength;
    }

    public MessageDigest newMessageDigest() {
        try {
            return MessageDigest.getInstance(jcaName);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + jcaName, e);
        }
    }

    /** Looks an algorithm up by its OCI name ({@code sha256}, {@code sha512}). */
    public static DigestAlgorithm fromOciName(String name) throws InvalidArgumentException {
        for (DigestAlgorithm a : values()) {
            if (a.ociName.equals(name)) {
                return a;
            }
        }
        throw new InvalidArgumentException("unsupported digest algorithm \"" + name + "\" (supported: sha256, sha512)");
    }

    @Override
    public String toString() {
        return ociName;
    }
}
