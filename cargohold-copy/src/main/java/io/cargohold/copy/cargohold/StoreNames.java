package io.cargohold.copy.cargohold;

import io.cargohold.copy.storage.DockerReference;
import io.cargohold.digest.Digest;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.oci.ImageRef;
import io.cargohold.oci.OciStore;
import io.cargohold.oci.refs.Reference;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the stored reference a user means, as podman finds an image by name: the content store keeps
 * every reference as it was written ({@code app:latest}, {@code quay.io/x/app:1}), and a name given
 * here matches a stored one when both normalise to the same name as containers/image normalises them
 * ({@code reference.ParseNormalizedNamed} + {@code TagNameOnly}: {@code app} is
 * {@code docker.io/library/app:latest}, {@code index.docker.io/library/app} too). Steps:
 * <ol>
 * <li>the name exactly as stored (so every name that worked before still does, whatever its form);</li>
 * <li>otherwise every stored reference whose normalised name equals the given one's, with the same tag
 * ({@code latest} when none is given), or - for {@code name@sha256:…} - pointing at that manifest
 * digest (or stored under it);</li>
 * <li>no match is {@link NotFoundException} naming both forms; several are
 * {@link InvalidArgumentException} listing them (name one exactly).</li>
 * </ol>
 * Names written into the store (import, copy to {@code cargohold:}) are kept as given, not normalised.
 */
public final class StoreNames {
    private StoreNames() {
    }

    /** The stored reference {@code name} means in {@code store}. */
    public static ImageRef resolve(OciStore store, String name) throws IOException {
        Reference exact = null;
        try {
            exact = Reference.parse(name);
        } catch (InvalidArgumentException e) {
            // not in the store's own grammar (e.g. no tag): only the normalised match can find it
        }
        if (exact != null) {
            try {
                return store.get(exact);
            } catch (NotFoundException e) {
                // fall through to the normalised match
            }
        }
        DockerReference wanted;
        try {
            wanted = DockerReference.parseNormalized(name);
        } catch (InvalidArgumentException e) {
            if (exact != null) {
                throw new NotFoundException("reference " + name + " not found");
            }
            throw new InvalidArgumentException("invalid reference \"" + name + "\": " + e.getMessage(), e);
        }
        List<ImageRef> matches = new ArrayList<>();
        for (ImageRef r : store.list()) {
            if (matches(r, wanted)) {
                matches.add(r);
            }
        }
        if (matches.isEmpty()) {
            throw new NotFoundException("reference " + name + " not found" + (wanted.toString().equals(name) ? "" : " (nor " + wanted + ")"));
        }
        if (matches.size() > 1) {
            List<String> names = matches.stream().map(r -> r.reference().toString()).toList();
            throw new InvalidArgumentException(name + " names " + matches.size() + " references (" + String.join(", ", names)
                    + "): give one of them exactly");
        }
        return matches.get(0);
    }

    private static boolean matches(ImageRef r, DockerReference wanted) {
        DockerReference stored;
        try {
            stored = DockerReference.parseNormalizedNamed(r.reference().name());
        } catch (InvalidArgumentException e) {
            return false; // a stored name outside the Docker grammar matches only exactly
        }
        if (!stored.name().equals(wanted.name())) {
            return false;
        }
        Digest d = wanted.digest();
        if (d != null) {
            return d.equals(r.descriptor().digest()) || d.equals(r.reference().digest());
        }
        return wanted.tag().equals(r.reference().tag());
    }
}
