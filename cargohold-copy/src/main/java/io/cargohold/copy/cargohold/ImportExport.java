package io.cargohold.copy.cargohold;

import io.cargohold.copy.CopyContext;
import io.cargohold.copy.CopyListener;
import io.cargohold.copy.CopyOptions;
import io.cargohold.copy.CopyResult;
import io.cargohold.copy.ImageCopier;
import io.cargohold.copy.ImageReference;
import io.cargohold.copy.ImageSource;
import io.cargohold.copy.RawManifest;
import io.cargohold.copy.dockerarchive.DockerArchiveTransport;
import io.cargohold.copy.oci.OciLayoutTransport;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.oci.Descriptor;
import io.cargohold.oci.ImageRef;
import io.cargohold.oci.MediaTypes;
import io.cargohold.oci.OciStore;
import io.cargohold.oci.graph.DescriptorWalker;
import io.cargohold.oci.layout.OciLayoutDir;
import io.cargohold.oci.refs.Reference;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code cargohold import} and {@code export} as what they are: copies through the one engine
 * between the store ({@code cargohold:NAME:TAG}, over an open {@link OciStore}) and a layout
 * ({@code oci:DIR:REF}) or a docker-archive, every platform of an index included ({@code --all}).
 * Each reference is copied atomically on its own; importing again moves nothing.
 */
public final class ImportExport {
    private final OciStore store;
    private final CopyContext context;
    private final CopyListener listener;
    private final CargoholdTransport transport;

    public ImportExport(OciStore store, CopyContext context, CopyListener listener) {
        this.store = store;
        this.context = context;
        this.listener = listener == null ? CopyListener.NONE : listener;
        this.transport = CargoholdTransport.over(store);
    }

    private CopyOptions options() {
        return CopyOptions.defaults().withAll(true).withListener(listener);
    }

    /** {@code copy --all oci:DIR:SREF cargohold:DREF}. */
    public ImportResult importLayout(Path dir, String sref, Reference dref) throws IOException {
        return importFrom(OciLayoutTransport.of(dir.toString(), sref), dref);
    }

    /**
     * Every named reference of a layout (annotation {@code org.opencontainers.image.ref.name}), each
     * as its own copy. A name that is not NAME:TAG (skopeo writes just the tag) is stored as
     * {@code repository:name}; without a repository such a name is an error, found before anything is copied.
     */
    public List<ImportResult> importLayoutAll(Path dir, String repository) throws IOException {
        OciLayoutDir layout = OciLayoutDir.open(dir);
        Map<String, Reference> todo = new LinkedHashMap<>();
        for (Descriptor d : layout.manifests()) {
            String name = d.annotations().get(MediaTypes.REF_NAME_ANNOTATION);
            if (name != null) {
                todo.put(name, toReference(name, repository, dir));
            }
        }
        if (todo.isEmpty()) {
            throw new NotFoundException("layout " + dir + " names no reference (no " + MediaTypes.REF_NAME_ANNOTATION + " annotation)");
        }
        List<ImportResult> out = new ArrayList<>();
        for (var e : todo.entrySet()) {
            out.add(importLayout(dir, e.getKey(), e.getValue()));
        }
        return out;
    }

    private static Reference toReference(String name, String repository, Path dir) throws InvalidArgumentException {
        try {
            return Reference.parse(name);
        } catch (InvalidArgumentException notFull) {
            if (repository == null) {
                throw new InvalidArgumentException("layout " + dir + " names \"" + name + "\", which is not NAME:TAG; give a repository"
                        + " to store it as REPOSITORY:" + name);
            }
            return Reference.parse(repository + ":" + name);
        }
    }

    /**
     * A docker-archive: its single image as {@code dref}, or, without {@code dref}, every image it
     * lists under each of its RepoTags (checked before anything is copied).
     */
    public List<ImportResult> importDockerArchive(Path tar, Reference dref) throws IOException {
        List<DockerArchiveTransport.Item> items = DockerArchiveTransport.items(tar, context);
        if (items.isEmpty()) {
            throw new CorruptException("docker archive " + tar + " lists no image in manifest.json");
        }
        List<ImportResult> out = new ArrayList<>();
        if (dref != null) {
            if (items.size() > 1) {
                throw new InvalidArgumentException("docker archive " + tar + " holds " + items.size()
                        + " images; import it without a destination reference to keep their own tags");
            }
            out.add(importFrom(new DockerArchiveTransport.Ref(tar, null, 0), dref));
            return out;
        }
        Map<Reference, Integer> todo = new LinkedHashMap<>();
        for (DockerArchiveTransport.Item item : items) {
            if (item.repoTags().isEmpty()) {
                throw new InvalidArgumentException("docker archive " + tar + " has an image without RepoTags; give a destination reference");
            }
            for (String t : item.repoTags()) {
                todo.put(Reference.parse(t), item.index());
            }
        }
        for (var e : todo.entrySet()) {
            out.add(importFrom(new DockerArchiveTransport.Ref(tar, null, e.getValue()), e.getKey()));
        }
        return out;
    }

    private ImportResult importFrom(ImageReference from, Reference dref) throws IOException {
        try (ImageSource src = from.newSource(context);
             CargoholdDestination dst = (CargoholdDestination) new CargoholdReference(transport, dref).newDestination(context)) {
            long t0 = System.nanoTime();
            CopyResult c = ImageCopier.copy(src, dst, options());
            double seconds = (System.nanoTime() - t0) / 1e9;
            ImageRef stored = dst.committed();
            List<DescriptorWalker.Node> graph = store.plan(stored.descriptor());
            return new ImportResult(stored, graph.size(), graph.stream().mapToLong(n -> n.descriptor().size()).sum(), dst.newBlobs(), c,
                    seconds);
        }
    }

    /**
     * {@code copy --all cargohold:SREF oci:DIR:DREF} (DREF defaults to SREF): the layout is created, or
     * added to; its index.json changes only once every blob is written.
     */
    public ExportResult export(Reference sref, Path dir, String dref) throws IOException {
        ImageRef image = store.get(sref); // before the layout is created: a missing reference leaves no directory
        String name = dref == null ? sref.toString() : dref;
        AtomicInteger manifests = new AtomicInteger();
        AtomicLong manifestBytes = new AtomicLong();
        CopyListener counting = new CopyListener() {
            @Override
            public void blobStarted(Descriptor d, io.cargohold.copy.CopyBlob.Kind kind) {
                listener.blobStarted(d, kind);
            }

            @Override
            public void blobProgress(Descriptor d, long bytes) {
                listener.blobProgress(d, bytes);
            }

            @Override
            public void blobDone(Descriptor d, boolean reused) {
                listener.blobDone(d, reused);
            }

            @Override
            public void manifestWritten(RawManifest m) {
                manifests.incrementAndGet();
                manifestBytes.addAndGet(m.bytes().length);
                listener.manifestWritten(m);
            }
        };
        long t0 = System.nanoTime();
        CopyResult r = ImageCopier.copy(new CargoholdReference(transport, sref), OciLayoutTransport.of(dir.toString(), name), context,
                CopyOptions.defaults().withAll(true).withListener(counting));
        int blobs = store.plan(image.descriptor()).size();
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new ExportResult(dir, name, image.descriptor(), blobs, r.blobsCopied() + manifests.get(),
                r.bytesCopied() + manifestBytes.get(), r, seconds);
    }
}
