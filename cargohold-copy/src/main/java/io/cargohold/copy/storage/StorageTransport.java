package io.cargohold.copy.storage;

import io.cargohold.copy.ImageReference;
import io.cargohold.copy.Transport;
import io.cargohold.errors.InvalidArgumentException;

/**
 * {@code containers-storage:[DRIVER@GRAPHROOT+RUNROOT:OPTIONS]NAME[:TAG][@DIGEST][@ID]} (or
 * {@code @ID}, or an unambiguous ID prefix), parsed as containers/image v5.23's storage transport
 * parses it. What needs the store (an ID prefix) is resolved when a source or destination is opened.
 */
public final class StorageTransport implements Transport {
    public static final String NAME = "containers-storage";
    public static final StorageTransport INSTANCE = new StorageTransport();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ImageReference parse(String reference) throws InvalidArgumentException {
        return StorageReference.parse(this, reference);
    }
}
