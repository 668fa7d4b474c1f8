package io.cargohold.copy.ociarchive;

import io.cargohold.copy.CopyContext;
import io.cargohold.copy.ImageDestination;
import io.cargohold.copy.ImageReference;
import io.cargohold.copy.ImageSource;
import io.cargohold.copy.Transport;
import io.cargohold.copy.oci.OciLayoutTransport;
import io.cargohold.errors.InvalidArgumentException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code oci-archive:FILE[:REF]}: a tar of an OCI image layout, as containers/image v5.23's
 * {@code oci/archive}. Read by extracting it safely (regular files of the layout only, never a link)
 * into a temp directory under {@link CopyContext#tmpDir()} and reading that with the {@code oci:}
 * transport; written by staging a fresh layout there and taring it at commit into a temp file beside
 * {@code FILE}, renamed into place (upstream too replaces an existing file with an archive of just
 * this image).
 */
public final class OciArchiveTransport implements Transport {
    public static final OciArchiveTransport INSTANCE = new OciArchiveTransport();

    @Override
    public String name() {
        return "oci-archive";
    }

    @Override
    public ImageReference parse(String reference) throws InvalidArgumentException {
        int colon = reference.indexOf(':');
        String file = colon < 0 ? reference : reference.substring(0, colon);
        String image = colon < 0 ? "" : reference.substring(colon + 1);
        if (file.isEmpty()) {
            throw new InvalidArgumentException("invalid oci-archive reference \"oci-archive:" + reference + "\": no file (oci-archive:FILE[:REF])");
        }
        OciLayoutTransport.of("/", image); // the oci: transport's checks of the name apply as they are
        return new Ref(Path.of(file), image);
    }

    /** A parsed {@code oci-archive:} reference. */
    public record Ref(Path file, String refName) implements ImageReference {
        @Override
        public Transport transport() {
            return INSTANCE;
        }

        @Override
        public String withinTransport() {
            return file + (refName.isEmpty() ? "" : ":" + refName);
        }

        @Override
        public ImageSource newSource(CopyContext context) throws IOException {
            return OciArchiveSource.open(this, context);
        }

        @Override
        public ImageDestination newDestination(CopyContext context) throws IOException {
            return OciArchiveDestination.create(this, context);
        }
    }
}
