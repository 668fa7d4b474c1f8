package io.cargohold.errors;

/** Stored or supplied data does not match what it claims to be: a digest or size mismatch, a damaged database. */
public final class CorruptException extends CargoholdException {
    public CorruptException(String message) {
        super(message, null);
    }

    public CorruptException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public Kind kind() {
        return Kind.CORRUPT;
    }
}
