package io.cargohold.content;

import io.cargohold.digest.Digest;
import java.time.Instant;
import java.util.Optional;

/** A named record in a namespace; {@code blob}, when set, keeps that blob from being removed. */
public record KvRecord(String namespace, String key, String value, Digest blob, Instant updatedAt) {
    public Optional<Digest> blobIfAny() {
        return Optional.ofNullable(blob);
    }
}
