package io.cargohold.errors;

import java.io.IOException;

/**
 * Every failure Cargohold reports on purpose is one of these kinds. Callers branch on the subclass
 * (or {@link #kind()}), never on message text; the message is for people and is printed verbatim by
 * the command-line tools.
 */
public abstract sealed class CargoholdException extends IOException
        permits NotFoundException, AlreadyExistsException, InvalidArgumentException,
                FailedPreconditionException, UnavailableException, CorruptException, PermissionDeniedException {

    /** The kinds of failure, in the spirit of containerd's errdefs. */
    public enum Kind { NOT_FOUND, ALREADY_EXISTS, INVALID_ARGUMENT, FAILED_PRECONDITION, UNAVAILABLE, CORRUPT, PERMISSION_DENIED }

    protected CargoholdException(String message, Throwable cause) {
        super(message, cause);
    }

    public abstract Kind kind();
}
