package io.cargohold.cli;

import io.cargohold.errors.CargoholdException;

/** The one mapping from failure kind to exit code, shared by every command. */
public final class ExitCodes {
    public static final int OK = 0;
    /** An I/O error or anything unexpected. */
    public static final int ERROR = 1;
    /** Bad flags or arguments: unknown option, malformed digest, ambiguous prefix. */
    public static final int USAGE = 2;
    public static final int NOT_FOUND = 3;
    /** The store's state forbids it (e.g. a referenced blob), or it exists already. */
    public static final int CONFLICT = 4;
    /** Content does not match its digest or size; the store is damaged. */
    public static final int CORRUPT = 5;
    /** A lock could not be had in time. */
    public static final int BUSY = 6;
    /** A registry refused: unauthorized (no or wrong credentials) or denied. */
    public static final int DENIED = 7;

    private ExitCodes() {
    }

    public static int of(CargoholdException e) {
        return switch (e.kind()) {
            case NOT_FOUND -> NOT_FOUND;
            case ALREADY_EXISTS, FAILED_PRECONDITION -> CONFLICT;
            case INVALID_ARGUMENT -> USAGE;
            case UNAVAILABLE -> BUSY;
            case CORRUPT -> CORRUPT;
            case PERMISSION_DENIED -> DENIED;
        };
    }
}
