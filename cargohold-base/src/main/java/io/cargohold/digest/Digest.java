package io.cargohold.digest;

import io.cargohold.errors.InvalidArgumentException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest, {@code <algorithm>:<hex>}, as defined by the OCI image spec. This record is the
 * only parser of digest strings in Cargohold; an instance is always valid (known algorithm, lower-case
 * hex of the algorithm's length).
 */
public record Digest(DigestAlgorithm algorithm, String hex) implements Comparable<Digest> {

    /** The OCI grammar: {@code algorithm ":" encoded}; we then accept only registered algorithms. */
    private static final Pattern GRAMMAR = Pattern.compile("[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+");

    public Digest {
        if (algorithm == null || hex == null) {
            throw new IllegalArgumentException("algorithm and hex are required");
        }
        if (!isLowerHex(hex, algorithm.hexLength())) {
            throw new IllegalArgumentException("not a " + algorithm + " hex value: " + hex);
        }
    }

    private static final DigestAlgorithm[] ALGORITHMS = DigestAlgorithm.values();

    /*
     * equals and hashCode written out, computing what a record's generated ones compute: those are linked
     * at their first call through an invokedynamic bootstrap (ObjectMethods) that the AOT cache does not
     * keep, which spun ~10 method-handle classes (~5-10 ms of CPU) in every CLI process that compares a
     * digest (cargohold list, containers-storage's image commands).
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof Digest d && d.algorithm == algorithm && d.hex.equals(hex);
    }

    @Override
    public int hashCode() {
        return algorithm.hashCode() * 31 + hex.hashCode();
    }

    /** Parses {@code sha256:<64 hex>} or {@code sha512:<128 hex>}. */
    public static Digest parse(String s) throws InvalidArgumentException {
        Digest valid = parseValid(s);
        if (valid != null) {
            return valid;
        }
        if (s == null || s.isEmpty()) {
            throw new InvalidArgumentException("invalid digest \"\": empty");
        }
        if (!GRAMMAR.matcher(s).matches()) {
            throw new InvalidArgumentException("invalid digest \"" + s + "\": not of the form algorithm:hex");
        }
        int colon = s.indexOf(':');
        DigestAlgorithm algorithm = DigestAlgorithm.fromOciName(s.substring(0, colon));
        String hex = s.substring(colon + 1);
        if (!isLowerHex(hex, algorithm.hexLength())) {
            throw new InvalidArgumentException("invalid digest \"" + s + "\": " + algorithm
                    + " needs " + algorithm.hexLength() + " lower-case hex digits, got " + describe(hex));
        }
        return new Digest(algorithm, hex);
    }

    /**
     * The common case without the regular expression (garbage collection parses every digest of the
     * index and of every manifest; bench/README.md, issue 4): a registered algorithm's name, ':' and
     * lower-case hex of its length, which always matches {@link #GRAMMAR}. Null for anything else,
     * which {@link #parse} then checks and reports as before.
     */
    private static Digest parseValid(String s) {
        if (s == null) {
            return null;
        }
        for (DigestAlgorithm a : ALGORITHMS) {
            String name = a.ociName();
            if (s.length() == name.length() + 1 + a.hexLength() && s.charAt(name.length()) == ':' && s.startsWith(name)) {
                String hex = s.substring(name.length() + 1);
                return isLowerHex(hex) ? new Digest(a, hex) : null;
            }
        }
        return null;
    }

    /** Builds a digest from the output of {@link DigestAlgorithm#newMessageDigest()}. */
    public static Digest of(DigestAlgorithm algorithm, byte[] rawDigest) {
        return new Digest(algorithm, HexFormat.of().formatHex(rawDigest));
    }

    /** Digests a byte array (small things only; blobs are digested while streaming). */
    public static Digest of(DigestAlgorithm algorithm, byte[] data, int off, int len) {
        var md = algorithm.newMessageDigest();
        md.update(data, off, len);
        return of(algorithm, md.digest());
    }

    public static Digest sha256(byte[] data) {
        return of(DigestAlgorithm.SHA256, data, 0, data.length);
    }

    static boolean isLowerHex(String s, int length) {
        if (s.length() != length) {
            return false;
        }
        return isLowerHex(s);
    }

    static boolean isLowerHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static String describe(String hex) {
        if (!isLowerHex(hex)) {
            return "non-hex or upper-case characters";
        }
        return hex.length() + " digits";
    }

    @Override
    public int compareTo(Digest o) {
        return toString().compareTo(o.toString());
    }

    @Override
    public String toString() {
        return algorithm.ociName() + ":" + hex;
    }
}
