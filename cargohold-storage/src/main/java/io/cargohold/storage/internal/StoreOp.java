package io.cargohold.storage.internal;

import java.io.IOException;

/** A step run while a store's lock is held. */
@FunctionalInterface
interface StoreOp<T> {
    T run() throws IOException;
}
