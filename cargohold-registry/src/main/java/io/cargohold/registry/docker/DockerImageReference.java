package io.cargohold.registry.docker;

import io.cargohold.copy.CopyContext;
import io.cargohold.copy.ImageDestination;
import io.cargohold.copy.ImageReference;
import io.cargohold.copy.ImageSource;
import io.cargohold.copy.Transport;
import io.cargohold.copy.storage.DockerReference;
import io.cargohold.registry.RegistryClient;
import java.io.IOException;

/**
 * A parsed {@code docker://} reference: registry host, repository, and tag or digest.
 *
 * @param owner     the transport (options, registries.conf)
 * @param ref       the normalised name ({@code docker.io/library/NAME:latest} for a short name, until resolved)
 * @param shortName the text as given when it named no registry (resolved through registries.conf when opened), else null
 */
public record DockerImageReference(DockerTransport owner, DockerReference ref, String shortName) implements ImageReference {
    @Override
    public Transport transport() {
        return owner;
    }

    @Override
    public String withinTransport() {
        return "//" + ref;
    }

    /** The registry, {@code HOST[:PORT]}. */
    public String host() {
        return ref.domain();
    }

    /** The repository inside the registry. */
    public String repository() {
        return ref.path();
    }

    /** The tag or digest a manifest request names. */
    public String manifestReference() {
        return ref.digest() != null ? ref.digest().toString() : ref.tag();
    }

    /**
     * This reference with a short name resolved to one registry (an alias, or the only search
     * registry, else Docker Hub; see {@link io.cargohold.registry.config.ShortNames}); a blocked
     * registry is refused.
     */
    public DockerImageReference resolved() throws IOException {
        return PullSources.target(this, io.cargohold.registry.config.ShortNames.Purpose.PUSH);
    }

    /** A client of this reference's registry (short name resolved, no mirrors), TLS as registries.conf says. */
    public RegistryClient openClient() throws IOException {
        return PullSources.client(resolved());
    }

    /** Mirrors first, then the registry, for each short-name candidate in turn; the first that gives the manifest. */
    @Override
    public ImageSource newSource(CopyContext context) throws IOException {
        return PullSources.open(this);
    }

    @Override
    public ImageDestination newDestination(CopyContext context) throws IOException {
        DockerImageReference target = resolved();
        return new DockerImageDestination(target, PullSources.client(target), owner.locations());
    }
}
