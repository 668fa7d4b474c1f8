package io.cargohold.cli.cargohold;

import io.cargohold.cli.Progress;
import io.cargohold.content.BlobStore;
import io.cargohold.oci.OciStore;
import io.cargohold.oci.TransferListener;
import java.io.IOException;

/** A subcommand over the OCI layer of the store. */
abstract class OciCommand extends StoreCommand {
    @Override
    final int run(BlobStore store) throws IOException {
        return run(new OciStore(store, storeOptions().clock()));
    }

    abstract int run(OciStore oci) throws IOException;

    /** A progress bar on a terminal's stderr, nothing otherwise. */
    TransferListener progress(String label) {
        return new TransferListener() {
            Progress bar;
            long done;

            @Override
            public void start(long totalBytes, int blobs) {
                bar = Progress.forTerminal(ctx().err(), label + " " + blobs + " blobs", totalBytes);
                done = 0;
            }

            @Override
            public void advance(long bytes) {
                done += bytes;
                if (bar != null) {
                    bar.accept(done);
                }
            }

            @Override
            public void finish() {
                if (bar != null) {
                    bar.finish();
                }
            }
        };
    }
}
