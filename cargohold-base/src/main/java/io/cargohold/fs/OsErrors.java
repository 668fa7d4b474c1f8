package io.cargohold.fs;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * Turns an operating system's error into a message that names the operation, the path and what to
 * do about it: permission denied, read-only file system, no space left on device, a directory where a
 * file was expected (and the reverse). Other errors keep their message, with the operation and path.
 */
public final class OsErrors {
    private OsErrors() {
    }

    /** The advice for an OS error message (errno text), or null when there is none. */
    public static String advice(String reason) {
        if (reason == null) {
            return null;
        }
        if (reason.contains("No space left on device") || reason.contains("errno 28")) {
            return "no space left on device; free space (cargohold gc removes unreferenced blobs) or use a store on another file system";
        }
        if (reason.contains("Read-only file system") || reason.contains("errno 30")) {
            return "read-only file system; remount it read-write, or only read from this store";
        }
        if (reason.contains("Permission denied") || reason.contains("Operation not permitted") || reason.contains("errno 13")) {
            return "permission denied; run as a user who may write there, or change its owner or mode";
        }
        if (reason.contains("Is a directory")) {
            return "a directory where a file was expected; move it away";
        }
        if (reason.contains("Not a directory")) {
            return "a file where a directory was expected; move it away";
        }
        return null;
    }

    /** {@code e} with a message "cannot OP PATH: ADVICE" when its cause is one of the known ones, else {@code e}. */
    public static IOException explain(IOException e, String op, Path path) {
        String reason = e instanceof FileSystemException fse ? fse.getReason() : e.getMessage();
        if (e instanceof AccessDeniedException && reason == null) {
            reason = "Permission denied";
        }
        if ((e instanceof NotDirectoryException || e instanceof java.nio.file.FileAlreadyExistsException) && reason == null) {
            reason = "Not a directory"; // createDirectories found a file in the way
        }
        String advice = advice(reason == null ? e.getMessage() : reason);
        if (advice == null) {
            return e;
        }
        Path where = e instanceof FileSystemException fse && fse.getFile() != null ? Path.of(fse.getFile()) : path;
        return new IOException("cannot " + op + " " + where + ": " + advice, e);
    }

    /** A message for an error whose operation is not known: the path and the advice, or null when there is none. */
    public static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof FileSystemException fse) {
                String reason = fse.getReason() != null ? fse.getReason()
                        : t instanceof AccessDeniedException ? "Permission denied"
                        : t instanceof NotDirectoryException ? "Not a directory"
                        : t instanceof java.nio.file.FileAlreadyExistsException ? "Not a directory" : null;
                String advice = advice(reason);
                if (advice != null) {
                    return fse.getFile() + (fse.getOtherFile() != null ? " -> " + fse.getOtherFile() : "") + ": " + advice;
                }
            }
        }
        return null;
    }
}
