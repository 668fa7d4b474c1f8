package io.cargohold.copy.cargohold;

import io.cargohold.content.PutResult;
import io.cargohold.copy.CopyBlob;
import io.cargohold.copy.ImageDestination;
import io.cargohold.copy.ImageReference;
import io.cargohold.copy.ImageSource;
import io.cargohold.copy.RawManifest;
import io.cargohold.errors.FailedPreconditionException;
import io.cargohold.oci.Descriptor;
import io.cargohold.oci.ImageRef;
import io.cargohold.oci.ImportSession;
import io.cargohold.oci.OciStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * Into the content store through one {@link ImportSession}: blobs pinned by its lease as they are put
 * (or found present: nothing moves then; layers through the resumable writer, so an interrupted copy's
 * rerun continues each layer where it stopped), the reference stored and index.json rewritten at commit;
 * closing without a commit removes what this copy added. Layers keep their compression unless the
 * copy asks for one ({@link LayerCompression#COMPRESS}), so an image copied in and out again keeps its
 * manifest digest.
 */
public final class CargoholdDestination implements ImageDestination {
    private final CargoholdReference ref;
    private final OciStore store;
    private final boolean owned;
    private final ImportSession session;
    private RawManifest top;
    private ImageRef committed;

    CargoholdDestination(CargoholdReference ref, OciStore store, boolean owned) {
        this.ref = ref;
        this.store = store;
        this.owned = owned;
        this.session = store.beginImport();
    }

    @Override
    public ImageReference reference() {
        return ref;
    }

    /**
     * As an OCI layout (the store root is one, read by skopeo and umoci): a reference names only OCI
     * documents, so a Docker schema 2 image is converted; inside an index any manifest type is kept.
     */
    @Override
    public boolean supportsManifestType(String mediaType, boolean topLevel) {
        return !topLevel || io.cargohold.oci.MediaTypes.OCI_MANIFEST.equals(mediaType) || io.cargohold.oci.MediaTypes.OCI_INDEX.equals(mediaType);
    }

    @Override
    public Optional<Descriptor> tryReuse(CopyBlob blob) throws IOException {
        Descriptor d = blob.descriptor();
        if (blob.transformed() || d.size() < 0) {
            return Optional.empty();
        }
        return session.has(d) ? Optional.of(d) : Optional.empty();
    }

    @Override
    public Descriptor putBlob(InputStream content, CopyBlob blob) throws IOException {
        Descriptor d = blob.descriptor();
        // layers whose digest and size are known go through the resumable writer (ref = the digest), so a
        // rerun of an interrupted copy continues each layer where it stopped; configs and transformed layers are put whole
        PutResult r = blob.kind() == CopyBlob.Kind.LAYER && d.digest() != null && d.size() >= 0
                ? session.putResumable(content, d)
                : session.put(content, d.digest(), d.size(), d.mediaType());
        return new Descriptor(d.mediaType(), r.info().digest(), r.info().size(), d.urls(), d.annotations(), d.platform(),
                d.artifactType());
    }

    @Override
    public boolean resumesBlobs(ImageSource source) {
        return true;
    }

    @Override
    public Descriptor putBlobResumable(BlobContent content, CopyBlob blob) throws IOException {
        Descriptor d = blob.descriptor();
        PutResult r = session.putResumable(content::open, d);
        return new Descriptor(d.mediaType(), r.info().digest(), r.info().size(), d.urls(), d.annotations(), d.platform(),
                d.artifactType());
    }

    @Override
    public void putManifest(RawManifest manifest, boolean topLevel) throws IOException {
        session.put(new ByteArrayInputStream(manifest.bytes()), manifest.digest(), manifest.bytes().length, manifest.mediaType());
        if (topLevel) {
            top = manifest;
        }
    }

    @Override
    public void commit(RawManifest unparsedTopLevel) throws IOException {
        if (top == null) {
            throw new FailedPreconditionException(ref.string() + ": commit before the top-level manifest was put");
        }
        committed = session.commit(ref.reference(), Descriptor.of(top.mediaType(), top.digest(), top.bytes().length));
    }

    /** The reference stored by {@link #commit}, or null. */
    public ImageRef committed() {
        return committed;
    }

    /** The blobs this copy added to the store (not those it found there). */
    public int newBlobs() {
        return session.inserted().size();
    }

    @Override
    public void close() throws IOException {
        try {
            session.close();
        } finally {
            if (owned) {
                store.close();
            }
        }
    }
}
