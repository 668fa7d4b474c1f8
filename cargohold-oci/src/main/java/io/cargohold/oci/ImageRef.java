package io.cargohold.oci;

import io.cargohold.oci.refs.Reference;

/** A stored reference and the descriptor (manifest or index) it points at. */
public record ImageRef(Reference reference, Descriptor descriptor) {
}
