package io.cargohold.errors;

/** The named thing (blob, record, prefix) does not exist. */
public final class NotFoundException extends CargoholdException {
    public NotFoundException(String message) {
        super(message, null);
    }

    public NotFoundException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public Kind kind() {
        return Kind.NOT_FOUND;
    }
}
