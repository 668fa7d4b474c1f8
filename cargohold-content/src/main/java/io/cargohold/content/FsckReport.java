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
 * @param tempFiles       leftover temp files and directories under {@code ingest/} (removed by repair)
 * @param strayFiles      files under {@code blobs/} that are not named like a digest (left alone)
 * @param databaseProblems what SQLite's own integrity check reported
 * @param ingests         resumable writes in progress or waiting for a resume (neither damage nor leftovers)
 * @param expiredIngests  ingests not written to for longer than the store's ingest expiry and held by no
 *                        writer (leftovers, removed by repair)
 */
public record FsckReport(List<Digest> unindexed, List<Digest> missing, List<Problem> corrupt, List<Path> tempFiles,
                         List<Path> strayFiles, List<String> databaseProblems, long blobsChecked, long bytesChecked,
                         boolean repaired, List<IngestStatus> ingests, List<IngestStatus> expiredIngests) {

    public FsckReport(List<Digest> unindexed, List<Digest> missing, List<Problem> corrupt, List<Path> tempFiles,
                      List<Path> strayFiles, List<String> databaseProblems, long blobsChecked, long bytesChecked,
                      boolean repaired) {
        this(unindexed, missing, corrupt, tempFiles, strayFiles, databaseProblems, blobsChecked, bytesChecked, repaired,
                List.of(), List.of());
    }

    public FsckReport {
        ingests = List.copyOf(ingests);
        expiredIngests = List.copyOf(expiredIngests);
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

    /** True when nothing at all was found, leftovers included (ingests in progress are neither). */
    public boolean isClean() {
        return !hasDamage() && unindexed.isEmpty() && tempFiles.isEmpty() && strayFiles.isEmpty()
                && expiredIngests.isEmpty();
    }
}
