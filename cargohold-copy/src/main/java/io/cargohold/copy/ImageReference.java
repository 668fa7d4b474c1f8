package io.cargohold.copy;

import java.io.IOException;

/** A parsed {@code TRANSPORT:REFERENCE}; opens a source or a destination (containers/image's {@code ImageReference}). */
public interface ImageReference {
    Transport transport();

    /** The part after {@code TRANSPORT:}, normalised. */
    String withinTransport();

    ImageSource newSource(CopyContext context) throws IOException;

    ImageDestination newDestination(CopyContext context) throws IOException;

    /** {@code TRANSPORT:REFERENCE}, as skopeo prints it. */
    default String string() {
        return transport().name() + ":" + withinTransport();
    }
}
