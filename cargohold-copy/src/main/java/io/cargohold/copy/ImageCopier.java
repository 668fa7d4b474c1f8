package io.cargohold.copy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cargohold.copy.ImageDestination.LayerCompression;
import io.cargohold.copy.internal.ChunkPipe;
import io.cargohold.copy.internal.LayerMediaTypes;
import io.cargohold.copy.internal.VerifyingInputStream;
import io.cargohold.digest.Digest;
import io.cargohold.errors.CargoholdException;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.oci.Descriptor;
import io.cargohold.oci.MediaTypes;
import io.cargohold.oci.OciDocument;
import io.cargohold.oci.OciParser;
import io.cargohold.oci.graph.DescriptorWalker;
import io.cargohold.oci.graph.Disguises;
import io.cargohold.storage.archive.Compression;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one copy engine (containers/image's {@code copy.Image}): any {@link ImageSource} to any
 * {@link ImageDestination}. For a single image: layers (reused where the destination has them,
 * else streamed, verified and, when the destination or the options want it, compressed or
 * decompressed on the way), then the config, then the manifest (the source's bytes unless a layer
 * changed), then commit. For an index: one platform (default this machine's), or with
 * {@code --all} every instance and the index (rewritten only when an instance changed).
 *
 * <p>Copy the built-in sample image into an OCI layout, and from there into a containers-storage store
 * podman can use (this runs as {@code ImageCopierExampleTest}):
 * {@snippet class=io.cargohold.copy.ImageCopierExampleTest region=example}
 *
 * <p>References are parsed by {@link Transports} ({@code TRANSPORT:REFERENCE} as skopeo writes them);
 * {@link CopyOptions} carries {@code --all}, the platform, compression, parallelism and a
 * {@link CopyListener} for progress.
 */
public final class ImageCopier {
    /** Debug lines (cargohold --debug): what each blob became (reused or copied) and what was written. */
    private static final io.cargohold.logging.LazyLogger LOG = io.cargohold.logging.LazyLogger.of(ImageCopier.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ImageSource src;
    private final ImageDestination dst;
    private final CopyOptions options;
    private final AtomicInteger copied = new AtomicInteger();
    private final AtomicInteger reused = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();

    private ImageCopier(ImageSource src, ImageDestination dst, CopyOptions options) {
        this.src = src;
        this.dst = dst;
        this.options = options;
    }

    /** Copies {@code from} to {@code to}. */
    public static CopyResult copy(ImageReference from, ImageReference to, CopyContext context, CopyOptions options)
            throws IOException {
        try (ImageSource s = from.newSource(context); ImageDestination d = to.newDestination(context)) {
            return copy(s, d, options);
        }
    }

    /** Copies from an open source to an open destination (both stay open). */
    public static CopyResult copy(ImageSource src, ImageDestination dst, CopyOptions options) throws IOException {
        return new ImageCopier(src, dst, options).run();
    }

    private CopyResult run() throws IOException {
        RawManifest top = src.manifest();
        OciDocument doc = top.parse();
        RawManifest written;
        int instances = 1;
        if (doc instanceof OciDocument.Index index) {
            if (options.all()) {
                if (!dst.supportsIndex()) {
                    throw new InvalidArgumentException(dst.reference().string() + " stores a single image; copy one platform"
                            + " (without --all, or with --platform OS/ARCH)");
                }
                int[] count = new int[1];
                written = copyIndex(top, index, count);
                instances = count[0];
                dst.putManifest(written, true);
            } else {
                Descriptor chosen = Platforms.choose(index, options.platform(), src.reference().string());
                RawManifest instance = readInstance(chosen);
                if (instance.isIndex()) {
                    throw new InvalidArgumentException(src.reference().string() + ": the instance chosen for "
                            + Platforms.describe(chosen.platform()) + " is itself an index; copy with --all");
                }
                written = copyImage(instance, true);
                dst.putManifest(written, true);
            }
        } else {
            written = copyImage(top, true);
            dst.putManifest(written, true);
        }
        options.listener().manifestWritten(written);
        LOG.log(System.Logger.Level.DEBUG, "committing {0}: manifest {1}", dst.reference().string(), written.digest());
        dst.commit(top);
        return new CopyResult(src.reference().string(), dst.reference().string(), written, instances, copied.get(), reused.get(),
                bytes.get());
    }

    private RawManifest readInstance(Descriptor d) throws IOException {
        RawManifest m = src.manifest(d);
        if (m.bytes().length != d.size() || !Digest.of(d.digest().algorithm(), m.bytes(), 0, m.bytes().length).equals(d.digest())) {
            throw new CorruptException(src.reference().string() + ": manifest " + d.digest() + " does not match its descriptor in the index");
        }
        return new RawManifest(m.bytes(), d.mediaType(), Digest.sha256(m.bytes()));
    }

    // ------------------------------------------------------------------ index

    /**
     * An index and everything under it ({@code --all}). First the project's one walker reads every
     * document under it from the source (verified: size, digest, strict parse) into a plan, so depth,
     * width, cycles and index entries that do not name a manifest or index are errors before a blob
     * moves; then the plan is copied in its order, children first: each manifest an index names as
     * an image, each index rewritten when an instance changed. Nothing here recurses, whatever the
     * graph's depth (the walker is iterative).
     */
    private RawManifest copyIndex(RawManifest top, OciDocument.Index index, int[] count) throws IOException {
        Descriptor topDescriptor = Descriptor.of(index.mediaType(), top.digest(), top.bytes().length);
        DescriptorWalker walker = DescriptorWalker.over(new DescriptorWalker.Loader() {
            @Override
            public byte[] read(Descriptor d, String namedBy) throws IOException {
                if (d.digest().equals(top.digest()) && d.size() == top.bytes().length) {
                    return top.bytes();
                }
                return src.manifest(d).bytes();
            }

            @Override
            public boolean has(Descriptor d) {
                return true; // subjects are skipped
            }

            @Override
            public String where() {
                return " in " + src.reference().string();
            }
        }, DescriptorWalker.Subjects.SKIP).withLimits(new DescriptorWalker.Limits(options.maxGraphDepth(), options.maxGraphBlobs()));
        List<DescriptorWalker.Node> plan = walker.plan(topDescriptor, src.reference().string());
        // the instances: what an index's manifests name (a document named as a config or layer, which the
        // walker also verifies, travels as that blob of its manifest)
        java.util.Set<Digest> instances = new java.util.HashSet<>();
        for (DescriptorWalker.Node n : plan) {
            if (n.document() instanceof OciDocument.Index i) {
                i.manifests().forEach(m -> instances.add(m.digest()));
            }
        }
        java.util.Map<Digest, RawManifest> written = new java.util.HashMap<>();
        java.util.Map<Digest, Integer> images = new java.util.HashMap<>();
        RawManifest result = null;
        for (DescriptorWalker.Node n : plan) {
            Descriptor d = n.descriptor();
            boolean isTop = n == plan.getLast();
            if (n.document() == null || !isTop && !instances.contains(d.digest())) {
                continue;
            }
            RawManifest raw = new RawManifest(n.raw(), d.mediaType(), Digest.sha256(n.raw()));
            RawManifest out;
            if (n.document() instanceof OciDocument.Index i) {
                int sum = 0;
                for (Descriptor m : i.manifests()) {
                    sum += images.get(m.digest());
                }
                images.put(d.digest(), sum);
                out = rewriteIndex(raw, i, written, isTop);
            } else {
                images.put(d.digest(), 1);
                out = copyImage(raw, false);
            }
            written.put(d.digest(), out);
            if (isTop) {
                count[0] = images.get(d.digest());
                result = out;
            } else {
                dst.putManifest(out, false);
                options.listener().manifestWritten(out);
            }
        }
        return result;
    }

    /** An index with its instances as {@code written} (rewritten only when one changed, or to turn a Docker list into OCI). */
    private RawManifest rewriteIndex(RawManifest raw, OciDocument.Index index, java.util.Map<Digest, RawManifest> written,
            boolean topLevel) throws IOException {
        List<Descriptor> out = new ArrayList<>();
        boolean changed = false;
        for (Descriptor d : index.manifests()) {
            RawManifest w = written.get(d.digest());
            if (!w.digest().equals(d.digest()) || !w.mediaType().equals(d.mediaType())) {
                changed = true;
            }
            out.add(new Descriptor(w.mediaType(), w.digest(), w.bytes().length, d.urls(), d.annotations(),
                    d.platform(), d.artifactType()));
        }
        String indexType = raw.mediaType();
        // A Docker manifest list becomes an OCI index when an instance became OCI, or when the destination
        // cannot name a Docker list (an OCI layout's index.json: skopeo's reader skips non-OCI entries).
        boolean toOci = MediaTypes.DOCKER_MANIFEST_LIST.equals(indexType)
                && (out.stream().anyMatch(x -> MediaTypes.OCI_MANIFEST.equals(x.mediaType()))
                        || !dst.supportsManifestType(indexType, topLevel));
        if (!changed && !toOci) {
            return raw;
        }
        ObjectNode root = (ObjectNode) JSON.readTree(raw.bytes());
        ArrayNode manifests = (ArrayNode) root.get("manifests");
        for (int i = 0; i < out.size(); i++) {
            ObjectNode m = (ObjectNode) manifests.get(i);
            m.put("mediaType", out.get(i).mediaType());
            m.put("digest", out.get(i).digest().toString());
            m.put("size", out.get(i).size());
        }
        if (toOci) {
            indexType = MediaTypes.OCI_INDEX;
            if (root.has("mediaType")) {
                root.put("mediaType", indexType);
            }
        }
        return RawManifest.of(JSON.writeValueAsBytes(root), indexType);
    }

    // ------------------------------------------------------------------ one image

    private record Plan(Descriptor original, CopyBlob blob, Descriptor from, Compression in, Compression out) {
    }

    private RawManifest copyImage(RawManifest raw, boolean topLevel) throws IOException {
        OciDocument.Manifest m = (OciDocument.Manifest) raw.parse();
        String manifestType = m.mediaType();
        byte[] config = readConfig(m.config());
        String disguised = Disguises.reason(m.config(), Disguises.Role.CONFIG, config);
        if (disguised != null) {
            // a manifest or index hidden as the config: its own config and layers would never be copied
            throw new CorruptException(what(m.config()) + " (the config of manifest " + raw.digest() + ") is " + disguised);
        }
        List<Digest> diffIds = diffIds(config, m);
        // Docker schema 2 cannot name zstd layers; a destination may not store Docker manifests: both mean OCI.
        boolean toOci = MediaTypes.DOCKER_MANIFEST.equals(manifestType)
                && (!dst.supportsManifestType(manifestType, topLevel) || options.compression() == CopyOptions.LayerFormat.ZSTD
                        && dst.desiredLayerCompression() != LayerCompression.DECOMPRESS);
        String newType = toOci ? MediaTypes.OCI_MANIFEST : manifestType;
        if (!dst.supportsManifestType(newType, topLevel)) {
            throw new InvalidArgumentException(dst.reference().string() + " cannot store a manifest of type " + newType);
        }
        List<Descriptor> layers = m.layers();
        List<Descriptor> result = new ArrayList<>(java.util.Collections.nCopies(layers.size(), (Descriptor) null));
        if (dst.needsOrderedLayers() || options.parallelism() <= 1 || layers.size() <= 1) {
            for (int i = 0; i < layers.size(); i++) {
                result.set(i, copyLayer(newType, layers, i, diffIds));
            }
        } else {
            parallel(newType, layers, diffIds, result);
        }
        Descriptor configOut = copyConfig(m.config(), config);
        boolean changed = toOci || !configOut.equals(m.config());
        for (int i = 0; i < layers.size(); i++) {
            Descriptor a = layers.get(i);
            Descriptor b = result.get(i);
            if (!a.digest().equals(b.digest()) || a.size() != b.size() || !a.mediaType().equals(b.mediaType())) {
                changed = true;
            }
        }
        if (!changed) {
            return raw;
        }
        ObjectNode root = (ObjectNode) JSON.readTree(raw.bytes());
        if (toOci) {
            root.put("mediaType", MediaTypes.OCI_MANIFEST);
            ((ObjectNode) root.get("config")).put("mediaType", LayerMediaTypes.toOci(m.config().mediaType()));
        }
        ((ObjectNode) root.get("config")).put("digest", configOut.digest().toString());
        ((ObjectNode) root.get("config")).put("size", configOut.size());
        ArrayNode ls = (ArrayNode) root.get("layers");
        for (int i = 0; i < result.size(); i++) {
            ObjectNode l = (ObjectNode) ls.get(i);
            Descriptor d = result.get(i);
            l.put("mediaType", toOci ? LayerMediaTypes.toOci(d.mediaType()) : d.mediaType());
            l.put("digest", d.digest().toString());
            l.put("size", d.size());
        }
        return RawManifest.of(JSON.writeValueAsBytes(root), newType);
    }

    private void parallel(String manifestType, List<Descriptor> layers, List<Digest> diffIds, List<Descriptor> result)
            throws IOException {
        Semaphore slots = new Semaphore(options.parallelism());
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Descriptor>> futures = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                int idx = i;
                futures.add(ex.submit(() -> {
                    slots.acquire();
                    try {
                        return copyLayer(manifestType, layers, idx, diffIds);
                    } finally {
                        slots.release();
                    }
                }));
            }
            IOException first = null;
            for (int i = 0; i < futures.size(); i++) {
                try {
                    result.set(i, futures.get(i).get());
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (first == null) {
                        first = c instanceof IOException io ? io : new IOException(c.toString(), c);
                    }
                    futures.forEach(f -> f.cancel(true));
                } catch (java.util.concurrent.CancellationException afterFirstFailure) {
                    // cancelled because another layer failed: that failure is reported
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("copy interrupted");
                }
            }
            if (first != null) {
                throw first;
            }
        }
    }

    private byte[] readConfig(Descriptor d) throws IOException {
        if (d.size() > OciParser.MAX_DOCUMENT) {
            throw new CorruptException(src.reference().string() + ": config " + d.digest() + " claims " + d.size()
                    + " bytes, more than a config may have");
        }
        try (InputStream in = new VerifyingInputStream(src.blob(d), d.digest(), d.size(), what(d))) {
            return in.readAllBytes();
        }
    }

    /** rootfs.diff_ids of an image config; null for other configs (artifacts). */
    private List<Digest> diffIds(byte[] config, OciDocument.Manifest m) throws IOException {
        String ct = m.config().mediaType();
        if (!MediaTypes.OCI_CONFIG.equals(ct) && !MediaTypes.DOCKER_CONFIG.equals(ct)) {
            return null;
        }
        JsonNode root;
        try {
            root = JSON.readTree(config);
        } catch (IOException e) {
            throw new CorruptException(what(m.config()) + ": not valid JSON: " + e.getMessage(), e);
        }
        JsonNode ids = root == null ? null : root.path("rootfs").path("diff_ids");
        if (ids == null || !ids.isArray()) {
            throw new CorruptException(what(m.config()) + ": rootfs.diff_ids is missing");
        }
        List<Digest> out = new ArrayList<>();
        for (JsonNode id : ids) {
            try {
                out.add(Digest.parse(id.asText()));
            } catch (InvalidArgumentException e) {
                throw new CorruptException(what(m.config()) + ": bad diff_id " + id + ": " + e.getMessage(), e);
            }
        }
        if (out.size() != m.layers().size()) {
            throw new CorruptException(src.reference().string() + ": config " + m.config().digest() + " lists " + out.size()
                    + " diff_ids for " + m.layers().size() + " layers");
        }
        return out;
    }

    private Descriptor copyConfig(Descriptor d, byte[] config) throws IOException {
        CopyBlob blob = CopyBlob.config(d);
        options.listener().blobStarted(d, CopyBlob.Kind.CONFIG);
        Optional<Descriptor> have = dst.tryReuse(blob);
        if (have.isPresent()) {
            LOG.log(System.Logger.Level.DEBUG, "config {0}: the destination has it", d.digest());
            reused.incrementAndGet();
            options.listener().blobDone(d, true);
            return have.get();
        }
        LOG.log(System.Logger.Level.DEBUG, "config {0}: copying {1} bytes", d.digest(), config.length);
        Descriptor out = dst.putBlob(new ByteArrayInputStream(config), blob);
        copied.incrementAndGet();
        bytes.addAndGet(config.length);
        options.listener().blobProgress(d, config.length);
        options.listener().blobDone(d, false);
        return out;
    }

    private Descriptor copyLayer(String manifestType, List<Descriptor> layers, int i, List<Digest> diffIds) throws IOException {
        Descriptor orig = layers.get(i);
        Digest diffId = diffIds == null ? null : diffIds.get(i);
        List<Digest> chain = diffIds == null ? List.of() : diffIds.subList(0, i + 1);
        CopyBlob asIs = new CopyBlob(orig, orig, CopyBlob.Kind.LAYER, i, diffId, chain);
        options.listener().blobStarted(orig, CopyBlob.Kind.LAYER);
        // The destination's copy of the original blob serves only when the original would travel as it is.
        Compression named = LayerMediaTypes.compressionOf(orig.mediaType());
        boolean keepsOriginal = named == null || target(named, named) == named;
        Optional<Descriptor> have = keepsOriginal ? dst.tryReuse(asIs) : Optional.empty();
        if (have.isPresent()) {
            LOG.log(System.Logger.Level.DEBUG, "layer {0} {1}: the destination has it", i, orig.digest());
            reused.incrementAndGet();
            options.listener().blobDone(orig, true);
            return have.get();
        }
        Descriptor real = src.layerForCopy(orig, diffId);
        Descriptor from = real == null ? orig : real;
        if (real != null) {
            have = dst.tryReuse(new CopyBlob(real, orig, CopyBlob.Kind.LAYER, i, diffId, chain));
            if (have.isPresent()) {
                reused.incrementAndGet();
                options.listener().blobDone(orig, true);
                return have.get();
            }
        }
        Compression in = LayerMediaTypes.compressionOf(from.mediaType());
        Compression out = target(in, named);
        String outType = out == in ? from.mediaType() : LayerMediaTypes.layerType(manifestType, out);
        if (outType == null) {
            outType = LayerMediaTypes.layerType(MediaTypes.OCI_MANIFEST, out);
        }
        LOG.log(System.Logger.Level.DEBUG, "layer {0} {1}: copying {2} bytes as {3}{4}", i, from.digest(), from.size(), outType,
                out == in ? "" : " (" + in + " to " + out + ")");
        if (out == in && dst.resumesBlobs(src) && from.digest() != null && from.size() >= 0) {
            // the destination resumes: it opens the source at the offset its ingest reached and verifies the whole blob
            CopyBlob blob = new CopyBlob(from, orig, CopyBlob.Kind.LAYER, i, diffId, chain);
            Descriptor stored;
            // the stream of the latest attempt: a destination that starts again (a registry upload restarted after a cut)
            // opens the content a second time, and the bytes the earlier attempt counted are taken back (see reopened)
            Counting[] last = {null};
            try {
                stored = dst.putBlobResumable(offset -> {
                    // no VerifyingInputStream here: the destination's writer hashes every byte as it takes it (and what an
                    // interrupted write left), refuses more than the size at once and the digest at commit; a second pass
                    // over every layer would only cost CPU
                    Counting c = new Counting(offset == 0 ? Disguises.sniffing(src.blob(from), from, Disguises.Role.LAYER, what(from))
                            : src.blob(from, offset), orig, offset);
                    Counting prev;
                    synchronized (last) {
                        prev = last[0];
                        last[0] = c;
                    }
                    if (prev != null) {
                        reopened(prev, offset);
                    }
                    if (offset > 0 || prev != null) {
                        options.listener().blobResumed(orig, offset);
                    }
                    return c;
                }, blob);
            } catch (CorruptException e) {
                if (e.getMessage() != null && e.getMessage().startsWith(what(from))) {
                    throw e;
                }
                throw new CorruptException(what(from) + ": " + e.getMessage(), e);
            }
            copied.incrementAndGet();
            options.listener().blobDone(orig, false);
            return stored;
        }
        // a small layer whose bytes are a manifest or index (a media-type lie) fails at its end (Disguises)
        InputStream raw = new Counting(Disguises.sniffing(src.blob(from), from, Disguises.Role.LAYER, what(from)), orig);
        InputStream verified = new VerifyingInputStream(raw, from.digest(), from.size(), what(from));
        CopyBlob blob;
        InputStream content;
        if (out == in) {
            blob = new CopyBlob(from, orig, CopyBlob.Kind.LAYER, i, diffId, chain);
            content = verified;
        } else if (out == Compression.NONE) {
            // decompressing: the result is the diff, whose digest the config names
            blob = new CopyBlob(new Descriptor(outType, diffId, -1, from.urls(), from.annotations(), null, null), orig,
                    CopyBlob.Kind.LAYER, i, diffId, chain);
            content = LayerMediaTypes.decompress(verified, in);
        } else {
            blob = new CopyBlob(new Descriptor(outType, null, -1, from.urls(), from.annotations(), null, null), orig,
                    CopyBlob.Kind.LAYER, i, diffId, chain);
            InputStream plain = in == Compression.NONE ? verified : LayerMediaTypes.decompress(verified, in);
            Compression fmt = out;
            content = ChunkPipe.start(sink -> {
                try (var c = LayerMediaTypes.compress(sink, fmt, options.compressionLevel())) {
                    plain.transferTo(c);
                }
            }, "compress " + orig.digest());
        }
        try (InputStream c = content; InputStream v = verified) {
            Descriptor stored = dst.putBlob(c, blob);
            copied.incrementAndGet();
            options.listener().blobDone(orig, false);
            return stored;
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (CargoholdException e) {
            throw e;
        } catch (java.util.zip.ZipException | com.github.luben.zstd.ZstdIOException e) {
            // the source's bytes do not decompress: damaged (or lying about their compression)
            throw new CorruptException(what(from) + ": cannot decompress (" + in.extension() + "): " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IOException(dst.reference().string() + ": writing layer " + orig.digest() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The compression a layer should have at the destination, given the one it has ({@code in}; null: not
     * a layer type we transform, so as is) and the one the source's manifest names ({@code named}).
     * Layers keep their compression unless the destination wants them uncompressed, the copy asks for a
     * format, or the source could give only an uncompressed diff for a compressed layer (containers-storage),
     * which is compressed again as the manifest named it.
     */
    private Compression target(Compression in, Compression named) {
        if (in == null) {
            return null;
        }
        Compression wanted = options.compression() == null ? null : LayerMediaTypes.of(options.compression());
        return switch (dst.desiredLayerCompression()) {
            case PRESERVE -> in;
            case DECOMPRESS -> Compression.NONE;
            case COMPRESS -> wanted != null ? wanted
                    : in == Compression.NONE && named != null && named != Compression.NONE ? named : in;
        };
    }

    private String what(Descriptor d) {
        return src.reference().string() + ": blob " + d.digest();
    }

    /**
     * A blob's content opened again at {@code offset} after the attempt that read through {@code prev} failed: that
     * stream stops counting, and the bytes it counted past {@code offset} are taken back from the result, so that
     * {@link CopyResult#bytesCopied} and the listener (told {@link CopyListener#blobResumed}) follow the position
     * reached, never more than the blob's size (an upload started again reads the same bytes a second time).
     */
    private void reopened(Counting prev, long offset) {
        long reached = prev.retire();
        if (reached > offset) {
            bytes.addAndGet(-(reached - Math.max(offset, prev.start)));
        }
    }

    /** Counts bytes read from the source, for the listener and the result. */
    private final class Counting extends FilterInputStream {
        private final Descriptor d;
        final long start;
        private long counted;
        private boolean retired;

        Counting(InputStream in, Descriptor d) {
            this(in, d, 0);
        }

        Counting(InputStream in, Descriptor d, long start) {
            super(in);
            this.d = d;
            this.start = start;
        }

        /** Stops counting (a later attempt reads the blob again); returns the position this stream reached. */
        synchronized long retire() {
            retired = true;
            return start + counted;
        }

        private synchronized void count(int n) {
            // the thread that fed an abandoned attempt may still read a buffer after it was retired: not counted
            if (!retired) {
                counted += n;
                bytes.addAndGet(n);
                options.listener().blobProgress(d, n);
            }
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count(n);
            }
            return n;
        }
    }
}
