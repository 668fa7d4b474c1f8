package io.cargohold.testkit.registry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A Docker credential helper for tests ({@code docker-credential-NAME}, a shell script speaking
 * docker-credential-helpers' protocol: get, store, erase, list): keeps each server's JSON in
 * {@code $HELPER_STORE/<server with / and : as _>} and logs the verb and server (never the secret) to
 * {@code $HELPER_STORE/log}.
 */
public final class CredentialHelperScript {
    /** The script's text. */
    public static final String TEXT = """
            #!/bin/sh
            input=$(cat)
            case "$1" in
            store) server=$(printf '%s' "$input" | sed 's/.*"ServerURL":"\\([^"]*\\)".*/\\1/') ;;
            *) server="$input" ;;
            esac
            f="$HELPER_STORE/$(printf '%s' "$server" | tr '/:' '__')"
            echo "$1 $server" >> "$HELPER_STORE/log"
            case "$1" in
            get) if [ -f "$f" ]; then cat "$f"; else echo "credentials not found in native keychain"; exit 1; fi ;;
            store) printf '%s' "$input" > "$f" ;;
            erase) if [ -f "$f" ]; then rm "$f"; else echo "credentials not found in native keychain"; exit 1; fi ;;
            list) sep=''; printf '{'
                for g in "$HELPER_STORE"/*; do
                    [ -f "$g" ] && [ "$(basename "$g")" != log ] || continue
                    printf '%s"%s":"u"' "$sep" "$(sed 's/.*"ServerURL":"\\([^"]*\\)".*/\\1/' "$g")"; sep=','
                done
                echo '}' ;;
            *) echo "unknown verb $1"; exit 1 ;;
            esac
            """;

    private CredentialHelperScript() {
    }

    /** Writes {@code text} as the executable {@code bin/docker-credential-NAME}; returns its path. */
    public static Path install(Path bin, String name, String text) throws IOException {
        Path p = bin.resolve("docker-credential-" + name);
        Files.writeString(p, text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    /** {@link #install(Path, String, String)} of {@link #TEXT}. */
    public static Path install(Path bin, String name) throws IOException {
        return install(bin, name, TEXT);
    }
}
