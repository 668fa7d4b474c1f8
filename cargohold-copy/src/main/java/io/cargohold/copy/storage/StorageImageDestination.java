package io.cargohold.copy.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cargohold.copy.CopyBlob;
import io.cargohold.copy.CopyContext;
import io.cargohold.copy.ImageDestination;
import io.cargohold.copy.ImageReference;
import io.cargohold.copy.ImageSource;
import io.cargohold.copy.RawManifest;
import io.cargohold.digest.Digest;
import io.cargohold.errors.AlreadyExistsException;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.oci.Descriptor;
import io.cargohold.oci.MediaTypes;
import io.cargohold.oci.OciDocument;
import io.cargohold.oci.OciParser;
import io.cargohold.storage.Image;
import io.cargohold.storage.ImageOptions;
import io.cargohold.storage.Layer;
import io.cargohold.storage.LayerOptions;
import io.cargohold.storage.Store;
import io.cargohold.storage.archive.Compression;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Writes an image into a containers-storage store as containers/image v5.23's
 * {@code storageImageDestination} does, so skopeo and podman see a normal image and share its layers.
 * Layers are created as they come, in manifest order, each in one streaming pass (decompressed,
 * hashed, applied): layer ID = the DiffID's hex for a base layer, else the hex SHA-256 of
 * {@code parentID + "+" + DiffID hex}; a layer with that ID is reused; a layer elsewhere in the store
 * with the same diff is copied from its diff (upstream's TryReusingBlob + commitLayer). The computed
 * DiffID must equal the config's, else the layer fails while still incomplete. On commit: the image
 * (ID = the config digest's hex, created = the config's {@code created}), its big-data items (config,
 * {@code manifest-<list digest>} when chosen from an index, {@code manifest-<digest>}, {@code manifest},
 * the empty {@code signature-<hex>}), {@code metadata} and the reference's name, as skopeo 1.9.3 writes
 * them. Nothing but layers is visible before {@link #commit}. Each layer's tree is synced while the next one is
 * copied ({@link Store#createLayerSyncingBehind}); all are complete before the image is created.
 */
final class StorageImageDestination implements ImageDestination {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** {@code -Dcargohold.storage.syncBehind=false}: each layer synced before the next starts (for A/B runs). */
    private static final boolean SYNC_BEHIND = !"false".equals(System.getProperty("cargohold.storage.syncBehind"));

    private final StorageReference reference;
    private final Store store;
    private final StorageReference.Resolved resolved;
    private final CopyContext context;
    /** Layer index to the ID of the layer created or reused for it. */
    private final Map<Integer, String> layerIds = new HashMap<>();
    private Descriptor configDescriptor;
    private byte[] config;
    private RawManifest manifest;
    /**
     * Partials of layers stored here whose sync may still run behind ({@link Store#createLayerSyncingBehind}): such
     * a layer stays flagged incomplete until then, and a process killed meanwhile loses it, so its bytes are kept
     * for the rerun until {@link Store#flush} has marked every layer complete (at commit or close).
     */
    private final List<PartialLayer> unsettled = java.util.Collections.synchronizedList(new ArrayList<>());
    /** Whether the expired partials of the store were removed (once per destination). */
    private final java.util.concurrent.atomic.AtomicBoolean partialsSwept = new java.util.concurrent.atomic.AtomicBoolean();

    StorageImageDestination(StorageReference reference, Store store, StorageReference.Resolved resolved, CopyContext context) {
        this.reference = reference;
        this.store = store;
        this.resolved = resolved;
        this.context = context;
    }

    @Override
    public ImageReference reference() {
        return reference;
    }

    @Override
    public LayerCompression desiredLayerCompression() {
        return LayerCompression.PRESERVE;
    }

    @Override
    public boolean supportsManifestType(String mediaType, boolean topLevel) {
        return MediaTypes.OCI_MANIFEST.equals(mediaType) || MediaTypes.DOCKER_MANIFEST.equals(mediaType);
    }

    @Override
    public boolean supportsIndex() {
        return false;
    }

    @Override
    public boolean needsOrderedLayers() {
        return true;
    }

    // ------------------------------------------------------------------ layer identities

    /** containers/image's layer ID: the DiffID's hex for a base layer, else sha256 hex of {@code parent + "+" + DiffID hex}. */
    static String layerId(String parentId, Digest diffId) {
        if (parentId == null) {
            return diffId.hex();
        }
        return Digest.sha256((parentId + "+" + diffId.hex()).getBytes(StandardCharsets.UTF_8)).hex();
    }

    private Digest requireDiffId(CopyBlob blob) throws InvalidArgumentException {
        if (blob.diffId() == null) {
            throw new InvalidArgumentException(reference.string() + ": layer " + blob.layerIndex() + " ("
                    + blob.original().digest() + ") has no DiffID: containers-storage stores images whose config lists"
                    + " rootfs.diff_ids");
        }
        return blob.diffId();
    }

    /** The layer below layer {@code index} (null for the base), which must have been put or reused already. */
    private String parentOf(int index) {
        if (index == 0) {
            return null;
        }
        String p = layerIds.get(index - 1);
        if (p == null) {
            throw new IllegalStateException("layer " + index + " before layer " + (index - 1) + ": containers-storage needs layers in order");
        }
        return p;
    }

    private Layer layerById(String id) throws IOException {
        try {
            Layer l = store.layer(id);
            return l.id().equals(id) ? l : null;
        } catch (NotFoundException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------ blobs

    @Override
    public Optional<Descriptor> tryReuse(CopyBlob blob) throws IOException {
        if (blob.kind() == CopyBlob.Kind.CONFIG) {
            return config != null && configDescriptor.digest().equals(blob.descriptor().digest()) ? Optional.of(configDescriptor)
                    : Optional.empty();
        }
        if (layerIds.containsKey(blob.layerIndex())) {
            return Optional.of(blob.descriptor());
        }
        Digest diffId = requireDiffId(blob);
        String parent = parentOf(blob.layerIndex());
        String id = layerId(parent, diffId);
        if (layerById(id) != null) {
            // the same diff on the same parent: that layer is this one
            layerIds.put(blob.layerIndex(), id);
            return Optional.of(blob.descriptor());
        }
        Layer from = sameDiff(blob, diffId);
        if (from == null) {
            return Optional.empty();
        }
        createFromLayer(from, blob, id, parent, diffId);
        return Optional.of(blob.descriptor());
    }

    /**
     * A layer elsewhere in the store whose diff is this blob's (upstream's TryReusingBlob: by the
     * blob's digest as an uncompressed or a compressed digest; and by the DiffID, which upstream finds
     * through its blob-info cache), or null.
     */
    private Layer sameDiff(CopyBlob blob, Digest diffId) throws IOException {
        List<Layer> candidates = new java.util.ArrayList<>(store.layersByUncompressedDigest(diffId.toString()));
        Digest d = blob.descriptor().digest();
        if (d != null && !d.equals(diffId)) {
            candidates.addAll(store.layersByCompressedDigest(d.toString()));
        }
        for (Layer l : candidates) {
            if (diffId.toString().equals(l.uncompressedDigest()) && !l.flags().containsKey("incomplete")) {
                return l;
            }
        }
        return null;
    }

    /**
     * Upstream's commitLayer for a blob it did not download: the existing layer's diff, uncompressed,
     * through a temporary file (reading a diff holds the layer store's lock, which creating a layer
     * needs), applied as the new layer, recorded with the blob's digest as the compressed one.
     */
    private void createFromLayer(Layer from, CopyBlob blob, String id, String parent, Digest diffId) throws IOException {
        Path tmp = Files.createTempFile(context.tmpDir(), "cargohold-storage-", ".tar");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                store.diff(null, from.id(), Compression.NONE, out);
            }
            try (InputStream in = Files.newInputStream(tmp)) {
                create(blob, id, parent, diffId, blob.descriptor().digest(), in);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public Descriptor putBlob(InputStream content, CopyBlob blob) throws IOException {
        if (blob.kind() == CopyBlob.Kind.CONFIG) {
            return putConfig(content, blob.descriptor());
        }
        Digest diffId = requireDiffId(blob);
        String parent = parentOf(blob.layerIndex());
        String id = layerId(parent, diffId);
        Layer l = create(blob, id, parent, diffId, blob.descriptor().digest(), content);
        Descriptor d = blob.descriptor();
        if (d.digest() == null || d.size() < 0) {
            Digest digest = d.digest() != null ? d.digest() : Digest.parse(l.compressedDigest());
            d = new Descriptor(d.mediaType(), digest, l.compressedSize(), d.urls(), d.annotations(), d.platform(), d.artifactType());
        }
        return d;
    }

    /**
     * Layers from a registry keep their bytes in a partial file as they are applied ({@link PartialLayer}), so a pull
     * killed midway continues the layer with a ranged request; from local sources a copy is only slower for it.
     */
    @Override
    public boolean resumesBlobs(ImageSource source) {
        return source.remote();
    }

    /**
     * A layer of known digest and size, from the bytes its partial holds (an interrupted pull's) and then the
     * source's from there on; the partial is deleted once the layer is stored, and also when the copy fails (a
     * killed copy leaves it for the rerun). When a layer continued from a partial fails (its bytes did not verify or
     * decompress: torn by a power loss), the partial is emptied and the layer fetched once more from byte 0.
     */
    @Override
    public Descriptor putBlobResumable(BlobContent content, CopyBlob blob) throws IOException {
        Digest diffId = requireDiffId(blob);
        String parent = parentOf(blob.layerIndex());
        String id = layerId(parent, diffId);
        Descriptor d = blob.descriptor();
        Path dir = store.partialBlobDirectory();
        if (partialsSwept.compareAndSet(false, true)) {
            PartialLayer.removeExpired(dir);
        }
        PartialLayer partial = PartialLayer.open(dir, d);
        if (partial == null) { // another writer holds this blob's partial: stream it without one, verified as it passes
            try (InputStream in = new io.cargohold.copy.internal.VerifyingInputStream(content.open(0), d.digest(), d.size(),
                    "layer " + d.digest())) {
                create(blob, id, parent, diffId, d.digest(), in);
            }
            return d;
        }
        boolean stored = false;
        try {
            for (int round = 0; ; round++) {
                long had = partial.have();
                try (InputStream in = partial.stream(content)) {
                    create(blob, id, parent, diffId, d.digest(), in);
                    stored = true;
                    unsettled.add(partial);
                    return d;
                } catch (IOException e) {
                    // the partial's bytes may be what failed (torn: they do not verify, or do not even decompress)
                    if (round == 0 && had > 0 && (partial.didNotVerify() || !(e instanceof java.io.InterruptedIOException)
                            && !(e.getCause() instanceof java.net.ConnectException))) {
                        partial.truncate();
                        continue;
                    }
                    if (e instanceof java.util.zip.ZipException || e instanceof com.github.luben.zstd.ZstdIOException) {
                        // the bytes do not decompress: damaged (the digest check at their end never came)
                        throw new CorruptException(reference.string() + ": layer " + blob.layerIndex() + " (blob " + d.digest()
                                + "): cannot decompress: " + e.getMessage() + " (the blob's bytes are not what its digest names)", e);
                    }
                    throw e;
                }
            }
        } finally {
            // failed: nothing stays behind (a killed copy never gets here: its partial stays for the rerun); stored: the
            // partial goes once the layer is complete (settle)
            if (!stored) {
                partial.delete();
            }
        }
    }

    /** PutLayer with upstream's recorded digests (the blob's, the DiffID) and our check of the computed DiffID. */
    private Layer create(CopyBlob blob, String id, String parent, Digest diffId, Digest blobDigest, InputStream diff)
            throws IOException {
        LayerOptions o = LayerOptions.of(parent).withId(id)
                .withDiffDigests(blobDigest == null ? null : blobDigest.toString(), diffId.toString())
                .expectingDiffDigest(diffId.toString());
        Layer l;
        try {
            // the tree's sync runs behind while the next layer is copied and applied (Store.createLayerSyncingBehind);
            // the layer is marked complete once it is on disk, at the latest at commit or close
            l = SYNC_BEHIND ? store.createLayerSyncingBehind(o, diff) : store.createLayer(o, diff);
        } catch (AlreadyExistsException e) {
            // created meanwhile by another copy (upstream ignores ErrDuplicateID here too)
            l = layerById(id);
            if (l == null) {
                throw e;
            }
        } catch (CorruptException e) {
            throw new CorruptException(reference.string() + ": layer " + blob.layerIndex() + " (blob " + blob.original().digest()
                    + ", DiffID " + diffId + "): " + e.getMessage(), e);
        }
        layerIds.put(blob.layerIndex(), l.id());
        return l;
    }

    private Descriptor putConfig(InputStream content, Descriptor d) throws IOException {
        byte[] b = content.readNBytes(OciParser.MAX_DOCUMENT + 1);
        if (b.length > OciParser.MAX_DOCUMENT) {
            throw new CorruptException(reference.string() + ": config " + d.digest() + " is larger than a config may be");
        }
        Digest actual = Digest.sha256(b);
        if (d.digest() != null && !actual.equals(d.digest()) || d.size() >= 0 && d.size() != b.length) {
            throw new CorruptException(reference.string() + ": config " + d.digest() + " (" + d.size() + " bytes) arrived as "
                    + actual + " (" + b.length + " bytes)");
        }
        config = b;
        configDescriptor = new Descriptor(d.mediaType(), actual, b.length, d.urls(), d.annotations(), d.platform(), d.artifactType());
        return configDescriptor;
    }

    @Override
    public void putManifest(RawManifest m, boolean topLevel) throws IOException {
        if (!topLevel) {
            throw new InvalidArgumentException(reference.string() + ": containers-storage stores a single image, not an index");
        }
        manifest = m;
    }

    // ------------------------------------------------------------------ commit

    @Override
    public void commit(RawManifest unparsedTopLevel) throws IOException {
        if (manifest == null) {
            throw new IllegalStateException("commit without putManifest");
        }
        Digest manifestDigest = Digest.sha256(manifest.bytes());
        byte[] top = unparsedTopLevel == null ? manifest.bytes() : unparsedTopLevel.bytes();
        DockerReference named = resolved.named();
        if (named != null && named.digest() != null && !named.digest().equals(manifestDigest)
                && !named.digest().equals(Digest.sha256(top))) {
            throw new InvalidArgumentException("Manifest to be saved does not match expected digest " + named.digest());
        }
        OciDocument.Manifest m = (OciDocument.Manifest) manifest.parse();
        int n = m.layers().size();
        for (int i = 0; i < n; i++) {
            if (!layerIds.containsKey(i)) {
                throw new IllegalStateException("Internal error: layer " + i + " hasn't been committed");
            }
        }
        String topLayer = n == 0 ? null : layerIds.get(n - 1);
        if (config == null || !configDescriptor.digest().equals(m.config().digest())) {
            throw new IllegalStateException("Internal error: commit without the config " + m.config().digest());
        }
        settle(); // every layer complete (synced) before an image may name them
        String id = resolved.id() != null ? resolved.id() : m.config().digest().hex();
        String metadata = "{\"signatures-sizes\":{\"" + manifestDigest + "\":[]}}";

        boolean created = false;
        Image existing = imageById(id);
        if (existing == null) {
            ImageOptions o = ImageOptions.of(topLayer).withId(id).withMetadata(metadata).withCreated(createdOf(config));
            try {
                store.createImage(o);
                created = true;
            } catch (AlreadyExistsException e) {
                existing = imageById(id);
                if (existing == null) {
                    throw e;
                }
            }
        }
        if (existing != null && !java.util.Objects.equals(emptyToNull(existing.topLayer()), topLayer)) {
            throw new AlreadyExistsException("image with ID \"" + id + "\" already exists, but uses a different top layer:"
                    + " that ID is already in use");
        }
        boolean done = false;
        try {
            store.setImageBigData(id, m.config().digest().toString(), config);
            if (!Arrays.equals(top, manifest.bytes())) {
                store.setImageBigData(id, "manifest-" + Digest.sha256(top), top);
            }
            store.setImageBigData(id, "manifest-" + manifestDigest, manifest.bytes());
            store.setImageBigData(id, "manifest", manifest.bytes());
            // skopeo 1.9.3 always puts the (here empty) signatures of the manifest: an empty item
            store.setImageBigData(id, "signature-" + manifestDigest.hex(), new byte[0]);
            store.setMetadata(Store.Kind.IMAGE, id, metadata);
            if (named != null) {
                store.addNamesFirst(Store.Kind.IMAGE, id, List.of(named.toString()));
            }
            done = true;
        } finally {
            if (!done && created) {
                try {
                    store.deleteImage(id, true);
                } catch (IOException | RuntimeException cleanup) {
                    // the original failure is what matters; the image stays without names
                }
            }
        }
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private Image imageById(String id) throws IOException {
        try {
            Image i = store.image(id);
            return i.id().equals(id) ? i : null;
        } catch (NotFoundException e) {
            return null;
        }
    }

    /** The config's {@code created}, as upstream's manifest Inspect reads it; null (now) when absent or unreadable. */
    static OffsetDateTime createdOf(byte[] config) {
        try {
            JsonNode c = JSON.readTree(config);
            JsonNode created = c == null ? null : c.get("created");
            if (created == null || !created.isTextual()) {
                return null;
            }
            return OffsetDateTime.parse(created.asText());
        } catch (IOException | DateTimeParseException e) {
            return null;
        }
    }

    /**
     * Nothing staged on disk: layers are created as they arrive, the rest lives in memory until commit. A layer
     * whose sync is still behind (a copy that failed after it) is finished here, so a rerun reuses it.
     */
    @Override
    public void close() throws IOException {
        settle();
    }

    /** Every layer stored here marked complete (its sync done), then the partials of their bytes deleted. */
    private void settle() throws IOException {
        try {
            store.flush();
        } finally {
            synchronized (unsettled) {
                for (PartialLayer p : unsettled) {
                    p.delete();
                }
                unsettled.clear();
            }
        }
    }
}
