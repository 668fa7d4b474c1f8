package io.cargohold.oci.refs;

import io.cargohold.digest.Digest;
import io.cargohold.errors.InvalidArgumentException;
import java.util.regex.Pattern;

/**
 * An image reference as the distribution spec writes it: {@code [domain[:port]/]path[:tag][@digest]},
 * e.g. {@code nginx:latest}, {@code quay.io/app/web:1.2}, {@code nginx@sha256:…}. Kept as given (no
 * {@code docker.io/library/} normalisation): the stored name is what the user typed. At least a tag
 * or a digest is required.
 */
public record Reference(String name, String tag, Digest digest) {
    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern DOMAIN = Pattern.compile(
            "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");

    public Reference {
        if (tag == null && digest == null) {
            throw new IllegalArgumentException("a reference needs a tag or a digest");
        }
    }

    public static Reference parse(String s) throws InvalidArgumentException {
        if (s == null || s.isEmpty()) {
            throw new InvalidArgumentException("invalid reference \"\": empty");
        }
        String rest = s;
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = Digest.parse(rest.substring(at + 1));
            rest = rest.substring(0, at);
        }
        String tag = null;
        int lastSlash = rest.lastIndexOf('/');
        int colon = rest.lastIndexOf(':');
        if (colon > lastSlash) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw new InvalidArgumentException("invalid reference \"" + s + "\": bad tag \"" + tag + "\"");
            }
        }
        if (tag == null && digest == null) {
            throw new InvalidArgumentException("invalid reference \"" + s + "\": needs a :tag or an @digest");
        }
        validateName(rest, s);
        return new Reference(rest, tag, digest);
    }

    private static void validateName(String name, String whole) throws InvalidArgumentException {
        if (name.isEmpty() || name.length() > 255) {
            throw new InvalidArgumentException("invalid reference \"" + whole + "\": the name must be 1 to 255 characters");
        }
        String[] parts = name.split("/", -1);
        int first = 0;
        if (parts.length > 1 && (parts[0].contains(".") || parts[0].contains(":") || parts[0].equals("localhost"))) {
            if (!DOMAIN.matcher(parts[0]).matches()) {
                throw new InvalidArgumentException("invalid reference \"" + whole + "\": bad registry host \"" + parts[0] + "\"");
            }
            first = 1;
        }
        for (int i = first; i < parts.length; i++) {
            if (!COMPONENT.matcher(parts[i]).matches()) {
                throw new InvalidArgumentException("invalid reference \"" + whole + "\": bad name component \"" + parts[i]
                        + "\" (lower-case letters, digits and separators . _ __ -)");
            }
        }
    }

    @Override
    public String toString() {
        return name + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
    }
}
