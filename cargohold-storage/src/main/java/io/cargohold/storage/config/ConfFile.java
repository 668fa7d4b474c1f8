package io.cargohold.storage.config;

import java.nio.file.Path;

/**
 * One storage.conf file the resolution looked at, and what came of it.
 *
 * @param path   the file
 * @param role   why it was looked at ({@code $CONTAINERS_STORAGE_CONF}, the user's file under
 *               {@code $XDG_CONFIG_HOME}, the system override in /etc, the system default in /usr/share,
 *               the rootless user's file)
 * @param status {@code LOADED}, {@code ABSENT} or {@code ERROR}
 * @param detail the error's text for {@code ERROR}, else empty
 */
public record ConfFile(Path path, String role, Status status, String detail) {
    /** What became of a file. */
    public enum Status {
        LOADED, ABSENT, ERROR
    }
}
