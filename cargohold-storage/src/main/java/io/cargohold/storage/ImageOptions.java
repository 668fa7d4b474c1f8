package io.cargohold.storage;

import java.time.OffsetDateTime;
import java.util.List;

/** What a new image gets; {@code id} null = generated, {@code topLayer} null = no layers, {@code created} null = now. */
public record ImageOptions(String id, String topLayer, List<String> names, String metadata, OffsetDateTime created, String digest) {
    public static ImageOptions of(String topLayer) {
        return new ImageOptions(null, topLayer, List.of(), "", null, null);
    }

    public ImageOptions withId(String i) {
        return new ImageOptions(i, topLayer, names, metadata, created, digest);
    }

    public ImageOptions withNames(List<String> n) {
        return new ImageOptions(id, topLayer, n, metadata, created, digest);
    }

    public ImageOptions withMetadata(String m) {
        return new ImageOptions(id, topLayer, names, m, created, digest);
    }

    public ImageOptions withCreated(OffsetDateTime c) {
        return new ImageOptions(id, topLayer, names, metadata, c, digest);
    }

    public ImageOptions withDigest(String d) {
        return new ImageOptions(id, topLayer, names, metadata, created, d);
    }
}
