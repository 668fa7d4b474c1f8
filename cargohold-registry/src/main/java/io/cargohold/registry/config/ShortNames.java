package io.cargohold.registry.config;

import io.cargohold.copy.storage.DockerReference;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.text.GoStrings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Short names ({@code alpine}, {@code library/fedora:38}: no registry host) resolved as containers/image
 * v5.23's {@code pkg/shortnames.Resolve} does for podman: an alias first (the machine-written
 * short-name-aliases.conf, then the {@code [aliases]} of the registries.conf files), else one candidate
 * per {@code unqualified-search-registries} entry, in order, each to be tried in turn by a pull.
 * Differences, on purpose: Cargohold never prompts (so {@code short-name-mode = "enforcing"} with several
 * candidates is always upstream's no-TTY error, and "permissive" always tries them all), records no alias
 * after a pull, and a short name with neither an alias nor a search registry means Docker Hub
 * ({@code docker.io/library/NAME}), as skopeo's {@code docker://} does, instead of upstream's error.
 * A push needs one name: an alias, or the only search registry; several search registries are refused.
 */
public final class ShortNames {
    private ShortNames() {
    }

    /** Pull tries every candidate; push needs exactly one. */
    public enum Purpose {
        PULL, PUSH
    }

    /**
     * The names to try, in order, and how they were found.
     *
     * @param candidates  fully-qualified references, tag {@code latest} added when the input had neither tag nor digest
     * @param description upstream's {@code Resolved.Description()} (empty when the input was fully qualified)
     */
    public record Resolved(List<DockerReference> candidates, String description) {
        public Resolved {
            candidates = List.copyOf(candidates);
        }
    }

    /** Whether {@code input} ({@code NAME[:TAG][@DIGEST]}) names no registry: its first component has no {@code .} or {@code :} and is not {@code localhost}. */
    public static boolean isShortName(String input) {
        int slash = input.indexOf('/');
        if (slash < 0) {
            return true;
        }
        String first = input.substring(0, slash);
        return !(first.contains(".") || first.contains(":") || first.equals("localhost"));
    }

    /** Resolves {@code input} with the configuration and the short-name-aliases.conf at {@code aliasesFile} (null: none). */
    public static Resolved resolve(RegistriesConf conf, java.nio.file.Path aliasesFile, String input, Purpose purpose)
            throws InvalidArgumentException {
        if (!isShortName(input)) {
            return new Resolved(List.of(DockerReference.parseNormalized(input)), "");
        }
        Split s = split(input);
        Map<String, RegistriesConf.Alias> machine = aliasesFile == null ? Map.of() : RegistriesConf.loadAliasesFile(aliasesFile);
        RegistriesConf.Alias alias = machine.containsKey(s.repo) ? machine.get(s.repo) : conf.aliases().get(s.repo);
        if (alias != null && alias.value() != null) {
            DockerReference a = alias.value();
            DockerReference r = new DockerReference(a.domain(), a.path(), s.tag, s.digest);
            r = r.isNameOnly() ? new DockerReference(r.domain(), r.path(), "latest", null) : r;
            return new Resolved(List.of(r), "Resolved " + GoStrings.quote(s.repo) + " as an alias (" + alias.origin() + ")");
        }
        List<String> search = conf.unqualifiedSearchRegistries();
        if (search.isEmpty()) {
            return new Resolved(List.of(DockerReference.parseNormalized(input)), "Resolving " + GoStrings.quote(s.repo)
                    + " to docker.io (no alias and no unqualified-search registries in " + (conf.searchOrigin().isEmpty()
                    ? "any containers-registries.conf(5)" : GoStrings.quote(conf.searchOrigin())) + ")");
        }
        String description = "Resolving " + GoStrings.quote(s.repo) + " using unqualified-search registries (" + conf.searchOrigin() + ")";
        if (purpose == Purpose.PUSH && search.size() > 1) {
            throw new InvalidArgumentException("short-name " + GoStrings.quote(input) + " did not resolve to an alias and there are "
                    + search.size() + " unqualified-search registries (" + String.join(", ", search) + ") in "
                    + GoStrings.quote(conf.searchOrigin()) + ": a push needs a fully-qualified name");
        }
        List<DockerReference> candidates = new ArrayList<>();
        for (String reg : search) {
            try {
                candidates.add(DockerReference.parseNormalized(reg + "/" + input));
            } catch (InvalidArgumentException e) {
                throw new InvalidArgumentException("creating reference with unqualified-search registry " + GoStrings.quote(reg) + ": "
                        + e.getMessage(), e);
            }
        }
        if (candidates.size() > 1 && conf.shortNameMode() == RegistriesConf.ShortNameMode.ENFORCING) {
            throw new InvalidArgumentException("short-name resolution enforced but cannot prompt without a TTY");
        }
        return new Resolved(candidates, description);
    }

    private record Split(String repo, String tag, io.cargohold.digest.Digest digest) {
    }

    private static Split split(String input) throws InvalidArgumentException {
        DockerReference parsed;
        try {
            parsed = DockerReference.parseNormalizedNamed(input);
        } catch (InvalidArgumentException e) {
            throw new InvalidArgumentException("cannot parse input: " + GoStrings.quote(input) + ": " + e.getMessage(), e);
        }
        String repo = input;
        int at = repo.indexOf('@');
        if (at >= 0) {
            repo = repo.substring(0, at);
        }
        int colon = repo.lastIndexOf(':');
        if (colon > repo.lastIndexOf('/')) {
            repo = repo.substring(0, colon);
        }
        return new Split(repo, parsed.tag(), parsed.digest());
    }

    /** Upstream's {@code validateShortName}: the left-hand side of an alias. */
    static void validateShortName(String name) throws InvalidArgumentException {
        DockerReference parsed;
        try {
            parsed = DockerReference.parseNormalizedNamed(name);
        } catch (InvalidArgumentException e) {
            throw new InvalidArgumentException("cannot parse short name: " + GoStrings.quote(name) + ": " + e.getMessage(), e);
        }
        if (parsed.digest() != null) {
            throw new InvalidArgumentException("invalid short name " + GoStrings.quote(name) + ": must not contain digest");
        }
        if (parsed.tag() != null) {
            throw new InvalidArgumentException("invalid short name " + GoStrings.quote(name) + ": must not contain tag");
        }
        if (!isShortName(name)) {
            throw new InvalidArgumentException("invalid short name " + GoStrings.quote(name) + ": must not contain registry");
        }
    }

    /** Upstream's {@code parseShortNameValue}: the right-hand side, a registry and repository without tag or digest, normalised. */
    static DockerReference parseShortNameValue(String alias) throws InvalidArgumentException {
        DockerReference parsed;
        try {
            parsed = DockerReference.parseNormalizedNamed(alias);
        } catch (InvalidArgumentException e) {
            throw new InvalidArgumentException("parsing alias " + GoStrings.quote(alias) + ": " + e.getMessage(), e);
        }
        if (parsed.digest() != null) {
            throw new InvalidArgumentException("invalid alias " + GoStrings.quote(alias) + ": must not contain digest");
        }
        if (parsed.tag() != null) {
            throw new InvalidArgumentException("invalid alias " + GoStrings.quote(alias) + ": must not contain tag");
        }
        if (isShortName(alias)) {
            throw new InvalidArgumentException("invalid alias " + GoStrings.quote(alias) + ": must contain registry and repository");
        }
        return parsed;
    }
}
