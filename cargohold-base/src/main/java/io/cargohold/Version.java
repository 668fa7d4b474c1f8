package io.cargohold;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The build's version and the commit it was built from (filled in by the build; "unknown" when it had no git). */
public record Version(String version, String commit) {
    private static final Version CURRENT = load();

    public static Version current() {
        return CURRENT;
    }

    /** {@code 0.1.0-SNAPSHOT (commit 1dc5b24a3f0e)}: the commit checked out when it was built. */
    public String describe() {
        return version + " (commit " + commit + ")";
    }

    private static Version load() {
        Properties p = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Version(value(p, "version"), value(p, "commit"));
    }

    private static String value(Properties p, String key) {
        String v = p.getProperty(key, "");
        return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
    }
}
