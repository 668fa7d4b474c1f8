package io.cargohold.testkit.images;

import java.util.Objects;

/**
 * An image platform as written in an image index ({@code platform: {architecture, os, variant}}) and
 * in the image config.
 *
 * @param os           e.g. {@code linux}
 * @param architecture GOARCH spelling, e.g. {@code amd64}, {@code arm64}
 * @param variant      e.g. {@code v8}, or null
 */
public record Platform(String os, String architecture, String variant) {
    public static final Platform LINUX_AMD64 = new Platform("linux", "amd64", null);
    public static final Platform LINUX_ARM64_V8 = new Platform("linux", "arm64", "v8");

    public Platform {
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(architecture, "architecture");
        if (variant != null && variant.isEmpty()) {
            variant = null;
        }
    }

    /** Parses {@code os/arch} or {@code os/arch/variant}. */
    public static Platform parse(String s) {
        String[] p = s.split("/", -1);
        if (p.length < 2 || p.length > 3 || p[0].isEmpty() || p[1].isEmpty()) {
            throw new IllegalArgumentException("not os/arch[/variant]: " + s);
        }
        return new Platform(p[0], p[1], p.length == 3 ? p[2] : null);
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }
}
