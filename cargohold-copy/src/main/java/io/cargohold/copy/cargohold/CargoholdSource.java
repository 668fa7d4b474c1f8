package io.cargohold.copy.cargohold;

import io.cargohold.content.BlobProvider.Verify;
import io.cargohold.copy.ImageReference;
import io.cargohold.copy.ImageSource;
import io.cargohold.copy.RawManifest;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.oci.Descriptor;
import io.cargohold.oci.ImageRef;
import io.cargohold.oci.OciParser;
import io.cargohold.oci.OciStore;
import io.cargohold.oci.graph.DescriptorWalker;
import java.io.IOException;
import java.io.InputStream;

/** An image of the content store: the reference's manifest or index (verified by the walker), blobs as stored (verified by the engine). */
final class CargoholdSource implements ImageSource {
    private final CargoholdReference ref;
    private final OciStore store;
    private final boolean owned;
    private final DescriptorWalker walker;

    CargoholdSource(CargoholdReference ref, OciStore store, boolean owned) {
        this.ref = ref;
        this.store = store;
        this.owned = owned;
        this.walker = DescriptorWalker.over(new DescriptorWalker.Loader() {
            @Override
            public byte[] read(Descriptor d, String namedBy) throws IOException {
                try (InputStream in = blob(d)) {
                    return in.readNBytes(OciParser.MAX_DOCUMENT + 1);
                }
            }

            @Override
            public boolean has(Descriptor d) throws IOException {
                return store.blobs().contains(d.digest());
            }
        }, DescriptorWalker.Subjects.IF_PRESENT);
    }

    @Override
    public ImageReference reference() {
        return ref;
    }

    @Override
    public RawManifest manifest() throws IOException {
        ImageRef image = StoreNames.resolve(store, ref.reference().toString()); // exactly as stored, else as podman matches names
        Descriptor d = image.descriptor();
        if (!DescriptorWalker.isDocument(d.mediaType())) {
            throw new CorruptException(ref.string() + ": the reference names a " + d.mediaType() + ", not a manifest or index");
        }
        return RawManifest.of(walker.load(d, "reference " + ref.reference()).raw(), d.mediaType());
    }

    @Override
    public RawManifest manifest(Descriptor instance) throws IOException {
        return RawManifest.of(walker.load(instance, ref.string()).raw(), instance.mediaType());
    }

    /** The stored bytes; not hashed here, as the engine checks the size and digest of everything it reads (once is enough). */
    @Override
    public InputStream blob(Descriptor d) throws IOException {
        try {
            return store.blobs().open(d.digest(), Verify.NONE);
        } catch (NotFoundException e) {
            throw new NotFoundException(ref.string() + ": the store lacks blob " + d.digest() + " (" + d.mediaType()
                    + "); cargohold check " + ref.reference() + " lists what is missing", e);
        }
    }

    @Override
    public void close() throws IOException {
        if (owned) {
            store.close();
        }
    }
}
