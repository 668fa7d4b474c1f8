package io.cargohold.copy.cargohold;

import io.cargohold.content.StoreOptions;
import io.cargohold.copy.CopyContext;
import io.cargohold.copy.ImageDestination;
import io.cargohold.copy.ImageReference;
import io.cargohold.copy.ImageSource;
import io.cargohold.copy.Transport;
import io.cargohold.oci.OciStore;
import io.cargohold.oci.refs.Reference;
import java.io.IOException;

/** A parsed {@code cargohold:NAME:TAG}. */
public record CargoholdReference(CargoholdTransport owner, Reference reference) implements ImageReference {
    @Override
    public Transport transport() {
        return owner;
    }

    @Override
    public String withinTransport() {
        return reference.toString();
    }

    @Override
    public ImageSource newSource(CopyContext context) throws IOException {
        Opened o = open(context);
        return new CargoholdSource(this, o.store(), o.owned());
    }

    @Override
    public ImageDestination newDestination(CopyContext context) throws IOException {
        Opened o = open(context);
        return new CargoholdDestination(this, o.store(), o.owned());
    }

    private record Opened(OciStore store, boolean owned) {
    }

    private Opened open(CopyContext context) throws IOException {
        if (owner.store() != null) {
            return new Opened(owner.store(), false);
        }
        return new Opened(OciStore.open(context.cargoholdRoot(), StoreOptions.defaults()), true);
    }
}
