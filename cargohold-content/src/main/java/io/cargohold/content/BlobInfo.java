package io.cargohold.content;

import io.cargohold.digest.Digest;
import java.time.Instant;
import java.util.Optional;

/** What the index knows of a committed blob. {@code mediaType} is null when it was never given. */
public record BlobInfo(Digest digest, long size, String mediaType, Instant addedAt) {
    public Optional<String> mediaTypeIfKnown() {
        return Optional.ofNullable(mediaType);
    }
}
