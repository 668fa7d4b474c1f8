package io.cargohold.copy.ociarchive;

import io.cargohold.errors.CargoholdException;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
            io.cargohold.fs.FileTrees.deleteRecursively(dir);
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
