package io.cargohold.copy;

import io.cargohold.content.StoreOptions;
import io.cargohold.copy.cargohold.ImportExport;
import io.cargohold.oci.OciStore;
import io.cargohold.oci.refs.Reference;
import java.nio.file.Path;

/**
 * Child-process main for {@link GcDuringImportTest}: imports (copies, through the engine) the layouts given, one after the other,
 * each as {@code img:N}, printing "IMPORTED img:N" after each import has returned.
 */
public final class ImportWorker {
    public static void main(String[] args) throws Exception {
        try (OciStore oci = OciStore.open(Path.of(args[0]), StoreOptions.defaults())) {
            ImportExport imports = new ImportExport(oci, CopyContext.of(Path.of(args[0]), null), null);
            System.out.println("READY");
            for (int i = 1; i < args.length; i++) {
                String name = "img:" + i;
                imports.importLayout(Path.of(args[i]), "latest", Reference.parse(name));
                System.out.println("IMPORTED " + name);
            }
        }
        System.out.println("DONE");
    }
}
