package io.cargohold.registry.docker;

import io.cargohold.copy.storage.DockerReference;
import io.cargohold.errors.CargoholdException;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.FailedPreconditionException;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.errors.PermissionDeniedException;
import io.cargohold.errors.UnavailableException;
import io.cargohold.registry.RegistryClient;
import io.cargohold.registry.config.RegistriesConf;
import io.cargohold.registry.config.Registry;
import io.cargohold.registry.config.ShortNames;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * How a {@code docker://} reference is opened under registries.conf, as containers/image v5.23's
 * {@code newImageSource} / {@code newImageDestination} do: a short name resolved to candidates
 * ({@link ShortNames}), each candidate's pull sources (the matching {@code [[registry]]}'s mirrors, then
 * its location, names rewritten from the prefix) tried in order until one gives the manifest; a blocked
 * registry refused; {@code insecure = true} allowing plain HTTP and unverified TLS unless
 * {@code --tls-verify} was given. Pushes go to the (resolved) name itself, never to a mirror.
 */
final class PullSources {
    private static final io.cargohold.logging.LazyLogger LOG = io.cargohold.logging.LazyLogger.of("io.cargohold.registry");

    private PullSources() {
    }

    /** The source for {@code ref}: the first candidate and pull source whose manifest could be read. */
    static DockerImageSource open(DockerImageReference ref) throws IOException {
        DockerTransport owner = ref.owner();
        RegistriesConf conf = owner.registriesConf();
        List<DockerReference> candidates = candidates(ref, conf, ShortNames.Purpose.PULL);
        List<IOException> errors = new ArrayList<>();
        for (DockerReference c : candidates) {
            try {
                return openCandidate(new DockerImageReference(owner, c, null), conf);
            } catch (IOException e) {
                errors.add(e);
            }
        }
        if (errors.size() == 1) {
            throw errors.getFirst();
        }
        // upstream's Resolved.FormatPullErrors
        StringBuilder b = new StringBuilder(errors.size() + " errors occurred while pulling:");
        for (IOException e : errors) {
            b.append("\n * ").append(e.getMessage());
        }
        throw rewrap(errors.getLast(), b.toString());
    }

    private static DockerImageSource openCandidate(DockerImageReference logical, RegistriesConf conf) throws IOException {
        DockerTransport owner = logical.owner();
        Registry registry = conf.findRegistry(logical.ref().name());
        if (registry == null) {
            registry = Registry.implicit(logical.ref());
        }
        record Attempt(DockerReference ref, IOException error) {
        }
        List<Attempt> attempts = new ArrayList<>();
        for (Registry.PullSource ps : registry.pullSources(logical.ref())) {
            LOG.log(System.Logger.Level.DEBUG, "Trying to access {0}", "\"" + ps.reference() + "\"");
            DockerImageReference physical = new DockerImageReference(owner, ps.reference(), null);
            RegistryClient client = null;
            try {
                checkBlocked(conf, ps.reference());
                client = RegistryClient.open(physical.host(), owner.optionsFor(ps.endpoint().insecure(),
                        ps.reference().domain().equals(logical.ref().domain())));
                DockerImageSource s = new DockerImageSource(logical, physical, client, owner.locations());
                s.loadManifest();
                return s;
            } catch (IOException e) {
                if (client != null) {
                    client.close();
                }
                LOG.log(System.Logger.Level.DEBUG, "Accessing {0} failed: {1}", "\"" + ps.reference() + "\"", e.getMessage());
                attempts.add(new Attempt(ps.reference(), e));
            }
        }
        if (attempts.size() == 1) {
            throw attempts.getFirst().error();
        }
        List<String> extras = new ArrayList<>();
        for (int i = 0; i < attempts.size() - 1; i++) {
            extras.add("[" + attempts.get(i).ref() + ": " + attempts.get(i).error().getMessage() + "]");
        }
        Attempt primary = attempts.getLast();
        throw rewrap(primary.error(), "(Mirrors also failed: " + String.join("\n", extras) + "): " + primary.ref() + ": "
                + primary.error().getMessage());
    }

    /** The name a push or a single-registry request (tags, login) uses: a short name resolved to exactly one. */
    static DockerImageReference target(DockerImageReference ref, ShortNames.Purpose purpose) throws IOException {
        RegistriesConf conf = ref.owner().registriesConf();
        DockerReference r = candidates(ref, conf, purpose).getFirst();
        checkBlocked(conf, r);
        return r.equals(ref.ref()) && ref.shortName() == null ? ref : new DockerImageReference(ref.owner(), r, null);
    }

    /** A client for {@code ref}'s own registry (no mirrors), TLS as registries.conf's {@code insecure} says. */
    static RegistryClient client(DockerImageReference target) throws IOException {
        RegistriesConf conf = target.owner().registriesConf();
        checkBlocked(conf, target.ref());
        Registry r = conf.findRegistry(target.ref().name());
        return RegistryClient.open(target.host(), target.owner().optionsFor(r != null && r.endpoint().insecure(), true));
    }

    private static List<DockerReference> candidates(DockerImageReference ref, RegistriesConf conf, ShortNames.Purpose purpose)
            throws InvalidArgumentException {
        if (ref.shortName() == null) {
            return List.of(ref.ref());
        }
        ShortNames.Resolved r = ShortNames.resolve(conf, ref.owner().aliasesFile(), ref.shortName(), purpose);
        if (!r.description().isEmpty()) {
            LOG.log(System.Logger.Level.INFO, r.description());
        }
        return r.candidates();
    }

    private static void checkBlocked(RegistriesConf conf, DockerReference ref) throws PermissionDeniedException {
        Registry r = conf.findRegistry(ref.name());
        if (r != null && r.blocked()) {
            throw new PermissionDeniedException(conf.blockedMessage(r));
        }
    }

    /** The same kind of error with another message (the exit code follows the kind). */
    static IOException rewrap(IOException e, String message) {
        if (!(e instanceof CargoholdException c)) {
            return new IOException(message, e);
        }
        if (c instanceof NotFoundException) {
            return new NotFoundException(message, e);
        } else if (c instanceof PermissionDeniedException) {
            return new PermissionDeniedException(message, e);
        } else if (c instanceof InvalidArgumentException) {
            return new InvalidArgumentException(message, e);
        } else if (c instanceof UnavailableException) {
            return new UnavailableException(message, e);
        } else if (c instanceof CorruptException) {
            return new CorruptException(message, e);
        } else if (c instanceof FailedPreconditionException) {
            return new FailedPreconditionException(message, e);
        }
        return new IOException(message, e);
    }
}
