package io.cargohold.content.gc;

import io.cargohold.content.KvRecord;
import java.util.function.Predicate;

/**
 * @param dryRun  report what would be removed, remove nothing
 * @param expired key/value records for which this is true (e.g. import leases past their expiry) do
 *                not count as roots and are removed first (not in a dry run)
 */
public record GcOptions(boolean dryRun, Predicate<KvRecord> expired) {
    public static GcOptions sweep() {
        return new GcOptions(false, r -> false);
    }

    public static GcOptions dryRunOnly() {
        return new GcOptions(true, r -> false);
    }

    public GcOptions withExpired(Predicate<KvRecord> p) {
        return new GcOptions(dryRun, p);
    }
}
