package io.cargohold.content.gc;

import io.cargohold.content.KvRecord;
import java.util.function.Predicate;

/**
 * @param dryRun     report what would be removed, remove nothing
 * @param expired    key/value records for which this is true (e.g. import leases past their expiry) do
 *                   not count as roots and are removed first (not in a dry run)
 * @param extraRoots blobs kept (with what they name) although no record references them, e.g. the
 *                   documents of foreign index.json entries the OCI layer keeps as they are
 */
public record GcOptions(boolean dryRun, Predicate<KvRecord> expired, java.util.Set<io.cargohold.digest.Digest> extraRoots) {
    public GcOptions {
        extraRoots = java.util.Set.copyOf(extraRoots);
    }

    public GcOptions(boolean dryRun, Predicate<KvRecord> expired) {
        this(dryRun, expired, java.util.Set.of());
    }

    public static GcOptions sweep() {
        return new GcOptions(false, r -> false);
    }

    public static GcOptions dryRunOnly() {
        return new GcOptions(true, r -> false);
    }

    public GcOptions withExpired(Predicate<KvRecord> p) {
        return new GcOptions(dryRun, p, extraRoots);
    }

    public GcOptions withExtraRoots(java.util.Set<io.cargohold.digest.Digest> roots) {
        return new GcOptions(dryRun, expired, roots);
    }
}
