package io.cargohold.copy.oci;

import io.cargohold.copy.ImageReference;
import io.cargohold.copy.ImageSource;
import io.cargohold.copy.RawManifest;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.oci.Descriptor;
import io.cargohold.oci.MediaTypes;
import io.cargohold.oci.layout.OciLayoutDir;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/** Reads an image from an OCI layout: documents verified whole, blobs streamed (the engine verifies them). */
final class OciLayoutSource implements ImageSource {
    private final OciLayoutTransport.Ref ref;
    private final OciLayoutDir layout;

    OciLayoutSource(OciLayoutTransport.Ref ref) throws IOException {
        this.ref = ref;
        this.layout = OciLayoutDir.open(ref.dir());
    }

    @Override
    public ImageReference reference() {
        return ref;
    }

    /** The descriptor in index.json that the reference names. */
    Descriptor top() throws IOException {
        List<Descriptor> all = layout.manifests();
        if (ref.refName().isEmpty()) {
            if (all.size() == 1) {
                return all.getFirst();
            }
            throw new InvalidArgumentException("layout " + ref.dir() + " holds " + all.size() + " images; name one as oci:"
                    + ref.dir() + ":REF" + names(all));
        }
        List<Descriptor> found = layout.find(ref.refName());
        if (found.isEmpty()) {
            throw new NotFoundException("layout " + ref.dir() + " has no reference \"" + ref.refName() + "\"" + names(all));
        }
        if (found.size() > 1) {
            throw new InvalidArgumentException("layout " + ref.dir() + " names " + found.size() + " images \"" + ref.refName()
                    + "\"; the reference is ambiguous");
        }
        return found.getFirst();
    }

    private static String names(List<Descriptor> all) {
        List<String> names = new ArrayList<>();
        for (Descriptor d : all) {
            String n = d.annotations().get(MediaTypes.REF_NAME_ANNOTATION);
            if (n != null) {
                names.add(n);
            }
        }
        return names.isEmpty() ? " (it names none)" : " (it has: " + String.join(", ", names) + ")";
    }

    @Override
    public RawManifest manifest() throws IOException {
        Descriptor d = top();
        if (!MediaTypes.isIndex(d.mediaType()) && !MediaTypes.isManifest(d.mediaType())) {
            throw new InvalidArgumentException("layout " + ref.dir() + ": reference \"" + ref.refName() + "\" names a "
                    + d.mediaType() + ", not an image manifest or index");
        }
        byte[] raw = layout.readVerified(d, "index.json");
        return new RawManifest(raw, d.mediaType(), d.digest());
    }

    @Override
    public RawManifest manifest(Descriptor instance) throws IOException {
        byte[] raw = layout.readVerified(instance, "an index of " + ref.dir());
        return new RawManifest(raw, instance.mediaType(), instance.digest());
    }

    @Override
    public InputStream blob(Descriptor d) throws IOException {
        return layout.openBlob(d, "the image " + ref.string());
    }
}
