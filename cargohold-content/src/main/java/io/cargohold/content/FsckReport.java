package io.cargohold.content;

import io.cargohold.digest.Digest;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code fsck} found. Damage is what was lost or is wrong ({@link #missing}, {@link #corrupt},
 * {@link #databaseProblems}); the rest is leftover state that {@code repair} cleans up (and, when
 * {@link #repaired} is true, did).
 *
 * @param unindexed       blob files with valid content but no index row (re-indexed by repair)
 * @param missing         index rows whose blob file is gone
 * @param corrupt         blobs whose size or content does not match their digest or their index row
 * @param tempFiles       leftover ingest temp files (removed by repair)
 * @param strayFiles      files under {@code blobs/} that are not named like a digest (left alone)
 * @param databaseProblems what SQLite's own integrity check reported
 */
public record FsckReport(List<Digest> unindexed, List<Digest> missing, List<Problem> corrupt, List<Path> tempFiles,
                         List<Path> strayFiles, List<String> databaseProblems, long blobsChecked, long bytesChecked,
                         boolean repaired) {

    public FsckReport {
        unindexed = List.copyOf(unindexed);
        missing = List.copyOf(missing);
        corrupt = List.copyOf(corrupt);
        tempFiles = List.copyOf(tempFiles);
        strayFiles = List.copyOf(strayFiles);
        databaseProblems = List.copyOf(databaseProblems);
    }

    /** A blob and what is wrong with it. */
    public record Problem(Digest digest, String reason) {
    }

    /** True when something was lost or is wrong (not merely left over). */
    public boolean hasDamage() {
        return !missing.isEmpty() || !corrupt.isEmpty() || !databaseProblems.isEmpty();
    }

    /** True when nothing at all was found, leftovers included. */
    public boolean isClean() {
        return !hasDamage() && unindexed.isEmpty() && tempFiles.isEmpty() && strayFiles.isEmpty();
    }
}
