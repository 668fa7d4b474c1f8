package io.cargohold.oci;

import io.cargohold.content.StoreOptions;
import io.cargohold.oci.refs.Reference;
import java.nio.file.Path;

/**
 * Child-process main for {@link GcDuringImportTest}: imports the layouts given, one after the other,
 * each as {@code img:N}, printing "IMPORTED img:N" after each import has returned.
 */
public final class ImportWorker {
    public static void main(String[] args) throws Exception {
        try (OciStore oci = OciStore.open(Path.of(args[0]), StoreOptions.defaults())) {
            System.out.println("READY");
            for (int i = 1; i < args.length; i++) {
                String name = "img:" + i;
                oci.importLayout(Path.of(args[i]), "latest", Reference.parse(name), TransferListener.NONE);
                System.out.println("IMPORTED " + name);
            }
        }
        System.out.println("DONE");
    }
}
