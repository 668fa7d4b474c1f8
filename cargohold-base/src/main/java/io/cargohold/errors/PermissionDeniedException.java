package io.cargohold.errors;

/**
 * The caller lacks the right: a registry answered unauthorized (no or wrong credentials) or denied
 * (the credentials do not grant the action).
 */
public final class PermissionDeniedException extends CargoholdException {
    public PermissionDeniedException(String message) {
        super(message, null);
    }

    public PermissionDeniedException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public Kind kind() {
        return Kind.PERMISSION_DENIED;
    }
}
