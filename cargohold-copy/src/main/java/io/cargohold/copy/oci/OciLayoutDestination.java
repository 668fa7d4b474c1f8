package io.cargohold.copy.oci;

import io.cargohold.copy.CopyBlob;
import io.cargohold.copy.ImageDestination;
import io.cargohold.copy.ImageReference;
import io.cargohold.copy.ImageSource;
import io.cargohold.copy.RawManifest;
import io.cargohold.digest.DigestAlgorithm;
import io.cargohold.errors.CorruptException;
import io.cargohold.oci.Descriptor;
import io.cargohold.oci.layout.OciLayoutDir;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.Optional;

/**
 * Writes an image into an OCI layout (created when absent, added to when present): blobs by temp file
 * and rename, skipped when present; index.json updated atomically at commit, so a failed copy leaves
 * at most unreferenced blobs.
 */
final class OciLayoutDestination implements ImageDestination {
    private final OciLayoutTransport.Ref ref;
    private final OciLayoutDir layout;
    private final OciLayoutDir.WriteJournal journal;
    private Descriptor top;
    private boolean committed;

    OciLayoutDestination(OciLayoutTransport.Ref ref) throws IOException {
        this.ref = ref;
        boolean existed = Files.exists(ref.dir(), java.nio.file.LinkOption.NOFOLLOW_LINKS);
        this.layout = OciLayoutDir.create(ref.dir());
        // A failed or killed copy leaves nothing it made (OciLayoutDir.beginWrite); a later one cleans
        // what a killed one left.
        this.journal = layout.beginWrite(!existed);
    }

    @Override
    public ImageReference reference() {
        return ref;
    }

    /**
     * Inside an index any manifest type; as the document index.json names, only OCI types: skopeo's
     * {@code oci:} reader skips other entries, so a Docker schema 2 image is converted (as skopeo does).
     */
    @Override
    public boolean supportsManifestType(String mediaType, boolean topLevel) {
        return !topLevel || io.cargohold.oci.MediaTypes.OCI_MANIFEST.equals(mediaType) || io.cargohold.oci.MediaTypes.OCI_INDEX.equals(mediaType);
    }

    @Override
    public Optional<Descriptor> tryReuse(CopyBlob blob) throws IOException {
        Descriptor d = blob.descriptor();
        if (d.digest() == null) {
            return Optional.empty();
        }
        var p = layout.blobPath(d.digest());
        journal.uses(d.digest());
        if (!Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        long size = Files.size(p);
        if (d.size() >= 0 && size != d.size()) {
            return Optional.empty();
        }
        return Optional.of(new Descriptor(d.mediaType(), d.digest(), size, d.urls(), d.annotations(), d.platform(), d.artifactType()));
    }

    @Override
    public Descriptor putBlob(InputStream content, CopyBlob blob) throws IOException {
        Descriptor d = blob.descriptor();
        if (d.digest() != null && d.size() >= 0) {
            layout.writeBlob(d, content, journal);
            return d;
        }
        DigestAlgorithm alg = d.digest() == null ? DigestAlgorithm.SHA256 : d.digest().algorithm();
        OciLayoutDir.Written w = layout.writeBlobComputing(content, alg, journal);
        if (d.digest() != null && !d.digest().equals(w.digest())) {
            throw new CorruptException(ref.string() + ": layer " + blob.original().digest() + " decompresses to " + w.digest()
                    + ", its config says " + d.digest());
        }
        return new Descriptor(d.mediaType(), w.digest(), w.size(), d.urls(), d.annotations(), d.platform(), d.artifactType());
    }

    /**
     * Layers of known digest and size are written resumably ({@link OciLayoutDir#writeBlobResumable}): a copy
     * killed midway leaves each unfinished layer as {@code blobs/ALG/.HEX.partial}, which the rerun verifies and
     * continues, fetching only the rest from the source; this destination checks size and digest of the whole
     * blob (the engine then hashes nothing itself: one SHA-256 per layer, not two).
     */
    @Override
    public boolean resumesBlobs(ImageSource source) {
        return true;
    }

    @Override
    public Descriptor putBlobResumable(BlobContent content, CopyBlob blob) throws IOException {
        Descriptor d = blob.descriptor();
        layout.writeBlobResumable(d, content::open, journal);
        return d;
    }

    @Override
    public void putManifest(RawManifest manifest, boolean topLevel) throws IOException {
        Descriptor d = Descriptor.of(manifest.mediaType(), manifest.digest(), manifest.bytes().length);
        layout.writeBlob(d, new ByteArrayInputStream(manifest.bytes()), journal);
        if (topLevel) {
            top = d;
        }
    }

    @Override
    public void commit(RawManifest unparsedTopLevel) throws IOException {
        if (top == null) {
            throw new IllegalStateException("commit before the manifest was put");
        }
        if (ref.refName().isEmpty()) {
            layout.addUnnamed(top);
        } else {
            layout.putReference(ref.refName(), top);
        }
        committed = true;
    }

    @Override
    public void close() throws IOException {
        if (committed) {
            journal.finish();
        } else {
            journal.abort();
        }
    }
}
