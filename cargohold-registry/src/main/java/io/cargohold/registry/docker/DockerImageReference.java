package io.cargohold.registry.docker;

import io.cargohold.copy.CopyContext;
import io.cargohold.copy.ImageDestination;
import io.cargohold.copy.ImageReference;
import io.cargohold.copy.ImageSource;
import io.cargohold.copy.Transport;
import io.cargohold.copy.storage.DockerReference;
import io.cargohold.registry.RegistryClient;
import java.io.IOException;

/** A parsed {@code docker://} reference: registry host, repository, and tag or digest. */
public record DockerImageReference(DockerTransport owner, DockerReference ref) implements ImageReference {
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

    public RegistryClient openClient() throws IOException {
        return RegistryClient.open(host(), owner.options());
    }

    @Override
    public ImageSource newSource(CopyContext context) throws IOException {
        return new DockerImageSource(this, openClient(), owner.locations());
    }

    @Override
    public ImageDestination newDestination(CopyContext context) throws IOException {
        return new DockerImageDestination(this, openClient(), owner.locations());
    }
}
