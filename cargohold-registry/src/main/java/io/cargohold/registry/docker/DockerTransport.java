package io.cargohold.registry.docker;

import io.cargohold.copy.ImageReference;
import io.cargohold.copy.Transport;
import io.cargohold.copy.storage.DockerReference;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.registry.RegistryOptions;

/**
 * {@code docker://HOST[:PORT]/NAME[:TAG|@DIGEST]}: an image in a registry, as skopeo's {@code docker:}
 * transport (names normalised as Docker does: {@code docker://alpine} is
 * {@code docker.io/library/alpine:latest}). Each instance carries the registry options of one side of
 * a copy; {@link #standard()} (found by {@link io.cargohold.copy.Transports#standard()} through the
 * ServiceLoader) has the defaults: TLS verified, credentials from the auth file.
 */
public final class DockerTransport implements Transport {
    public static final String NAME = "docker";

    private final RegistryOptions options;
    private final BlobLocations locations;

    /** The defaults (for the ServiceLoader). */
    public DockerTransport() {
        this(RegistryOptions.defaults(), new BlobLocations());
    }

    private DockerTransport(RegistryOptions options, BlobLocations locations) {
        this.options = options;
        this.locations = locations;
    }

    public static DockerTransport standard() {
        return new DockerTransport();
    }

    /**
     * A transport with these options; give the source's and the destination's transports the same
     * {@code locations} so a copy between repositories of one registry mounts blobs.
     */
    public static DockerTransport with(RegistryOptions options, BlobLocations locations) {
        return new DockerTransport(options, locations);
    }

    public RegistryOptions options() {
        return options;
    }

    BlobLocations locations() {
        return locations;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DockerImageReference parse(String reference) throws InvalidArgumentException {
        if (!reference.startsWith("//")) {
            throw new InvalidArgumentException("docker: image reference " + reference + " does not start with //");
        }
        DockerReference r = DockerReference.parseNormalized(reference.substring(2));
        return new DockerImageReference(this, r);
    }

    /** Parses {@code docker://…} or the part after {@code docker:}. */
    public ImageReference parseImage(String image) throws InvalidArgumentException {
        return parse(image.startsWith(NAME + ":") ? image.substring(NAME.length() + 1) : image);
    }
}
