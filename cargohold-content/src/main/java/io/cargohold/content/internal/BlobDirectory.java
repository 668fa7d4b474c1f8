package io.cargohold.content.internal;

import io.cargohold.digest.Digest;
import io.cargohold.digest.DigestAlgorithm;
import io.cargohold.fs.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one owner of the store's on-disk layout: an OCI image layout ({@code oci-layout},
 * {@code index.json}, {@code blobs/<alg>/<hex>}) plus our own files beside it: {@code cargohold.db}
 * (the index), {@code cargohold.lock} (the lock file) and {@code ingest/} (temp files of writes in
 * progress; on the same file system as {@code blobs/}, so a commit is a rename).
 */
public final class BlobDirectory {
    static final String OCI_LAYOUT = "{\"imageLayoutVersion\":\"1.0.0\"}";
    static final String EMPTY_INDEX = "{\"schemaVersion\":2,\"manifests\":[]}";
    static final String TEMP_SUFFIX = ".tmp";

    private final Path root;

    public BlobDirectory(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    public Path blobsDir() {
        return root.resolve("blobs");
    }

    public Path algorithmDir(DigestAlgorithm a) {
        return blobsDir().resolve(a.ociName());
    }

    /** The single digest → path mapping. */
    public Path blobPath(Digest d) {
        return algorithmDir(d.algorithm()).resolve(d.hex());
    }

    public Path ingestDir() {
        return root.resolve("ingest");
    }

    public Path database() {
        return root.resolve("cargohold.db");
    }

    public Path lockFile() {
        return root.resolve("cargohold.lock");
    }

    public Path ociLayoutFile() {
        return root.resolve("oci-layout");
    }

    public Path indexJson() {
        return root.resolve("index.json");
    }

    Path newTempFile() {
        return ingestDir().resolve(Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE)
                + "-" + ProcessHandle.current().pid() + TEMP_SUFFIX);
    }

    /** True when the directories and layout files exist (the cheap check done on every open). */
    boolean isInitialised() {
        return Files.isRegularFile(ociLayoutFile()) && Files.isRegularFile(indexJson())
                && Files.isDirectory(ingestDir()) && Files.isDirectory(algorithmDir(DigestAlgorithm.SHA512));
    }

    /** Creates what is missing; the caller holds the store's exclusive lock. */
    void initialise() throws IOException {
        Files.createDirectories(root);
        for (DigestAlgorithm a : DigestAlgorithm.values()) {
            Files.createDirectories(algorithmDir(a));
        }
        Files.createDirectories(ingestDir());
        if (!Files.isRegularFile(ociLayoutFile())) {
            AtomicFile.write(ociLayoutFile(), OCI_LAYOUT.getBytes(StandardCharsets.UTF_8));
        }
        if (!Files.isRegularFile(indexJson())) {
            AtomicFile.write(indexJson(), EMPTY_INDEX.getBytes(StandardCharsets.UTF_8));
        }
    }
}
