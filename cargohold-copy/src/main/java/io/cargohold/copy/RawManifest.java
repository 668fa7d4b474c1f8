package io.cargohold.copy;

import io.cargohold.digest.Digest;
import io.cargohold.errors.CorruptException;
import io.cargohold.oci.MediaTypes;
import io.cargohold.oci.OciDocument;
import io.cargohold.oci.OciParser;

/**
 * A manifest or index exactly as a source holds it: its bytes (never re-serialised), its media type
 * and its digest (sha256 of the bytes, as containers/image's {@code manifest.Digest} for schema 2).
 */
public record RawManifest(byte[] bytes, String mediaType, Digest digest) {
    public static RawManifest of(byte[] bytes, String mediaType) {
        return new RawManifest(bytes, mediaType, Digest.sha256(bytes));
    }

    public boolean isIndex() {
        return MediaTypes.isIndex(mediaType);
    }

    /** Parses strictly (schema version, media types, descriptors); a lying or malformed document is a CorruptException. */
    public OciDocument parse() throws CorruptException {
        return OciParser.parse(bytes, mediaType);
    }
}
