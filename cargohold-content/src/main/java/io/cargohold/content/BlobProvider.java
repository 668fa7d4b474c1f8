package io.cargohold.content;

import io.cargohold.digest.Digest;
import io.cargohold.digest.DigestPrefix;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/** Reads committed blobs. A blob is visible here only once its write has committed. */
public interface BlobProvider {

    /** How much to trust the bytes on disk when reading. */
    enum Verify {
        /** Check size and digest as the stream is read; the last read throws CorruptException on mismatch. */
        CONTENT,
        /** Trust the file (fast path). */
        NONE
    }

    /** @throws io.cargohold.errors.NotFoundException when the blob is not in the store */
    BlobInfo info(Digest digest) throws IOException;

    Optional<BlobInfo> find(Digest digest) throws IOException;

    default boolean contains(Digest digest) throws IOException {
        return find(digest).isPresent();
    }

    /** Opens a committed blob for reading. */
    InputStream open(Digest digest, Verify verify) throws IOException;

    /**
     * Resolves a partial digest ({@code sha256:ab12}, {@code ab12}) through an index range query.
     *
     * @throws io.cargohold.errors.NotFoundException       when nothing matches
     * @throws io.cargohold.errors.InvalidArgumentException when more than one blob matches (the message
     *                                                     names the candidates)
     */
    Digest resolve(DigestPrefix prefix) throws IOException;
}
