package io.cargohold.errors;

/** The request is well-formed but the current state forbids it, e.g. removing a blob that a key/value record references. */
public final class FailedPreconditionException extends CargoholdException {
    public FailedPreconditionException(String message) {
        super(message, null);
    }

    public FailedPreconditionException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public Kind kind() {
        return Kind.FAILED_PRECONDITION;
    }
}
