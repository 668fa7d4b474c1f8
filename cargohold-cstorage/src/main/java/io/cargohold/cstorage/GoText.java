package io.cargohold.cstorage;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Texts as Go formats them: {@code %q} quoting, and the {@code *os.PathError} messages of os.Open / os.Create. */
public final class GoText {
    private GoText() {
    }

    /** Go's strconv.Quote ({@code %q} of a string). */
    public static String quote(String s) {
        return FlagSet.goQuote(s);
    }

    /** The errno text Go prints for a failed file operation. */
    static String errnoText(IOException e) {
        if (e instanceof NoSuchFileException || e instanceof FileNotFoundException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        String r = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : String.valueOf(e.getMessage());
        return r.isEmpty() ? r : Character.toLowerCase(r.charAt(0)) + r.substring(1);
    }

    /** A Go *os.PathError text: {@code OP PATH: reason}. */
    static String pathError(String op, String path, IOException e) {
        return op + " " + path + ": " + errnoText(e);
    }

    /**
     * os.Open(name): {@code name} as the user typed it (in messages), {@code path} resolved. A directory
     * opens (as in Go) but reading it fails with {@code read NAME: is a directory}.
     */
    public static InputStream open(String name, Path path) throws IOException {
        if (Files.isDirectory(path)) {
            return new InputStream() {
                @Override
                public int read() throws IOException {
                    throw new IOException("read " + name + ": is a directory");
                }
            };
        }
        try {
            return Files.newInputStream(path);
        } catch (FileSystemException e) {
            throw new IOException("open " + name + ": " + errnoText(e), e);
        }
    }

    /** os.Create(name): created or truncated, mode 0666 before umask. */
    public static OutputStream create(String name, Path path) throws IOException {
        if (Files.isDirectory(path)) {
            throw new IOException("open " + name + ": is a directory");
        }
        try {
            return Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        } catch (FileSystemException e) {
            throw new IOException("open " + name + ": " + errnoText(e), e);
        }
    }
}
