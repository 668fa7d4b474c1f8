package io.cargohold.cli.cargohold;

import io.cargohold.cli.ExitCodes;
import io.cargohold.cli.Output;
import io.cargohold.cli.Template;
import io.cargohold.content.gc.GcReport;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.oci.CheckReport;
import io.cargohold.oci.Descriptor;
import io.cargohold.copy.cargohold.ExportResult;
import io.cargohold.copy.cargohold.ImportExport;
import io.cargohold.copy.cargohold.ImportResult;
import io.cargohold.copy.cargohold.StoreNames;
import io.cargohold.oci.ImageRef;
import io.cargohold.oci.Inspection;
import io.cargohold.oci.OciDocument;
import io.cargohold.oci.OciParser;
import io.cargohold.oci.OciStore;
import io.cargohold.oci.refs.Reference;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The image commands: import, export, list, inspect, rm, check, gc (one class each). import and export
 * are aliases of copy ({@link ImportExport}: {@code oci:DIR:REF} or {@code docker-archive:FILE} to
 * {@code cargohold:NAME:TAG} and back, every platform of an index).
 */
final class ImageCommands {
    private ImageCommands() {
    }

    /** An empty path argument would mean the current directory: a usage error instead. */
    static void requireNonEmpty(Path p, String what) throws InvalidArgumentException {
        if (p.toString().isEmpty()) {
            throw new InvalidArgumentException(what + " must not be empty");
        }
    }

    static Map<String, Object> imageJson(ImageRef r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reference", r.reference().toString());
        m.put("digest", r.descriptor().digest().toString());
        m.put("mediaType", r.descriptor().mediaType());
        m.put("size", r.descriptor().size());
        return m;
    }

    /**
     * The one JSON shape of a copy's summary ({@code copy --json}, and each entry of {@code import --json}
     * and {@code export --json}): source, destination, digest, mediaType, instances, blobsCopied,
     * blobsReused, bytesCopied, seconds. import and export add their older fields after these.
     */
    static Map<String, Object> copySummary(io.cargohold.copy.CopyResult r, double seconds) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", r.source());
        m.put("destination", r.destination());
        m.put("digest", r.manifestDigest().toString());
        m.put("mediaType", r.manifest().mediaType());
        m.put("instances", r.instances());
        m.put("blobsCopied", r.blobsCopied());
        m.put("blobsReused", r.blobsReused());
        m.put("bytesCopied", r.bytesCopied());
        m.put("seconds", Math.round(seconds * 1000) / 1000.0);
        return m;
    }

    static Map<String, Object> importJson(ImportResult r) {
        Map<String, Object> m = copySummary(r.copy(), r.seconds());
        // the fields import --json printed before the shared shape (kept for scripts)
        m.put("reference", r.image().reference().toString());
        m.put("digest", r.image().descriptor().digest().toString());
        m.put("mediaType", r.image().descriptor().mediaType());
        m.put("size", r.image().descriptor().size());
        m.put("blobs", r.blobs());
        m.put("bytes", r.bytes());
        m.put("newBlobs", r.newBlobs());
        return m;
    }

    @Command(name = "import", description = {
            "Import images into the store: one reference of an OCI image layout (--sref/--dref), every named",
            "reference of a layout (--all), or a docker-archive tar (--docker-archive). The same as",
            "cargohold copy --all oci:DIR:REF cargohold:NAME:TAG (or docker-archive:FILE). Every blob's digest and",
            "size is verified; a failed import stores no reference and leaves no blob it added."})
    static final class Import extends OciCommand {
        @Option(names = "--sref", paramLabel = "REF", description = "The layout's reference name (annotation org.opencontainers.image.ref.name).")
        String sref;

        @Option(names = "--dref", paramLabel = "NAME:TAG", description = "The reference to store it as (default: --sref when it is NAME:TAG).")
        String dref;

        @Option(names = "--all", description = "Import every named reference of the layout.")
        boolean all;

        @Option(names = "--repo", paramLabel = "NAME", description = "With --all: store names that are bare tags as NAME:TAG.")
        String repo;

        @Option(names = "--docker-archive", description = "SOURCE is a docker-archive tar (docker save / skopeo docker-archive:).")
        boolean dockerArchive;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Parameters(paramLabel = "SOURCE", description = "An OCI image layout directory, or a tar with --docker-archive.")
        Path source;

        @Override
        int run(OciStore oci) throws IOException {
            requireNonEmpty(source, "SOURCE");
            List<ImportResult> results = new ArrayList<>();
            ImportExport imports = imports(oci);
            if (dockerArchive) {
                if (sref != null || all) {
                    throw new InvalidArgumentException("--docker-archive takes no --sref or --all");
                }
                results.addAll(imports.importDockerArchive(source, dref == null ? null : Reference.parse(dref)));
            } else if (all) {
                if (sref != null || dref != null) {
                    throw new InvalidArgumentException("--all takes no --sref or --dref");
                }
                results.addAll(imports.importLayoutAll(source, repo));
            } else {
                if (sref == null) {
                    throw new InvalidArgumentException("give --sref REF (or --all, or --docker-archive)");
                }
                Reference to = Reference.parse(dref != null ? dref : sref);
                results.add(imports.importLayout(source, sref, to));
            }
            if (json) {
                List<Object> rows = new ArrayList<>();
                results.forEach(r -> rows.add(importJson(r)));
                Output.json(ctx().out(), rows);
            } else {
                for (ImportResult r : results) {
                    ctx().out().println(r.image().reference() + "\t" + r.image().descriptor().digest() + "\t" + r.blobs() + " blobs, "
                            + Output.bytes(r.bytes()) + ", " + r.newBlobs() + " new");
                }
            }
            return 0;
        }
    }

    @Command(name = "export", description = {"Write an image into an OCI image layout directory (created, or added to).",
            "The same as cargohold copy --all cargohold:NAME:TAG oci:DIR:REF."})
    static final class Export extends OciCommand {
        @Option(names = "--sref", paramLabel = "NAME:TAG", required = true, description = "The stored reference.")
        String sref;

        @Option(names = "--dref", paramLabel = "REF", description = "Its name in the layout (default: --sref).")
        String dref;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Parameters(paramLabel = "DIR", description = "The OCI image layout directory to write (created when absent).")
        Path dir;

        @Override
        int run(OciStore oci) throws IOException {
            requireNonEmpty(dir, "DIR");
            ExportResult r = imports(oci).export(StoreNames.resolve(oci, sref).reference(), dir, dref);
            if (json) {
                Map<String, Object> m = copySummary(r.copy(), r.seconds());
                // the fields export --json printed before the shared shape (kept for scripts)
                m.put("layout", r.layout().toString());
                m.put("reference", r.refName());
                m.put("digest", r.descriptor().digest().toString());
                m.put("blobs", r.blobs());
                m.put("written", r.written());
                m.put("bytesWritten", r.bytesWritten());
                Output.json(ctx().out(), m);
            } else {
                ctx().out().println(r.refName() + "\t" + r.descriptor().digest() + "\t" + r.blobs() + " blobs, " + r.written()
                        + " written (" + Output.bytes(r.bytesWritten()) + ")");
            }
            return 0;
        }
    }

    /** The fields of a {@code list} row, for {@code --format} (podman's names where podman has the field). */
    static final List<String> LIST_FIELDS = List.of("Repository", "Tag", "Reference", "Digest", "ID", "MediaType", "Type", "Size", "Bytes",
            "ManifestSize");
    static final String LIST_DEFAULT_FORMAT = "table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}\\t{{.Type}}\\t{{.Size}}";

    @Command(name = "list", aliases = "images", description = {"List references with a header: repository, tag, ID (the first 12 hex",
            "digits of the manifest's or index's digest), type (manifest or index) and size (the image's configs and layers, each",
            "blob once; not the manifest's size). --format picks the columns; --json prints every field."})
    static final class ListRefs extends OciCommand {
        @Option(names = "--json", description = "Print JSON: reference, digest, mediaType, size (the manifest's), imageSize.")
        boolean json;

        @Option(names = "--format", paramLabel = "TEMPLATE", description = {"A Go-template subset as podman's images --format:",
                "{{.Repository}} {{.Tag}} {{.Reference}} {{.Digest}} {{.ID}} {{.MediaType}} {{.Type}} {{.Size}} (human)",
                "{{.Bytes}} (image size in bytes) {{.ManifestSize}}, {{json .}}, {{json .Field}}; a leading \"table\" adds a",
                "header and aligns tab-separated columns; \\t and \\n are a tab and a newline."})
        String format;

        @Override
        int run(OciStore oci) throws IOException {
            if (json && format != null) {
                throw new InvalidArgumentException("--json and --format cannot be used together");
            }
            Template template = json ? null : Template.parse(format != null ? format : LIST_DEFAULT_FORMAT, LIST_FIELDS);
            OciStore.Listing listing = oci.listing();
            List<ImageRef> refs = listing.references();
            for (OciStore.Malformed m : listing.malformed()) {
                ctx().err().println("cargohold: skipped a malformed reference record \"" + m.key() + "\": " + m.reason()
                        + " (remove it with 'cargohold rm --ref " + m.key() + "')");
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            for (ImageRef r : refs) {
                Long size = null;
                try {
                    size = oci.imageSize(r.descriptor());
                } catch (io.cargohold.errors.CargoholdException e) {
                    ctx().err().println("cargohold: " + r.reference() + ": no size: " + e.getMessage() + " (see 'cargohold check')");
                }
                if (json) {
                    Map<String, Object> m = imageJson(r);
                    m.put("imageSize", size);
                    rows.add(m);
                } else {
                    rows.add(listRow(r, size));
                }
            }
            if (json) {
                Output.json(ctx().out(), rows);
            } else {
                ctx().out().print(template.render(rows));
            }
            return 0;
        }
    }

    static Map<String, Object> listRow(ImageRef r, Long size) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Repository", r.reference().name());
        m.put("Tag", r.reference().tag() == null ? "<none>" : r.reference().tag());
        m.put("Reference", r.reference().toString());
        m.put("Digest", r.descriptor().digest().toString());
        m.put("ID", r.descriptor().digest().hex().substring(0, 12));
        m.put("MediaType", r.descriptor().mediaType());
        m.put("Type", io.cargohold.oci.MediaTypes.isIndex(r.descriptor().mediaType()) ? "index" : "manifest");
        m.put("Size", size == null ? "?" : Output.bytes(size));
        m.put("Bytes", size);
        m.put("ManifestSize", r.descriptor().size());
        return m;
    }

    @Command(name = "inspect", description = {"Show references' manifests or indexes: platforms, config, layers (or, for",
            "docker://, what skopeo inspect shows). With several, each is shown (JSON: an array) and every failure reported;",
            "the exit code is the highest of their failures."})
    static final class Inspect extends OciCommand {
        @Parameters(paramLabel = "REF", arity = "1..*", description = {"References in the store (NAME:TAG, e.g. app:1 or library/app:latest)",
                "or in a registry (docker://HOST/NAME[:TAG|@DIGEST])."})
        List<String> refs;

        @Option(names = "--raw", description = "Print the manifest or index exactly as stored.")
        boolean raw;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @picocli.CommandLine.Mixin
        RegistryFlags registry;

        @Option(names = "--config", description = "docker:// only: print the image's config (with --raw, as the registry has it).")
        boolean config;

        @Option(names = {"-n", "--no-tags"}, description = "docker:// only: do not list the repository's tags.")
        boolean noTags;

        /** {@code inspect docker://…} only: skopeo inspect's output, without opening the store. */
        @Override
        Integer callWithoutStore() throws IOException {
            if (!refs.stream().allMatch(r -> r.startsWith("docker://"))) {
                return null;
            }
            return inspectAll(null);
        }

        @Override
        int run(OciStore oci) throws IOException {
            return inspectAll(oci);
        }

        private int inspectAll(OciStore oci) throws IOException {
            if (refs.size() == 1) {
                return inspectOne(oci, refs.getFirst(), true);
            }
            if (raw) {
                throw new InvalidArgumentException("--raw takes one reference (it prints the document's bytes)");
            }
            int code = ExitCodes.OK;
            List<Object> docs = new ArrayList<>();
            boolean first = true;
            for (String ref : refs) {
                try {
                    if (json) {
                        docs.add(ref.startsWith("docker://") ? RegistryInspect.document(registry.transport(ctx().env()), ref, config, !noTags)
                                : storeJson(oci.inspect(StoreNames.resolve(oci, ref).reference())));
                    } else {
                        if (!first) {
                            ctx().out().println();
                        }
                        first = false;
                        inspectOne(oci, ref, false);
                    }
                } catch (io.cargohold.errors.CargoholdException e) {
                    ctx().err().println("cargohold: " + ref + ": " + e.getMessage());
                    code = Math.max(code, ExitCodes.of(e));
                }
            }
            if (json) {
                Output.json(ctx().out(), docs);
            }
            return code;
        }

        private int inspectOne(OciStore oci, String ref, boolean alone) throws IOException {
            if (ref.startsWith("docker://")) {
                return RegistryInspect.print(ctx(), registry.transport(ctx().env()), ref, raw, config, !noTags);
            }
            Inspection in = oci.inspect(StoreNames.resolve(oci, ref).reference());
            PrintStream out = ctx().out();
            if (raw) {
                out.write(in.document().raw());
                out.flush();
                return 0;
            }
            Map<String, Object> m = storeJson(in);
            if (json) {
                Output.json(out, m);
                return 0;
            }
            printText(out, ref, in);
            return 0;
        }

        private static Map<String, Object> storeJson(Inspection in) {
            Map<String, Object> m = imageJson(in.image());
            if (in.document() instanceof OciDocument.Index index) {
                List<Object> ms = new ArrayList<>();
                for (Descriptor d : index.manifests()) {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("platform", d.platform() == null ? null : d.platform().toString());
                    e.put("digest", d.digest().toString());
                    e.put("mediaType", d.mediaType());
                    e.put("size", d.size());
                    ms.add(e);
                }
                m.put("manifests", ms);
            } else {
                OciDocument.Manifest man = (OciDocument.Manifest) in.document();
                m.put("platform", in.configPlatform() == null ? null : in.configPlatform().toString());
                m.put("created", in.created());
                m.put("config", OciParser.toJson(man.config()));
                List<Object> ls = new ArrayList<>();
                man.layers().forEach(l -> ls.add(OciParser.toJson(l)));
                m.put("layers", ls);
            }
            return m;
        }

        private static void printText(PrintStream out, String ref, Inspection in) {
            out.println("reference:  " + ref);
            out.println("digest:     " + in.image().descriptor().digest());
            out.println("media type: " + in.image().descriptor().mediaType());
            out.println("size:       " + in.image().descriptor().size());
            if (in.document() instanceof OciDocument.Index index) {
                for (Descriptor d : index.manifests()) {
                    out.println("manifest:   " + (d.platform() == null ? "-" : d.platform()) + "\t" + d.digest() + "\t" + d.size());
                }
            } else {
                OciDocument.Manifest man = (OciDocument.Manifest) in.document();
                out.println("platform:   " + (in.configPlatform() == null ? "-" : in.configPlatform()));
                out.println("created:    " + (in.created() == null ? "-" : in.created()));
                out.println("config:     " + man.config().digest() + "\t" + man.config().size());
                for (Descriptor l : man.layers()) {
                    out.println("layer:      " + l.digest() + "\t" + l.size() + "\t" + l.mediaType());
                }
            }
        }
    }

    @Command(name = "rm", description = {"Remove references (their blobs stay until gc), saying which; with several, each is",
            "tried and every failure reported (the exit code is the first failure's)."})
    static final class Rm extends OciCommand {
        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        static final class Target {
            @Option(names = "--ref", paramLabel = "NAME:TAG", description = "A reference to remove (repeatable).")
            List<String> option;

            @Parameters(paramLabel = "NAME:TAG", arity = "1..*", description = "References in the store, e.g. app:1 or library/app:latest.")
            List<String> positional;
        }

        @Override
        int run(OciStore oci) throws IOException {
            int code = ExitCodes.OK;
            for (String name : target.option != null ? target.option : target.positional) {
                try {
                    String removed = remove(oci, name);
                    ctx().out().println("removed " + removed);
                } catch (io.cargohold.errors.CargoholdException e) {
                    if (target.option == null && target.positional.size() == 1 || target.option != null && target.option.size() == 1) {
                        throw e; // one reference: the usual error path
                    }
                    ctx().err().println("cargohold: " + e.getMessage());
                    code = code == ExitCodes.OK ? ExitCodes.of(e) : code;
                }
            }
            return code;
        }

        /** Removes what {@code name} means (see {@link StoreNames}) and returns the stored name removed. */
        private static String remove(OciStore oci, String name) throws IOException {
            // the key of a malformed record that list reported goes as it is
            if (oci.listing().malformed().stream().anyMatch(m -> m.key().equals(name))) {
                oci.remove(name);
                return name;
            }
            Reference ref = StoreNames.resolve(oci, name).reference();
            oci.remove(ref);
            return ref.toString();
        }
    }

    @Command(name = "check", description = {"Check that every blob the references need is present and intact.",
            "Exit 0 when complete, 5 when something is missing or corrupt; with several references, each is checked",
            "(JSON: an array) and the exit code is the highest of them (3 for a reference that is not there)."})
    static final class Check extends OciCommand {
        @Parameters(paramLabel = "NAME:TAG", arity = "1..*", description = "References in the store, e.g. app:1 or library/app:latest.")
        List<String> refs;

        @Option(names = "--json", description = "Print JSON (one object; an array with several references).")
        boolean json;

        @Override
        int run(OciStore oci) throws IOException {
            if (refs.size() == 1) {
                return checkOne(oci, refs.getFirst(), null);
            }
            int code = ExitCodes.OK;
            List<Object> docs = new ArrayList<>();
            for (String ref : refs) {
                try {
                    code = Math.max(code, checkOne(oci, ref, json ? docs : null));
                } catch (io.cargohold.errors.CargoholdException e) {
                    ctx().err().println("cargohold: " + ref + ": " + e.getMessage());
                    code = Math.max(code, ExitCodes.of(e));
                }
            }
            if (json) {
                Output.json(ctx().out(), docs);
            }
            return code;
        }

        /** Checks one reference; its JSON goes into {@code collect} when given, else is printed. */
        private int checkOne(OciStore oci, String ref, List<Object> collect) throws IOException {
            CheckReport r = oci.check(StoreNames.resolve(oci, ref).reference());
            if (json) {
                Map<String, Object> m = imageJson(r.image());
                m.put("complete", r.complete());
                m.put("blobsChecked", r.blobsChecked());
                m.put("bytesChecked", r.bytesChecked());
                List<Object> ps = new ArrayList<>();
                for (CheckReport.Problem p : r.problems()) {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("digest", p.digest().toString());
                    e.put("mediaType", p.mediaType());
                    e.put("namedBy", p.namedBy());
                    e.put("problem", p.reason());
                    ps.add(e);
                }
                m.put("problems", ps);
                if (collect != null) {
                    collect.add(m);
                } else {
                    Output.json(ctx().out(), m);
                }
            } else {
                for (CheckReport.Problem p : r.problems()) {
                    ctx().out().println(p.reason() + ": " + p.digest() + " (" + p.mediaType() + ", named by " + p.namedBy() + ")");
                }
                ctx().out().println(ref + ": " + r.blobsChecked() + " blobs, " + Output.bytes(r.bytesChecked()) + " checked: "
                        + (r.complete() ? "complete" : r.problems().size() + " problems"));
            }
            return r.complete() ? ExitCodes.OK : ExitCodes.CORRUPT;
        }
    }

    @Command(name = "gc", description = {"Remove every blob no reference (or other record) reaches, through indexes,",
            "manifests, configs and layers. Safe against imports running in other processes (leases)."})
    static final class Gc extends OciCommand {
        @Option(names = "--dry-run", description = "List what would be removed; remove nothing.")
        boolean dryRun;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        int run(OciStore oci) throws IOException {
            GcReport r = oci.gc(dryRun);
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("dryRun", r.dryRun());
                m.put("removed", r.removed().stream().map(b -> b.digest().toString()).toList());
                m.put("count", r.removed().size());
                m.put("bytesFreed", r.bytesFreed());
                m.put("roots", r.roots());
                m.put("reachable", r.reachable());
                m.put("expiredLeases", r.expiredRecords().size());
                m.put("unreadable", r.unreadable().stream().map(p -> {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("digest", p.digest().toString());
                    e.put("reason", p.reason());
                    return e;
                }).toList());
                Output.json(ctx().out(), m);
            } else {
                String verb = r.dryRun() ? "would remove: " : "removed: ";
                r.removed().forEach(b -> ctx().out().println(verb + b.digest() + "\t" + b.size()));
                r.unreadable().forEach(p -> ctx().out().println("kept unreadable: " + p.digest() + ": " + p.reason()));
                ctx().out().println((r.dryRun() ? "would free " : "freed ") + r.removed().size() + " blobs, " + Output.bytes(r.bytesFreed())
                        + " (" + r.reachable() + " reachable from " + r.roots() + " roots"
                        + (r.expiredRecords().isEmpty() ? "" : ", " + r.expiredRecords().size() + " expired leases dropped") + ")");
            }
            return 0;
        }
    }
}
