package io.cargohold.testkit.images;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Immutable content with its sha256 digest and size: held in memory, or in a file (for large layers,
 * see {@link LayerBuilder#build(Path)}). The digest and size are computed from the exact bytes.
 */
public final class Blob {
    private final String digest;
    private final long size;
    private final byte[] bytes;
    private final Path file;

    private Blob(String digest, long size, byte[] bytes, Path file) {
        this.digest = digest;
        this.size = size;
        this.bytes = bytes;
        this.file = file;
    }

    /** A blob of these bytes (not copied: do not change the array afterwards). */
    public static Blob of(byte[] bytes) {
        return new Blob(Digests.sha256(bytes), bytes.length, bytes, null);
    }

    /** A blob in a file whose digest and size the caller has computed while writing it. */
    static Blob ofFile(Path file, String digest, long size) {
        return new Blob(Objects.requireNonNull(digest), size, null, file);
    }

    public String digest() {
        return digest;
    }

    public String hex() {
        return Digests.hex(digest);
    }

    public long size() {
        return size;
    }

    /** The backing file for a file-backed blob. */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /** The content (read from the file for a file-backed blob; for small content). */
    public byte[] bytes() throws IOException {
        if (bytes != null) {
            return bytes.clone();
        }
        if (size > Integer.MAX_VALUE - 16) {
            throw new IOException("blob too large for a byte array: " + size);
        }
        return Files.readAllBytes(file);
    }

    public InputStream open() throws IOException {
        return bytes != null ? new ByteArrayInputStream(bytes) : Files.newInputStream(file);
    }

    /**
     * Writes the content to {@code target}, which must not exist. A file-backed blob is hard-linked when
     * the file system allows it (instant for multi-GiB layers), else copied.
     */
    public void writeTo(Path target) throws IOException {
        if (bytes != null) {
            Files.write(target, bytes, java.nio.file.StandardOpenOption.CREATE_NEW);
            return;
        }
        try {
            Files.createLink(target, file);
        } catch (FileAlreadyExistsException e) {
            throw e; // a real error, not a reason to copy
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(file, target);
        }
    }

    @Override
    public String toString() {
        return digest + " (" + size + " bytes" + (file != null ? ", " + file : "") + ")";
    }
}
