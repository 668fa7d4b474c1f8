package io.cargohold.registry.docker;

import io.cargohold.digest.Digest;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where blobs were seen, per registry and repository (the in-memory part of containers/image's
 * blob info cache): a source records the blobs of each manifest it reads, a destination the blobs it
 * stores, so a push to another repository of the same registry can mount instead of upload.
 */
public final class BlobLocations {
    private final Map<Digest, Set<String>> seen = new ConcurrentHashMap<>();

    public void record(Digest d, String host, String repo) {
        seen.computeIfAbsent(d, k -> ConcurrentHashMap.newKeySet()).add(host + "/" + repo);
    }

    /** Repositories of {@code host} known to have {@code d}, other than {@code exceptRepo}. */
    public List<String> repositories(Digest d, String host, String exceptRepo) {
        Set<String> s = seen.get(d);
        if (s == null) {
            return List.of();
        }
        String prefix = host + "/";
        return s.stream().filter(x -> x.startsWith(prefix)).map(x -> x.substring(prefix.length()))
                .filter(r -> !r.equals(exceptRepo)).sorted().toList();
    }
}
