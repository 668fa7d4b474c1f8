package io.cargohold.errors;

/** An argument is malformed: a bad digest string, an unknown algorithm, an empty name. */
public final class InvalidArgumentException extends CargoholdException {
    public InvalidArgumentException(String message) {
        super(message, null);
    }

    public InvalidArgumentException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public Kind kind() {
        return Kind.INVALID_ARGUMENT;
    }
}
