package io.cargohold.storage.archive;

import java.io.IOException;

/** A layer stream that is not a valid tar archive (bad header, truncation, absurd sizes). */
public final class TarFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public TarFormatException(String message) {
        super(message);
    }
}
