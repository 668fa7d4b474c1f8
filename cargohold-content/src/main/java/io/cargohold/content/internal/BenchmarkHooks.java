package io.cargohold.content.internal;

import io.cargohold.content.BlobInfo;
import io.cargohold.content.BlobStore;
import java.io.IOException;
import java.util.List;

/**
 * For benchmarks only (module cargohold-bench), not an API: lets a benchmark fill a store's index
 * with rows that have no blob files, so that index queries can be measured at sizes (a million rows)
 * that would take far too long to reach through {@link BlobStore#put}. A store filled this way is
 * inconsistent on purpose ({@code fsck} reports every such row as missing); use it only on throw-away
 * stores.
 */
public final class BenchmarkHooks {
    private BenchmarkHooks() {
    }

    /**
     * Inserts index rows in one transaction, skipping digests that are present already (the bulk
     * insert of {@link IndexDatabase}); no blob file is written or checked.
     *
     * @param store a store opened by {@link io.cargohold.content.BlobStores#open}
     * @throws IllegalArgumentException when {@code store} is not the local, file-system backed store
     */
    public static void insertIndexRowsWithoutBlobs(BlobStore store, List<BlobInfo> rows) throws IOException {
        if (!(store instanceof LocalBlobStore local)) {
            throw new IllegalArgumentException("not a local store: " + store.getClass().getName());
        }
        local.index().insertBlobs(rows);
    }
}
