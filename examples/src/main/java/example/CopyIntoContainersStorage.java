package example;

import io.cargohold.copy.CopyContext;
import io.cargohold.copy.CopyOptions;
import io.cargohold.copy.CopyResult;
import io.cargohold.copy.ImageCopier;
import io.cargohold.copy.Transports;
import io.cargohold.storage.StoreOptions;
import java.nio.file.Path;

/** Copies {@code LAYOUT:latest} (an OCI image layout) into a vfs containers-storage store, as podman would store it. */
public final class CopyIntoContainersStorage {
    public static void main(String[] args) throws Exception {
        Path layout = Path.of(args[0]), graphRoot = Path.of(args[1]), runRoot = Path.of(args[2]);
        Transports transports = Transports.standard();
        CopyContext context = CopyContext.of(Path.of(System.getProperty("user.home"), ".local/share/cargohold"),
                StoreOptions.vfs(graphRoot, runRoot));
        CopyResult r = ImageCopier.copy(transports.parse("oci:" + layout + ":latest"),
                transports.parse("containers-storage:example/app:latest"), context, CopyOptions.defaults());
        System.out.println(r.destination() + " " + r.manifestDigest() + " (" + r.blobsCopied() + " blobs copied)");
    }
}
