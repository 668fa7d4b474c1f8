package io.cargohold.cli.cargohold;

import io.cargohold.cli.CopyProgress;
import io.cargohold.content.BlobStore;
import io.cargohold.copy.CopyContext;
import io.cargohold.copy.cargohold.ImportExport;
import io.cargohold.oci.OciStore;
import java.io.IOException;

/** A subcommand over the OCI layer of the store. */
abstract class OciCommand extends StoreCommand {
    @Override
    final int run(BlobStore store) throws IOException {
        return run(new OciStore(store, storeOptions().clock()));
    }

    abstract int run(OciStore oci) throws IOException;

    /** Import and export as copies over this store, with per-blob progress on a terminal's stderr. */
    ImportExport imports(OciStore oci) throws IOException {
        // import and export reach layouts, archives and this store, never containers-storage: no default store
        return new ImportExport(oci, CopyContext.of(oci.blobs().root(), null),
                CopyProgress.forTerminal(ctx().err(), ctx().env()));
    }
}
