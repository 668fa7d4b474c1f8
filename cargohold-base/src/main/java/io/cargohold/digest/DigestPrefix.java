package io.cargohold.digest;

import io.cargohold.errors.InvalidArgumentException;
import java.util.List;

/**
 * A partial digest as users type it: {@code sha256:ab12}, {@code ab12}, or a whole digest. Without an
 * algorithm it may match blobs of any algorithm.
 */
public record DigestPrefix(DigestAlgorithm algorithm, String hexPrefix) {

    public DigestPrefix {
        if (hexPrefix == null || !Digest.isLowerHex(hexPrefix)) {
            throw new IllegalArgumentException("not a lower-case hex prefix: " + hexPrefix);
        }
        if (algorithm != null && hexPrefix.length() > algorithm.hexLength()) {
            throw new IllegalArgumentException("prefix longer than a " + algorithm + " digest");
        }
    }

    public static DigestPrefix parse(String s) throws InvalidArgumentException {
        if (s == null || s.isEmpty()) {
            throw new InvalidArgumentException("invalid digest prefix \"\": empty");
        }
        int colon = s.indexOf(':');
        DigestAlgorithm algorithm = null;
        String hex = s;
        if (colon >= 0) {
            algorithm = DigestAlgorithm.fromOciName(s.substring(0, colon));
            hex = s.substring(colon + 1);
        }
        if (!Digest.isLowerHex(hex)) {
            throw new InvalidArgumentException("invalid digest prefix \"" + s + "\": only lower-case hex digits may follow the algorithm");
        }
        int max = algorithm != null ? algorithm.hexLength() : DigestAlgorithm.SHA512.hexLength();
        if (hex.length() > max) {
            throw new InvalidArgumentException("invalid digest prefix \"" + s + "\": longer than a digest");
        }
        return new DigestPrefix(algorithm, hex);
    }

    /** The algorithms this prefix may belong to. */
    public List<DigestAlgorithm> algorithms() {
        if (algorithm != null) {
            return List.of(algorithm);
        }
        return java.util.Arrays.stream(DigestAlgorithm.values()).filter(a -> hexPrefix.length() <= a.hexLength()).toList();
    }

    /** True when this prefix names exactly one digest (it is complete). */
    public boolean isComplete() {
        return algorithm != null && hexPrefix.length() == algorithm.hexLength();
    }

    public boolean matches(Digest d) {
        return (algorithm == null || algorithm == d.algorithm()) && d.hex().startsWith(hexPrefix);
    }

    @Override
    public String toString() {
        return algorithm == null ? hexPrefix : algorithm + ":" + hexPrefix;
    }
}
