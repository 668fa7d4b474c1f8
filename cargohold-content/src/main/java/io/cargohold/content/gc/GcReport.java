package io.cargohold.content.gc;

import io.cargohold.content.BlobInfo;
import io.cargohold.content.KvRecord;
import io.cargohold.digest.Digest;
import java.util.List;

/**
 * What a collection did (or, in a dry run, would do).
 *
 * @param removed        the unreachable blobs, removed unless {@link #dryRun}
 * @param bytesFreed     their total size
 * @param expiredRecords key/value records dropped as expired before marking
 * @param unreadable     reachable documents whose references could not be read: kept, reported
 * @param roots          number of blobs referenced by key/value records
 * @param reachable      number of blobs reached from the roots
 */
public record GcReport(List<BlobInfo> removed, long bytesFreed, List<KvRecord> expiredRecords, List<Problem> unreadable,
                       int roots, int reachable, boolean dryRun) {
    public GcReport {
        removed = List.copyOf(removed);
        expiredRecords = List.copyOf(expiredRecords);
        unreadable = List.copyOf(unreadable);
    }

    /** A kept blob and why its references could not be followed. */
    public record Problem(Digest digest, String reason) {
    }
}
