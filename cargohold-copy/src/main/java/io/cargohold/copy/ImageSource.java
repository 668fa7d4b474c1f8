package io.cargohold.copy;

import io.cargohold.digest.Digest;
import io.cargohold.oci.Descriptor;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * Where an image comes from (containers/image's {@code ImageSource}): raw and lazy. The engine reads
 * the top-level manifest or index, the instances it needs, then blobs one by one; it verifies the
 * digest and size of everything it reads, so a source may stream bytes as they are stored.
 */
public interface ImageSource extends Closeable {
    /** The reference this source was opened for, as the user wrote it (for messages). */
    ImageReference reference();

    /** The top-level manifest or index the reference names. */
    RawManifest manifest() throws IOException;

    /**
     * An instance (a manifest or nested index) named by the top-level index, by digest. The default
     * reads it as a blob, which suits sources that keep documents among their blobs.
     */
    default RawManifest manifest(Descriptor instance) throws IOException {
        try (InputStream in = blob(instance)) {
            byte[] raw = in.readNBytes(io.cargohold.oci.OciParser.MAX_DOCUMENT + 1);
            return new RawManifest(raw, instance.mediaType(), Digest.sha256(raw));
        }
    }

    /**
     * Opens a blob named by a manifest (a config or a layer) or returned by {@link #layerForCopy}.
     * The stream gives the blob's bytes as the descriptor describes them; the engine checks them.
     *
     * @throws io.cargohold.errors.NotFoundException when the source lacks it
     */
    InputStream blob(Descriptor d) throws IOException;

    /**
     * The blob from byte {@code offset} on, for a destination that resumes an interrupted write. The
     * default reads and drops the first bytes; a registry asks for a range.
     */
    default InputStream blob(Descriptor d, long offset) throws IOException {
        InputStream in = blob(d);
        try {
            in.skipNBytes(offset);
        } catch (java.io.EOFException e) {
            in.close();
            throw new io.cargohold.errors.CorruptException(reference().string() + ": blob " + d.digest() + " ends before byte " + offset, e);
        }
        return in;
    }

    /**
     * Whether blobs come over a network (a registry): a destination that would have to keep an extra copy of a
     * blob only to continue an interrupted transfer (containers-storage) does so only then.
     */
    default boolean remote() {
        return false;
    }

    /**
     * The layer as this source really has it, when that differs from what the manifest names (upstream's
     * {@code LayerInfosForCopy}): containers-storage keeps uncompressed diffs and answers with an
     * uncompressed descriptor whose digest is the DiffID. Null (the default) means the manifest's own.
     */
    default Descriptor layerForCopy(Descriptor layer, Digest diffId) throws IOException {
        return null;
    }

    @Override
    default void close() throws IOException {
    }
}
