package io.cargohold.copy.oci;

import io.cargohold.copy.CopyContext;
import io.cargohold.copy.ImageDestination;
import io.cargohold.copy.ImageReference;
import io.cargohold.copy.ImageSource;
import io.cargohold.copy.Transport;
import io.cargohold.errors.InvalidArgumentException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code oci:DIR[:REF]}: an OCI image layout directory, as skopeo's {@code oci:} transport (the
 * directory ends at the first colon; {@code REF} is the {@code org.opencontainers.image.ref.name}
 * annotation, empty meaning the layout's only image when reading and an unnamed entry when writing).
 */
public final class OciLayoutTransport implements Transport {
    public static final OciLayoutTransport INSTANCE = new OciLayoutTransport();

    /**
     * The grammar of {@code org.opencontainers.image.ref.name} as containers/image v5.23 checks it
     * ({@code oci/internal.ValidateImageName}: refRegexp), so every name we read or write skopeo
     * accepts too.
     */
    private static final java.util.regex.Pattern REF_NAME;

    static {
        String separator = "(?:[-._:@+]|--)";
        String alphanum = "(?:[A-Za-z0-9]+)";
        String component = "(?:" + alphanum + "(?:" + separator + alphanum + ")*)";
        REF_NAME = java.util.regex.Pattern.compile(component + "(?:/" + component + ")*");
    }

    @Override
    public String name() {
        return "oci";
    }

    @Override
    public ImageReference parse(String reference) throws InvalidArgumentException {
        int colon = reference.indexOf(':');
        String dir = colon < 0 ? reference : reference.substring(0, colon);
        String ref = colon < 0 ? "" : reference.substring(colon + 1);
        return of(dir, ref);
    }

    public static Ref of(String dir, String ref) throws InvalidArgumentException {
        if (dir.isEmpty()) {
            throw new InvalidArgumentException("invalid oci reference \"oci:" + dir + (ref.isEmpty() ? "" : ":" + ref)
                    + "\": no directory (oci:DIR[:REF])");
        }
        for (int i = 0; i < ref.length(); i++) {
            char c = ref.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new InvalidArgumentException("invalid oci reference name \"" + ref + "\": control characters are not allowed");
            }
        }
        if (!ref.isEmpty() && !REF_NAME.matcher(ref).matches()) {
            throw new InvalidArgumentException("invalid oci reference name \"" + ref + "\": it must match the OCI ref.name grammar "
                    + "(components of letters and digits joined by - . _ : @ + or --, separated by /), as skopeo requires");
        }
        return new Ref(Path.of(dir), ref);
    }

    /** A parsed {@code oci:} reference. */
    public record Ref(Path dir, String refName) implements ImageReference {
        @Override
        public Transport transport() {
            return INSTANCE;
        }

        @Override
        public String withinTransport() {
            return dir + (refName.isEmpty() ? "" : ":" + refName);
        }

        @Override
        public ImageSource newSource(CopyContext context) throws IOException {
            return new OciLayoutSource(this);
        }

        @Override
        public ImageDestination newDestination(CopyContext context) throws IOException {
            return new OciLayoutDestination(this);
        }
    }
}
