package io.cargohold.cli.cargohold;

import io.cargohold.cli.CliContext;
import io.cargohold.cli.Output;
import io.cargohold.content.BlobStore;
import io.cargohold.content.BlobStores;
import io.cargohold.copy.CopyContext;
import io.cargohold.copy.CopyOptions;
import io.cargohold.copy.CopyResult;
import io.cargohold.copy.ImageCopier;
import io.cargohold.copy.ImageReference;
import io.cargohold.copy.Transports;
import io.cargohold.oci.ImageRef;
import io.cargohold.oci.OciStore;
import io.cargohold.storage.Image;
import io.cargohold.storage.Store;
import io.cargohold.storage.StoreOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cargohold demo}: the main job in one command, on the defaults. Builds the sample image in
 * memory ({@code sample:hello}), copies it into the content store and into a containers-storage store
 * (vfs) under the user's data directory, and lists both. Idempotent: a second run finds every blob and
 * layer present and copies nothing.
 */
@Command(name = "demo", description = {
        "Show what Cargohold is for, on the defaults: build a small sample image in memory (no network),",
        "copy it into the content store (--root) and into a containers-storage store that podman can read",
        "(--storage-root), then list both. Running it again copies nothing."},
        footer = {"", "Example:", "  cargohold demo", "  podman --root ~/.local/share/cargohold-storage/graph --runroot ~/.local/share/cargohold-storage/run"
                + " --storage-driver vfs images"})
final class DemoCommand implements Callable<Integer> {
    static final String SAMPLE = "sample:hello";
    static final String NAME = "sample/hello:latest";

    @Spec
    CommandSpec spec;

    @Option(names = "--storage-root", paramLabel = "DIR",
            description = "The containers-storage store: DIR/graph and DIR/run, vfs driver (default: $XDG_DATA_HOME/cargohold-storage,"
                    + " else ~/.local/share/cargohold-storage).")
    Path storageRoot;

    @Option(names = "--json", description = "Print JSON: the two copies and what each store holds.")
    boolean json;

    private CliContext ctx() {
        return ((CargoholdCommand) spec.root().userObject()).context;
    }

    /** Where the demo's containers-storage store lives unless --storage-root says otherwise. */
    static Path defaultStorageRoot(Map<String, String> env) {
        String xdg = env.get("XDG_DATA_HOME");
        if (xdg != null && !xdg.isEmpty()) {
            return Path.of(xdg, "cargohold-storage");
        }
        return Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".local", "share", "cargohold-storage");
    }

    @Override
    public Integer call() throws IOException {
        CargoholdCommand top = (CargoholdCommand) spec.root().userObject();
        Path root = ctx().storeRoot(top.root);
        Path storage = storageRoot != null ? storageRoot : defaultStorageRoot(ctx().env());
        Path graph = storage.resolve("graph");
        Path run = storage.resolve("run");
        StoreOptions storeOptions = StoreOptions.vfs(graph, run);
        Transports transports = Transports.standard();
        ImageReference sample = transports.parse(SAMPLE);
        String csRef = "containers-storage:[vfs@" + graph + "+" + run + "]" + NAME;
        CopyContext context = CopyContext.of(root, storeOptions);
        long t0 = System.nanoTime();
        CopyResult toContent = ImageCopier.copy(sample, transports.parse("cargohold:" + NAME), context, CopyOptions.defaults());
        long t1 = System.nanoTime();
        CopyResult toStorage = ImageCopier.copy(sample, transports.parse(csRef), context, CopyOptions.defaults());
        long t2 = System.nanoTime();

        List<ImageRef> refs;
        try (BlobStore blobs = BlobStores.open(root)) {
            refs = new OciStore(blobs, java.time.Clock.systemUTC()).list();
        }
        List<Image> images;
        try (Store store = Store.open(storeOptions)) {
            images = store.images();
        }
        PrintStream out = ctx().out();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("sample", SAMPLE);
            m.put("digest", toContent.manifestDigest().toString());
            // the copy summary shape of copy/import/export --json
            m.put("copies", List.of(ImageCommands.copySummary(toContent, (t1 - t0) / 1e9), ImageCommands.copySummary(toStorage, (t2 - t1) / 1e9)));
            Map<String, Object> content = new LinkedHashMap<>();
            content.put("root", root.toString());
            List<Object> rows = new ArrayList<>();
            for (ImageRef r : refs) {
                rows.add(Map.of("reference", r.reference().toString(), "digest", r.descriptor().digest().toString()));
            }
            content.put("images", rows);
            m.put("contentStore", content);
            Map<String, Object> cs = new LinkedHashMap<>();
            cs.put("driver", "vfs");
            cs.put("graphRoot", graph.toString());
            cs.put("runRoot", run.toString());
            List<Object> imgs = new ArrayList<>();
            for (Image i : images) {
                imgs.add(Map.of("id", i.id(), "names", i.names()));
            }
            cs.put("images", imgs);
            m.put("containersStorage", cs);
            Output.json(out, m);
            return 0;
        }
        out.println("Built " + SAMPLE + " in memory (" + toContent.manifestDigest() + ") and copied it:");
        out.println("  " + line(toContent));
        out.println("  " + line(toStorage));
        out.println();
        out.println("Content store " + root + " (cargohold list):");
        for (ImageRef r : refs) {
            out.println("  " + r.reference() + "  " + r.descriptor().digest());
        }
        out.println();
        out.println("containers-storage, vfs, " + graph + " + " + run + ":");
        for (Image i : images) {
            out.println("  " + i.id().substring(0, 12) + "  " + String.join(", ", i.names()));
        }
        out.println();
        out.println("Next:");
        out.println("  podman --root " + graph + " --runroot " + run + " --storage-driver vfs images");
        out.println("  skopeo inspect 'containers-storage:[vfs@" + graph + "+" + run + "]" + NAME + "'");
        out.println("  cargohold copy cargohold:" + NAME + " oci:/tmp/hello:latest");
        return 0;
    }

    private static String line(CopyResult r) {
        return r.destination() + ": " + (r.blobsCopied() == 0 ? "already there, nothing copied"
                : r.blobsCopied() + " blobs copied (" + Output.bytes(r.bytesCopied()) + ")" + (r.blobsReused() > 0 ? ", " + r.blobsReused() + " reused" : ""));
    }
}
