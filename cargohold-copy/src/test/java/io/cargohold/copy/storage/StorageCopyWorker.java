package io.cargohold.copy.storage;

import io.cargohold.copy.CopyListener;
import io.cargohold.copy.CopyOptions;
import io.cargohold.copy.CopyResult;
import io.cargohold.oci.Descriptor;
import java.nio.file.Path;

/**
 * A child process for the kill tests: copies {@code args[0]} to {@code args[1]} through the engine
 * ({@code args[2]}: a temporary directory), printing {@code started}, one line per blob done and
 * {@code done N} (blobs reused) at the end; any failure prints {@code ERROR ...} and exits 1.
 */
public final class StorageCopyWorker {
    private StorageCopyWorker() {
    }

    public static void main(String[] args) {
        try {
            CopyListener listener = new CopyListener() {
                @Override
                public void blobDone(Descriptor d, boolean reused) {
                    System.out.println("blob " + d.digest() + (reused ? " reused" : " copied"));
                }
            };
            System.out.println("started");
            CopyResult r = StorageFixtures.copy(Path.of(args[2]), args[0], args[1], CopyOptions.defaults().withListener(listener));
            System.out.println("done " + r.blobsReused());
            System.out.flush();
        } catch (Throwable t) {
            System.out.println("ERROR " + t);
            t.printStackTrace();
            System.exit(1);
        }
    }
}
