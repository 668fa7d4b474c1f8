package io.cargohold.registry.docker;

import io.cargohold.copy.ImageReference;
import io.cargohold.copy.Transport;
import io.cargohold.copy.storage.DockerReference;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.registry.RegistryOptions;
import io.cargohold.registry.config.RegistriesConf;
import io.cargohold.registry.config.RegistriesConfPaths;
import io.cargohold.registry.config.ShortNames;
import java.nio.file.Path;

/**
 * {@code docker://HOST[:PORT]/NAME[:TAG|@DIGEST]}: an image in a registry, as skopeo's {@code docker:}
 * transport (names normalised as Docker does: {@code docker://alpine} is
 * {@code docker.io/library/alpine:latest}). Each instance carries the registry options of one side of
 * a copy; {@link #standard()} (found by {@link io.cargohold.copy.Transports#standard()} through the
 * ServiceLoader) has the defaults: TLS verified, credentials from the auth file.
 *
 * <p>registries.conf (read once per transport, from the files {@link RegistriesConfPaths#of} names for the
 * options' environment, see {@link RegistriesConf}) decides where a reference is really read from: a short
 * name ({@code docker://alpine}) goes through aliases and {@code unqualified-search-registries}
 * ({@link ShortNames}); a pull tries the matching {@code [[registry]]}'s mirrors, then its location; a
 * blocked registry is refused; {@code insecure = true} allows plain HTTP and unverified TLS unless the
 * caller set TLS verification explicitly ({@link #with(RegistryOptions, BlobLocations, Boolean)}).
 */
public final class DockerTransport implements Transport {
    public static final String NAME = "docker";

    private final RegistryOptions options;
    private final BlobLocations locations;
    private final Boolean tlsVerifyFlag;
    private final RegistriesConfPaths confPaths;
    private final java.util.concurrent.atomic.AtomicReference<RegistriesConf> conf = new java.util.concurrent.atomic.AtomicReference<>();

    /** The defaults (for the ServiceLoader). */
    public DockerTransport() {
        this(RegistryOptions.defaults(), new BlobLocations(), null, null);
    }

    private DockerTransport(RegistryOptions options, BlobLocations locations, Boolean tlsVerifyFlag, RegistriesConfPaths confPaths) {
        this.options = options;
        this.locations = locations;
        this.tlsVerifyFlag = tlsVerifyFlag;
        this.confPaths = confPaths != null ? confPaths : RegistriesConfPaths.of(options.env());
    }

    public static DockerTransport standard() {
        return new DockerTransport();
    }

    /**
     * A transport with these options; give the source's and the destination's transports the same
     * {@code locations} so a copy between repositories of one registry mounts blobs.
     */
    public static DockerTransport with(RegistryOptions options, BlobLocations locations) {
        return new DockerTransport(options, locations, options.tlsVerify() ? null : Boolean.FALSE, null);
    }

    /**
     * A transport with these options whose TLS verification is {@code tlsVerify} when not null (skopeo's
     * {@code --tls-verify}, which wins over registries.conf), else registries.conf's {@code insecure}
     * for each registry.
     */
    public static DockerTransport with(RegistryOptions options, BlobLocations locations, Boolean tlsVerify) {
        return new DockerTransport(options, locations, tlsVerify, null);
    }

    /** This transport reading registries.conf from {@code paths} instead (tests, other roots). */
    public DockerTransport withRegistriesConf(RegistriesConfPaths paths) {
        return new DockerTransport(options, locations, tlsVerifyFlag, paths);
    }

    /** The registries.conf files this transport reads. */
    public RegistriesConfPaths registriesConfPaths() {
        return confPaths;
    }

    /** registries.conf, loaded on first use; a bad file fails every reference's open with upstream's message. */
    public RegistriesConf registriesConf() throws InvalidArgumentException {
        RegistriesConf c = conf.get();
        if (c == null) {
            c = RegistriesConf.load(confPaths);
            conf.compareAndSet(null, c);
        }
        return c;
    }

    Path aliasesFile() {
        return confPaths.aliasesFile();
    }

    /**
     * The options for one endpoint: TLS per the explicit flag, else per {@code insecure}; explicit credentials only for the
     * reference's own registry; registries.conf's credential helpers.
     */
    RegistryOptions optionsFor(boolean insecure, boolean sameRegistry) throws InvalidArgumentException {
        // registries.conf's credential-helpers: where credentials are looked up (unless the options name helpers)
        RegistryOptions o = registriesConf().withHelpers(options).withTlsVerify(tlsVerifyFlag != null ? tlsVerifyFlag : !insecure);
        if (!sameRegistry && o.credentials() != null) {
            o = o.withCredentials(null); // as upstream: credentials given for the primary are not sent to a mirror
        }
        return o;
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
        String name = reference.substring(2);
        DockerReference r = DockerReference.parseNormalized(name);
        return new DockerImageReference(this, r, ShortNames.isShortName(name) ? name : null);
    }

    /** Parses {@code docker://…} or the part after {@code docker:}. */
    public ImageReference parseImage(String image) throws InvalidArgumentException {
        return parse(image.startsWith(NAME + ":") ? image.substring(NAME.length() + 1) : image);
    }
}
