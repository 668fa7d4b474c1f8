package io.cargohold.copy.storage;

import io.cargohold.digest.Digest;
import io.cargohold.errors.InvalidArgumentException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A normalised image name as containers/image's {@code reference.ParseNormalizedNamed} makes it
 * ({@code app:latest} is {@code docker.io/library/app:latest}, {@code localhost:5000/x} keeps its
 * domain), with {@code reference.TagNameOnly} applied by {@link #parseNormalized}: a name with neither
 * tag nor digest gets {@code :latest}. {@link #toString()} is Go's {@code Named.String()}, the form
 * containers-storage records as an image name.
 */
public record DockerReference(String domain, String path, String tag, Digest digest) {
    private static final String DEFAULT_DOMAIN = "docker.io";
    private static final String LEGACY_DEFAULT_DOMAIN = "index.docker.io";
    private static final int NAME_TOTAL_LENGTH_MAX = 255;

    private static final String ALNUM = "[a-z0-9]+";
    private static final String SEPARATOR = "(?:[._]|__|[-]*)";
    private static final String COMPONENT = ALNUM + "(?:" + SEPARATOR + ALNUM + ")*";
    private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private static final String DOMAIN = DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*(?::[0-9]+)?";
    private static final String TAG = "[\\w][\\w.-]{0,127}";
    private static final String DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}";
    private static final String NAME = "(?:" + DOMAIN + "/)?" + COMPONENT + "(?:/" + COMPONENT + ")*";
    private static final Pattern REFERENCE = Pattern.compile("^(" + NAME + ")(?::(" + TAG + "))?(?:@(" + DIGEST + "))?$");
    private static final Pattern ANCHORED_NAME = Pattern.compile("^(?:(" + DOMAIN + ")/)?(" + COMPONENT + "(?:/" + COMPONENT + ")*)$");
    private static final Pattern IDENTIFIER = Pattern.compile("^[a-f0-9]{64}$");

    /** {@code domain/path}, Go's {@code Named.Name()}. */
    public String name() {
        return domain + "/" + path;
    }

    public boolean isNameOnly() {
        return tag == null && digest == null;
    }

    /** ParseNormalizedNamed, then TagNameOnly; errors carry upstream's texts. */
    public static DockerReference parseNormalized(String s) throws InvalidArgumentException {
        DockerReference r = parseNormalizedNamed(s);
        return r.isNameOnly() ? new DockerReference(r.domain, r.path, "latest", null) : r;
    }

    /** Upstream's {@code reference.ParseNormalizedNamed}, without adding a tag. */
    public static DockerReference parseNormalizedNamed(String s) throws InvalidArgumentException {
        if (IDENTIFIER.matcher(s).matches()) {
            throw new InvalidArgumentException("invalid repository name (" + s + "), cannot specify 64-byte hexadecimal strings");
        }
        String domain;
        String remainder;
        int i = s.indexOf('/');
        if (i == -1 || (!containsAny(s.substring(0, i), ".:") && !s.substring(0, i).equals("localhost"))) {
            domain = DEFAULT_DOMAIN;
            remainder = s;
        } else {
            domain = s.substring(0, i);
            remainder = s.substring(i + 1);
        }
        if (domain.equals(LEGACY_DEFAULT_DOMAIN)) {
            domain = DEFAULT_DOMAIN;
        }
        if (domain.equals(DEFAULT_DOMAIN) && remainder.indexOf('/') < 0) {
            remainder = "library/" + remainder;
        }
        int tagSep = remainder.indexOf(':');
        String remoteName = tagSep > -1 ? remainder.substring(0, tagSep) : remainder;
        if (!remoteName.toLowerCase(java.util.Locale.ROOT).equals(remoteName)) {
            throw new InvalidArgumentException("invalid reference format: repository name must be lowercase");
        }
        return parse(domain + "/" + remainder);
    }

    /** Upstream's {@code reference.Parse} of a string that names a domain. */
    private static DockerReference parse(String s) throws InvalidArgumentException {
        Matcher m = REFERENCE.matcher(s);
        if (!m.matches()) {
            if (s.isEmpty()) {
                throw new InvalidArgumentException("repository name must have at least one component");
            }
            if (REFERENCE.matcher(s.toLowerCase(java.util.Locale.ROOT)).matches()) {
                throw new InvalidArgumentException("repository name must be lowercase");
            }
            throw new InvalidArgumentException("invalid reference format");
        }
        String name = m.group(1);
        if (name.length() > NAME_TOTAL_LENGTH_MAX) {
            throw new InvalidArgumentException("repository name must not be more than " + NAME_TOTAL_LENGTH_MAX + " characters");
        }
        Matcher n = ANCHORED_NAME.matcher(name);
        if (!n.matches() || n.group(1) == null) {
            throw new InvalidArgumentException("invalid reference format");
        }
        Digest digest = null;
        if (m.group(3) != null) {
            try {
                digest = Digest.parse(m.group(3));
            } catch (InvalidArgumentException e) {
                throw new InvalidArgumentException("invalid digest format: " + m.group(3), e);
            }
        }
        return new DockerReference(n.group(1), n.group(2), m.group(2), digest);
    }

    private static boolean containsAny(String s, String chars) {
        for (char c : chars.toCharArray()) {
            if (s.indexOf(c) >= 0) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return name() + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
    }
}
