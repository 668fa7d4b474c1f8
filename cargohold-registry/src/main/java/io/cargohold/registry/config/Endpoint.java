package io.cargohold.registry.config;

import io.cargohold.copy.storage.DockerReference;
import io.cargohold.errors.InvalidArgumentException;

/**
 * A registry location ({@code sysregistriesv2.Endpoint}): the primary location of a {@code [[registry]]}
 * or one of its {@code [[registry.mirror]]}s.
 *
 * @param location       {@code HOST[:PORT][/NAMESPACE]} ({@code location}); empty only for a {@code *.example.com} prefix
 * @param insecure       {@code insecure}: no TLS verification, plain HTTP allowed
 * @param pullFromMirror {@code pull-from-mirror} ({@code all}, {@code digest-only}, {@code tag-only}, or empty); mirrors only
 */
public record Endpoint(String location, boolean insecure, String pullFromMirror) {
    public static final String MIRROR_ALL = "all";
    public static final String MIRROR_BY_DIGEST_ONLY = "digest-only";
    public static final String MIRROR_BY_TAG_ONLY = "tag-only";

    public Endpoint {
        location = location == null ? "" : location;
        pullFromMirror = pullFromMirror == null ? "" : pullFromMirror;
    }

    /**
     * Upstream's {@code rewriteReference}: the part of {@code ref} after {@code prefix} appended to this
     * location (an empty location, for a wildcard prefix, keeps {@code ref}); the result must be a
     * canonical name ({@code reference.ParseNamed}).
     */
    public DockerReference rewrite(DockerReference ref, String prefix) throws InvalidArgumentException {
        String refString = ref.toString();
        int prefixLen = RegistriesConf.refMatchingPrefix(refString, prefix);
        if (prefixLen == -1) {
            throw new InvalidArgumentException("invalid prefix '" + prefix + "' for reference '" + refString + "'");
        }
        if (location.isEmpty()) {
            if (!prefix.startsWith("*.")) {
                throw new InvalidArgumentException("invalid prefix '" + prefix + "' for empty location, should be in the format: *.example.com");
            }
            return ref;
        }
        String rewritten = location + refString.substring(prefixLen);
        try {
            DockerReference r = DockerReference.parseNormalizedNamed(rewritten);
            if (!r.toString().equals(rewritten)) {
                throw new InvalidArgumentException("repository name must be canonical");
            }
            return r;
        } catch (InvalidArgumentException e) {
            throw new InvalidArgumentException("rewriting reference: " + e.getMessage(), e);
        }
    }
}
