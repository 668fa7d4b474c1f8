package io.cargohold.copy.ociarchive;

import io.cargohold.errors.CargoholdException;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** The temp directory an archive is extracted into or staged in; removed on close. */
final class TempLayout {
    private TempLayout() {
    }

    static Path create(Path tmpDir) throws IOException {
        Files.createDirectories(tmpDir);
        return Files.createTempDirectory(tmpDir, "cargohold-oci-archive-");
    }

    static void delete(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                    Files.delete(f);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // a temp directory: best effort
        }
    }

    /** The same failure with the temp directory's path replaced by what the user named. */
    static IOException rename(IOException e, Path dir, String what) {
        if (!(e instanceof CargoholdException) || e.getMessage() == null || !e.getMessage().contains(dir.toString())) {
            return e;
        }
        String m = e.getMessage().replace("layout " + dir, what).replace(dir.toString(), what);
        return switch (e) {
            case NotFoundException x -> new NotFoundException(m, e);
            case InvalidArgumentException x -> new InvalidArgumentException(m, e);
            case CorruptException x -> new CorruptException(m, e);
            default -> e;
        };
    }
}
