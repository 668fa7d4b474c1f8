package io.cargohold.copy.dockerarchive;

import io.cargohold.oci.refs.Reference;

/** Docker's reference normalisation ({@code reference.ParseNormalizedNamed}): {@code app:1} is {@code docker.io/library/app:1}. */
final class DockerNames {
    private DockerNames() {
    }

    static String normalize(Reference r) {
        return normalizeName(r.name()) + ":" + r.tag();
    }

    static String normalizeName(String name) {
        int slash = name.indexOf('/');
        String first = slash < 0 ? "" : name.substring(0, slash);
        if (slash < 0) {
            return "docker.io/library/" + name;
        }
        if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
            String domain = first.equals("index.docker.io") ? "docker.io" : first;
            String path = name.substring(slash + 1);
            return domain + "/" + (domain.equals("docker.io") && !path.contains("/") ? "library/" : "") + path;
        }
        return "docker.io/" + name;
    }

    /** The name part (before the tag) of a normalised NAME:TAG. */
    static String nameOf(String normalized) {
        return normalized.substring(0, normalized.lastIndexOf(':'));
    }

    static String tagOf(String normalized) {
        return normalized.substring(normalized.lastIndexOf(':') + 1);
    }
}
