package io.cargohold.content.internal;

import io.cargohold.content.StoreOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.Stream;

/** Helpers shared by the content store's tests. */
final class TestStores {
    private TestStores() {
    }

    static LocalBlobStore open(Path root) throws IOException {
        return LocalBlobStore.open(root, StoreOptions.defaults());
    }

    /** A throw-away store without fsync, for property tests that open many stores. */
    static LocalBlobStore openFast(Path root) throws IOException {
        return LocalBlobStore.open(root, StoreOptions.defaults().withFsync(false));
    }

    static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    /** Flips one byte of a (read-only) committed blob file in place. */
    static void flipByte(Path file, long offset) throws IOException {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        byte[] all = Files.readAllBytes(file);
        all[(int) offset] ^= 0x5a;
        Files.write(file, all);
    }

    static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(x -> {
                try {
                    Files.delete(x);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long countFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
