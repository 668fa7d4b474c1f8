package io.cargohold.cli.cargohold;

import io.cargohold.cli.ExitCodes;
import io.cargohold.cli.Output;
import io.cargohold.content.BlobStore;
import io.cargohold.content.BlobStores;
import io.cargohold.content.FsckOptions;
import io.cargohold.content.FsckReport;
import io.cargohold.content.IngestStatus;
import io.cargohold.content.StoreOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "fsck", description = {
        "Check that blob files and the index agree and that every blob matches its digest.",
        "Exit 0 when nothing is lost or wrong (leftovers such as temp files and expired ingests are reported, and removed",
        "with --repair; resumable ingests are listed),",
        "5 when a blob is missing or corrupt or the database reports damage.",
        "With --storage: check (and with --repair mend) a containers-storage store instead (vfs; skopeo's, podman's or ours):",
        "layer trees against their tar-split records, diff digests, big data, images' and containers' layers, unused layers."})
final class FsckCommand extends StoreCommand {
    @Option(names = "--storage", description = "Check the containers-storage store given by --graph and --run instead of the content store.")
    boolean storage;

    @Option(names = {"--graph", "-g"}, paramLabel = "DIR", description = "containers-storage graph root (default /var/lib/containers/storage).")
    Path graph;

    @Option(names = {"--run", "-R"}, paramLabel = "DIR", description = "containers-storage run root (default /run/containers/storage).")
    Path run;

    @Option(names = "--storage-driver", paramLabel = "NAME", defaultValue = "vfs", description = "Storage driver (vfs or overlay).")
    String driver;

    @Option(names = "--image-store", paramLabel = "DIR", description = "An additional read-only image store (checked and reported, never changed); repeatable.")
    List<Path> imageStores = new java.util.ArrayList<>();

    @Option(names = {"--force", "-f"}, description = "With --storage --repair: also remove damaged containers.")
    boolean force;

    @Option(names = "--reset-mounts", description = "With --storage --repair: reset the mount counts of layers to zero "
            + "(counts left by processes killed while they had a layer mounted; vfs mounts are only counts).")
    boolean resetMounts;

    @Option(names = "--max-age", paramLabel = "DURATION", defaultValue = "24h",
            description = "With --storage: report layers no image or container uses once older than this (Go syntax: 24h, 90m, 0).")
    String maxAge;

    @Option(names = "--repair", description = "Re-index verified blobs that lack an index row and remove leftover temp files and expired ingests.")
    boolean repair;

    @Option(names = "--quick", description = "Check presence and sizes only; do not re-hash blob contents.")
    boolean quick;

    @Option(names = "--rebuild-index", description = "Move a damaged index database aside and rebuild the index from the blob files "
            + "(blob data and kv records held only in the damaged database are lost). Run while no other process uses the store.")
    boolean rebuildIndex;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    /** Opens the store without its cleanup of leftover temp files, which fsck reports (and removes with --repair). */
    @Override
    StoreOptions storeOptions() throws io.cargohold.errors.InvalidArgumentException {
        return super.storeOptions().withCleanTempFiles(false);
    }

    @Override
    Integer callWithoutStore() throws IOException {
        if (storage) {
            return new StorageFsck(ctx(), json, quick, repair, force, resetMounts).run(graph, run, driver, imageStores, maxAge);
        }
        if (!rebuildIndex) {
            return null;
        }
        Path root = ctx().storeRoot(top().root);
        io.cargohold.content.RebuildReport r = BlobStores.rebuildIndex(root, storeOptions());
        java.io.PrintStream err = ctx().err();
        err.println(r.movedTo() == null ? "cargohold: no index database was present; built a new one"
                : "cargohold: moved the old index database to " + r.movedTo());
        err.println("cargohold: indexed " + r.blobs() + " blobs; restored from the old database: " + r.records() + " records, "
                + r.blobData() + " blob data records, " + r.mediaTypes() + " media types"
                + (r.recordsLost() > 0 ? "; " + r.recordsLost() + " records lost (their blobs are gone)" : ""));
        if (r.salvageProblem() != null) {
            err.println("cargohold: the old database could not be read in full: " + r.salvageProblem());
        }
        try (io.cargohold.oci.OciStore oci = io.cargohold.oci.OciStore.open(root, storeOptions())) {
            io.cargohold.oci.OciStore.LayoutSync sync = oci.syncLayoutIndex();
            err.println("cargohold: restored " + sync.adopted().size() + " references from index.json"
                    + (sync.adopted().isEmpty() ? "" : ": " + String.join(", ", sync.adopted())));
            for (io.cargohold.oci.OciStore.Kept k : sync.kept()) {
                err.println("cargohold: index.json entry " + (k.name() == null ? "(unnamed)" : k.name()) + " kept as it is: " + k.reason());
            }
        }
        return null; // then check the rebuilt store
    }

    @Override
    int run(BlobStore store) throws IOException {
        FsckReport r = store.fsck(new FsckOptions(!quick, repair));
        io.cargohold.oci.OciStore.LayoutCheck layout = new io.cargohold.oci.OciStore(store, storeOptions().clock()).checkLayoutIndex(repair);
        boolean layoutDamage = !layout.problems().isEmpty() && !repair;
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("blobsChecked", r.blobsChecked());
            m.put("bytesHashed", r.bytesChecked());
            m.put("damage", r.hasDamage() || layoutDamage);
            m.put("missing", strings(r.missing()));
            m.put("corrupt", r.corrupt().stream().map(p -> {
                Map<String, Object> c = new LinkedHashMap<>(); // Map.of's iteration order varies from run to run
                c.put("digest", p.digest().toString());
                c.put("reason", p.reason());
                return c;
            }).toList());
            m.put("databaseProblems", r.databaseProblems());
            m.put("unindexed", strings(r.unindexed()));
            m.put("tempFiles", strings(r.tempFiles()));
            m.put("strayFiles", strings(r.strayFiles()));
            m.put("repaired", r.repaired());
            m.put("ingests", r.ingests().stream().map(FsckCommand::ingest).toList());
            m.put("expiredIngests", r.expiredIngests().stream().map(FsckCommand::ingest).toList());
            m.put("indexJson", layout.problems());
            m.put("adopted", layout.repaired() == null ? List.of() : layout.repaired().adopted());
            Output.json(ctx().out(), m);
        } else {
            PrintStream out = ctx().out();
            String fixed = r.repaired() ? " (repaired)" : " (use --repair)";
            r.missing().forEach(d -> out.println("missing: " + d + " (indexed, file gone)"));
            r.corrupt().forEach(p -> out.println("corrupt: " + p.digest() + ": " + p.reason()));
            r.databaseProblems().forEach(p -> out.println("database: " + p));
            r.unindexed().forEach(d -> out.println("unindexed: " + d + fixed));
            r.tempFiles().forEach(p -> out.println("temp file: " + p + fixed));
            r.strayFiles().forEach(p -> out.println("stray file: " + p + " (left alone)"));
            r.expiredIngests().forEach(i -> out.println("expired ingest: " + ingestLine(i) + fixed));
            r.ingests().forEach(i -> out.println("ingest: " + ingestLine(i) + " (resumable)"));
            layout.problems().forEach(p -> out.println("index.json: " + p + fixed));
            if (layout.repaired() != null) {
                layout.repaired().adopted().forEach(n -> out.println("adopted: " + n + " (a foreign index.json entry, now a reference)"));
            }
            out.println(r.blobsChecked() + " blobs checked, " + Output.bytes(r.bytesChecked()) + " hashed: "
                    + (r.hasDamage() || layoutDamage ? "DAMAGE FOUND" : "no damage"));
        }
        return r.hasDamage() || layoutDamage ? ExitCodes.CORRUPT : ExitCodes.OK;
    }

    private static Map<String, Object> ingest(IngestStatus i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ref", i.ref());
        m.put("offset", i.offset());
        m.put("total", i.total());
        m.put("started", i.startedAt().toString());
        m.put("updated", i.updatedAt().toString());
        return m;
    }

    private static String ingestLine(IngestStatus i) {
        return i.ref() + ", " + i.offset() + (i.total() >= 0 ? " of " + i.total() : "") + " bytes, updated " + i.updatedAt();
    }

    private static List<String> strings(List<?> xs) {
        return xs.stream().map(Object::toString).toList();
    }
}
