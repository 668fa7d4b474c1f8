package io.cargohold.errors;

/** The thing to create exists already. */
public final class AlreadyExistsException extends CargoholdException {
    public AlreadyExistsException(String message) {
        super(message, null);
    }

    public AlreadyExistsException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public Kind kind() {
        return Kind.ALREADY_EXISTS;
    }
}
