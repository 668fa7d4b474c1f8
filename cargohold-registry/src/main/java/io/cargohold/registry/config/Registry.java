package io.cargohold.registry.config;

import io.cargohold.copy.storage.DockerReference;
import io.cargohold.errors.InvalidArgumentException;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code [[registry]]} table ({@code sysregistriesv2.Registry}) after upstream's post-processing
 * (prefix defaults to the location, both without a trailing {@code /}).
 *
 * @param prefix             what image names it applies to ({@code example.com/ns}, or {@code *.example.com})
 * @param endpoint           the primary location
 * @param mirrors            the {@code [[registry.mirror]]} tables, in the file's order
 * @param blocked            {@code blocked}: pulls and pushes are refused
 * @param mirrorByDigestOnly {@code mirror-by-digest-only}
 */
public record Registry(String prefix, Endpoint endpoint, List<Endpoint> mirrors, boolean blocked, boolean mirrorByDigestOnly) {
    public Registry {
        mirrors = List.copyOf(mirrors);
    }

    /** A location to pull from and the name to ask it for ({@code sysregistriesv2.PullSource}). */
    public record PullSource(Endpoint endpoint, DockerReference reference) {
    }

    /** What is used when no {@code [[registry]]} matches: the reference's own registry, secure, no mirrors. */
    public static Registry implicit(DockerReference ref) {
        return new Registry(ref.toString(), new Endpoint(ref.toString(), false, ""), List.of(), false, false);
    }

    /**
     * Upstream's {@code PullSourcesFromReference}: the mirrors that apply to {@code ref} (all of them, or
     * only for digest references with {@code mirror-by-digest-only}, or as each mirror's
     * {@code pull-from-mirror} says), in order, then the primary location, each with the name rewritten
     * from the prefix to its location.
     */
    public List<PullSource> pullSources(DockerReference ref) throws InvalidArgumentException {
        boolean digested = ref.digest() != null;
        List<Endpoint> endpoints = new ArrayList<>();
        if (mirrorByDigestOnly) {
            if (digested) {
                endpoints.addAll(mirrors);
            }
        } else {
            for (Endpoint m : mirrors) {
                if (m.pullFromMirror().equals(Endpoint.MIRROR_BY_DIGEST_ONLY) && !digested
                        || m.pullFromMirror().equals(Endpoint.MIRROR_BY_TAG_ONLY) && digested) {
                    continue;
                }
                endpoints.add(m);
            }
        }
        endpoints.add(endpoint);
        List<PullSource> out = new ArrayList<>();
        for (Endpoint e : endpoints) {
            out.add(new PullSource(e, e.rewrite(ref, prefix)));
        }
        return out;
    }
}
