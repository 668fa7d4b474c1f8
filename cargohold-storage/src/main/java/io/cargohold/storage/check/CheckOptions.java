package io.cargohold.storage.check;

import java.time.Duration;
import java.util.Objects;

/**
 * What a store check does. The quick check compares every layer's tree with what its tar-split
 * records (names, types, sizes, modes, owners, link targets, times) and the diff size, reading no
 * file's content; the full check also reads every file a layer's diff holds once, checking its
 * CRC-64 and recomputing the layer's diff digest. Unreferenced layers are reported once they are
 * older than {@code maxUnreferencedAge} (upstream's default: 24 hours).
 */
public record CheckOptions(boolean content, Duration maxUnreferencedAge) {
    public static final Duration DEFAULT_MAX_UNREFERENCED_AGE = Duration.ofHours(24);

    public CheckOptions {
        Objects.requireNonNull(maxUnreferencedAge, "maxUnreferencedAge");
    }

    /** Everything (upstream's CheckEverything). */
    public static CheckOptions full() {
        return new CheckOptions(true, DEFAULT_MAX_UNREFERENCED_AGE);
    }

    /** Everything but reading the layers' file contents. */
    public static CheckOptions quick() {
        return new CheckOptions(false, DEFAULT_MAX_UNREFERENCED_AGE);
    }

    public CheckOptions withMaxUnreferencedAge(Duration age) {
        return new CheckOptions(content, age);
    }
}
