package io.cargohold.copy.cargohold;

import io.cargohold.copy.ImageReference;
import io.cargohold.copy.Transport;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.oci.OciStore;
import io.cargohold.oci.refs.Reference;

/**
 * {@code cargohold:NAME:TAG}: an image by reference in our own content store (its root is
 * {@link io.cargohold.copy.CopyContext#cargoholdRoot()}, or an already open store given to
 * {@link #over(OciStore)}).
 */
public final class CargoholdTransport implements Transport {
    public static final String NAME = "cargohold";
    private static final CargoholdTransport DEFAULT = new CargoholdTransport(null);

    private final OciStore store;

    private CargoholdTransport(OciStore store) {
        this.store = store;
    }

    /** The transport over the context's store root, opened per source or destination. */
    public static CargoholdTransport standard() {
        return DEFAULT;
    }

    /** The transport over a store the caller has open (and closes): the CLI's import and export. */
    public static CargoholdTransport over(OciStore store) {
        return new CargoholdTransport(store);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ImageReference parse(String reference) throws InvalidArgumentException {
        Reference ref = Reference.parse(reference);
        if (ref.tag() == null || ref.digest() != null) {
            throw new InvalidArgumentException("invalid reference \"" + reference + "\": cargohold: takes NAME:TAG");
        }
        return new CargoholdReference(this, ref);
    }

    OciStore store() {
        return store;
    }
}
