package io.cargohold.errors;

/** A lock could not be had in time, or the store is busy or closed. */
public final class UnavailableException extends CargoholdException {
    public UnavailableException(String message) {
        super(message, null);
    }

    public UnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public Kind kind() {
        return Kind.UNAVAILABLE;
    }
}
