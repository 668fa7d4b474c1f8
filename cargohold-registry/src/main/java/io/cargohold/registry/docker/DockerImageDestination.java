package io.cargohold.registry.docker;

import io.cargohold.copy.CopyBlob;
import io.cargohold.copy.ImageDestination;
import io.cargohold.copy.ImageReference;
import io.cargohold.copy.ImageSource;
import io.cargohold.copy.RawManifest;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.oci.Descriptor;
import io.cargohold.registry.RegistryClient;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A registry repository as a copy destination: a blob the repository has is skipped (HEAD), one seen
 * in another repository of the same registry is mounted, anything else uploaded (the engine runs
 * these in parallel); instances are put by digest, and the manifest the reference names last, by its
 * tag (or digest). The registry checks every digest again.
 */
final class DockerImageDestination implements ImageDestination {
    private final DockerImageReference ref;
    private final RegistryClient client;
    private final BlobLocations locations;

    DockerImageDestination(DockerImageReference ref, RegistryClient client, BlobLocations locations) {
        this.ref = ref;
        this.client = client;
        this.locations = locations;
    }

    @Override
    public ImageReference reference() {
        return ref;
    }

    @Override
    public Optional<Descriptor> tryReuse(CopyBlob blob) throws IOException {
        Descriptor d = blob.descriptor();
        if (blob.transformed()) {
            return Optional.empty();
        }
        OptionalLong size = client.headBlob(ref.repository(), d.digest());
        if (size.isPresent() && (d.size() < 0 || size.getAsLong() == d.size() || size.getAsLong() < 0)) {
            return Optional.of(d);
        }
        for (String from : locations.repositories(d.digest(), ref.host(), ref.repository())) {
            try {
                if (client.mount(ref.repository(), from, d.digest())) {
                    locations.record(d.digest(), ref.host(), ref.repository());
                    return Optional.of(d);
                }
            } catch (io.cargohold.errors.PermissionDeniedException | io.cargohold.errors.NotFoundException noMount) {
                // no pull right on the other repository, or it is gone: upload instead
            }
        }
        return Optional.empty();
    }

    @Override
    public Descriptor putBlob(InputStream content, CopyBlob blob) throws IOException {
        Descriptor d = blob.descriptor();
        RegistryClient.Uploaded u = client.upload(ref.repository(), content, d.digest(), d.size(), null);
        locations.record(u.digest(), ref.host(), ref.repository());
        return new Descriptor(d.mediaType(), u.digest(), u.size(), d.urls(), d.annotations(), d.platform(), d.artifactType());
    }

    /**
     * Layers whose digest and size are known: the upload is retried after a dropped connection (continued
     * from what the registry has, or started again), the source opened again from its start each time
     * ({@link RegistryClient#upload(String, RegistryClient.Reopenable, io.cargohold.digest.Digest, long,
     * java.util.function.LongConsumer)}, which checks the digest before the final PUT; the registry checks it again).
     */
    @Override
    public boolean resumesBlobs(ImageSource source) {
        return true;
    }

    @Override
    public Descriptor putBlobResumable(BlobContent content, CopyBlob blob) throws IOException {
        Descriptor d = blob.descriptor();
        RegistryClient.Uploaded u = client.upload(ref.repository(), () -> content.open(0), d.digest(), d.size(), null);
        locations.record(u.digest(), ref.host(), ref.repository());
        return new Descriptor(d.mediaType(), u.digest(), u.size(), d.urls(), d.annotations(), d.platform(), d.artifactType());
    }

    @Override
    public void putManifest(RawManifest manifest, boolean topLevel) throws IOException {
        if (!topLevel) {
            client.putManifest(ref.repository(), manifest.digest().toString(), manifest);
            return;
        }
        if (ref.ref().digest() != null && !ref.ref().digest().equals(manifest.digest())) {
            throw new InvalidArgumentException(ref.string() + ": the manifest to write has digest " + manifest.digest()
                    + ", not the reference's " + ref.ref().digest() + " (a copy that changes the image cannot be pushed by digest)");
        }
        client.putManifest(ref.repository(), ref.manifestReference(), manifest);
    }

    @Override
    public void commit(RawManifest unparsedTopLevel) {
        // the manifest PUT (last) made the image visible
    }

    @Override
    public void close() {
        client.close();
    }
}
