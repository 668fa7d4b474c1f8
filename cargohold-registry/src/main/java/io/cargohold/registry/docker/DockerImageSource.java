package io.cargohold.registry.docker;

import io.cargohold.copy.ImageReference;
import io.cargohold.copy.ImageSource;
import io.cargohold.copy.RawManifest;
import io.cargohold.errors.CorruptException;
import io.cargohold.oci.Descriptor;
import io.cargohold.oci.OciDocument;
import io.cargohold.registry.RegistryClient;
import java.io.IOException;
import java.io.InputStream;

/**
 * An image in a registry as a copy source: the manifest by tag or digest (a digest is verified),
 * instances by digest, blobs as ranged GETs that resume after a dropped connection (the engine or the
 * destination verifies every byte). The blobs of each manifest read are recorded as present in this
 * repository, for mounts by a destination on the same registry.
 */
final class DockerImageSource implements ImageSource {
    private final DockerImageReference logical;
    private final DockerImageReference ref;
    private final RegistryClient client;
    private final BlobLocations locations;
    private RawManifest loaded;

    /**
     * @param logical the reference as the copy names it (a short name resolved)
     * @param ref     where it is really read from (a mirror, or the name rewritten by registries.conf)
     */
    DockerImageSource(DockerImageReference logical, DockerImageReference ref, RegistryClient client, BlobLocations locations) {
        this.logical = logical;
        this.ref = ref;
        this.client = client;
        this.locations = locations;
    }

    @Override
    public ImageReference reference() {
        return logical;
    }

    /** The reference requests go to. */
    DockerImageReference physical() {
        return ref;
    }

    RegistryClient client() {
        return client;
    }

    /** Reads the top-level manifest now (upstream's ensureManifestIsLoaded): a pull source without it fails here. */
    void loadManifest() throws IOException {
        loaded = record(client.getManifest(ref.repository(), ref.manifestReference()));
    }

    @Override
    public RawManifest manifest() throws IOException {
        if (loaded != null) {
            return loaded;
        }
        return record(client.getManifest(ref.repository(), ref.manifestReference()));
    }

    @Override
    public RawManifest manifest(Descriptor instance) throws IOException {
        return record(client.getManifest(ref.repository(), instance.digest().toString()));
    }

    private RawManifest record(RawManifest m) {
        try {
            if (m.parse() instanceof OciDocument.Manifest man) {
                locations.record(man.config().digest(), ref.host(), ref.repository());
                for (Descriptor l : man.layers()) {
                    locations.record(l.digest(), ref.host(), ref.repository());
                }
            }
        } catch (CorruptException notParsedHere) {
            // the engine parses it strictly and reports
        }
        return m;
    }

    @Override
    public boolean remote() {
        return true;
    }

    @Override
    public InputStream blob(Descriptor d) throws IOException {
        return client.getBlob(ref.repository(), d.digest(), d.size(), 0);
    }

    @Override
    public InputStream blob(Descriptor d, long offset) throws IOException {
        return client.getBlob(ref.repository(), d.digest(), d.size(), offset);
    }

    @Override
    public void close() {
        client.close();
    }
}
