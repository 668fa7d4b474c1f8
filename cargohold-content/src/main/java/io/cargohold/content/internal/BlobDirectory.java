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
 * (the index), {@code cargohold.lock} (the lock file) and {@code ingest/} (writes in progress; on the
 * same file system as {@code blobs/}, so a commit is a rename). In {@code ingest/}, a directory named
 * by the SHA-256 hex of a ref is a resumable ingest ({@link Ingest}, containerd's layout); every
 * {@code *.tmp} entry is a temp file or directory (of a put, of an ingest being created or removed).
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

    /**
     * {@code cargohold.reserve}: {@value #RESERVE} bytes kept so that garbage collection can run on a
     * full file system (it deletes the reserve before its first database write and makes it again
     * afterwards, when there is room).
     */
    public Path reserveFile() {
        return root.resolve("cargohold.reserve");
    }

    static final int RESERVE = 2 << 20;

    /** Makes the reserve when it is absent and there is room; a full disk is not an error here. */
    void makeReserve() {
        Path r = reserveFile();
        if (Files.exists(r)) {
            return;
        }
        Path tmp = root.resolve("cargohold.reserve.tmp");
        try {
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer zeros = java.nio.ByteBuffer.allocate(64 << 10);
                for (int n = 0; n < RESERVE; n += zeros.capacity()) {
                    ch.write(zeros.clear());
                }
            }
            Files.move(tmp, r, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    /**
     * The ingest of {@code ref}: {@code ingest/<sha256 hex of ref>/}, as containerd's local store
     * names it ({@code digest.FromString(ref).Hex()}).
     */
    Ingest ingest(String ref) {
        byte[] h = io.cargohold.digest.DigestAlgorithm.SHA256.newMessageDigest().digest(ref.getBytes(StandardCharsets.UTF_8));
        return new Ingest(ingestDir().resolve(java.util.HexFormat.of().formatHex(h)));
    }

    /** The ingest at an entry of {@code ingest/}, or null when the entry is not named like one. */
    Ingest ingestAt(Path entry) {
        String name = entry.getFileName().toString();
        if (name.length() != 64 || !entry.getParent().equals(ingestDir())) {
            return null;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return null;
            }
        }
        return new Ingest(entry);
    }

    /**
     * The files of one ingest, named as containerd's local store names them: {@code data} (the
     * content so far), {@code ref} (the ref, to detect a hash collision or a torn ingest),
     * {@code startedat}, {@code updatedat} (RFC 3339 times) and {@code total} (the expected size,
     * decimal, only when known).
     */
    record Ingest(Path dir) {
        /** The SHA-256 hex of the ref (the directory's name), which also chooses its lock. */
        String refHash() {
            return dir.getFileName().toString();
        }

        Path data() {
            return dir.resolve("data");
        }

        Path ref() {
            return dir.resolve("ref");
        }

        Path startedAt() {
            return dir.resolve("startedat");
        }

        Path updatedAt() {
            return dir.resolve("updatedat");
        }

        Path total() {
            return dir.resolve("total");
        }
    }

    Path newTempFile() {
        return ingestDir().resolve(Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE)
                + "-" + ProcessHandle.current().pid() + TEMP_SUFFIX);
    }

    /** A temp name in {@code ingest/} (for a file of a put, or a directory of an ingest being created or removed). */
    Path newTempDir() {
        return newTempFile();
    }

    /** True for names made by {@link #newTempFile} (what an idle open and fsck may remove). */
    static boolean isTempName(Path entry) {
        return entry.getFileName().toString().endsWith(TEMP_SUFFIX);
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
        makeReserve();
    }
}
