package io.cargohold.copy.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cargohold.copy.ImageReference;
import io.cargohold.copy.ImageSource;
import io.cargohold.copy.RawManifest;
import io.cargohold.copy.internal.ChunkPipe;
import io.cargohold.digest.Digest;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.oci.Descriptor;
import io.cargohold.oci.MediaTypes;
import io.cargohold.oci.OciDocument;
import io.cargohold.storage.Image;
import io.cargohold.storage.Layer;
import io.cargohold.storage.Store;
import io.cargohold.storage.archive.Compression;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an image from a containers-storage store as containers/image v5.23's
 * {@code storageImageSource} does: the manifest from its big-data items ({@code manifest-<digest>}
 * when the reference names a digest, else {@code manifest}), the config from its item, and layers as
 * what the store really has, their uncompressed diffs: {@link #layerForCopy} answers with an
 * uncompressed descriptor (digest = the layer record's diff digest = the DiffID, size = its diff size)
 * and {@link #blob} streams the layer's diff, reassembled byte for byte. The image's layers are its
 * top layer and that layer's parents, base first, checked against the config's diff_ids.
 */
final class StorageImageSource implements ImageSource {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StorageReference reference;
    private final StorageReference.Resolved resolved;
    private final Store store;
    private final Image image;
    private RawManifest manifest;
    /** The image's layers, base first, checked against the config's diff_ids; null until first needed. */
    private List<Layer> chain;

    private StorageImageSource(StorageReference reference, StorageReference.Resolved resolved, Store store, Image image) {
        this.reference = reference;
        this.resolved = resolved;
        this.store = store;
        this.image = image;
    }

    static StorageImageSource open(StorageReference reference, Store store, StorageReference.Resolved resolved) throws IOException {
        return new StorageImageSource(reference, resolved, store, resolveImage(reference, store, resolved));
    }

    /** Upstream's storageReference.resolveImage: by name, then by digest among images of that repository, then by ID. */
    private static Image resolveImage(StorageReference reference, Store store, StorageReference.Resolved r) throws IOException {
        DockerReference named = r.named();
        String id = r.id();
        Image loaded = null;
        if (id == null && named != null) {
            loaded = imageOrNull(store, named.toString());
            if (loaded != null) {
                id = loaded.id();
            }
        }
        if (id == null && named != null && named.digest() != null) {
            for (Image i : store.imagesByDigest(named.digest().toString())) {
                if (matchesRepo(i, named)) {
                    loaded = i;
                    id = i.id();
                    break;
                }
            }
        }
        if (id == null) {
            throw new NotFoundException("reference \"" + reference.withinTransport() + "\" does not resolve to an image ID:"
                    + " identifier is not an image");
        }
        if (loaded == null) {
            loaded = imageOrNull(store, id);
            if (loaded == null || !loaded.id().equals(id)) {
                throw new NotFoundException("reading image \"" + id + "\": image not known");
            }
        }
        if (named != null && !matchesRepo(loaded, named)) {
            throw new NotFoundException("no image matching reference \"" + reference.withinTransport() + "\" found:"
                    + " identifier is not an image");
        }
        return loaded;
    }

    /** Whether one of the image's names is in the reference's repository. */
    private static boolean matchesRepo(Image image, DockerReference ref) {
        for (String name : image.names()) {
            try {
                if (DockerReference.parseNormalizedNamed(name).name().equals(ref.name())) {
                    return true;
                }
            } catch (InvalidArgumentException e) {
                // a name that is not a reference matches nothing
            }
        }
        return false;
    }

    private static Image imageOrNull(Store store, String key) throws IOException {
        try {
            return store.image(key);
        } catch (NotFoundException e) {
            return null;
        }
    }

    @Override
    public ImageReference reference() {
        return reference;
    }

    @Override
    public RawManifest manifest() throws IOException {
        if (manifest == null) {
            byte[] b = null;
            DockerReference named = resolved.named();
            if (named != null && named.digest() != null) {
                b = item("manifest-" + named.digest());
            }
            if (b == null) {
                b = item("manifest");
            }
            if (b == null) {
                throw new NotFoundException(reference.string() + ": image " + image.id() + " has no manifest");
            }
            manifest = RawManifest.of(b, guessMediaType(b));
        }
        return manifest;
    }

    @Override
    public RawManifest manifest(Descriptor instance) throws IOException {
        byte[] b = item("manifest-" + instance.digest());
        if (b == null) {
            throw new NotFoundException("reading manifest for image instance \"" + instance.digest() + "\": image "
                    + image.id() + " has no item \"manifest-" + instance.digest() + "\" (only the instance pulled is stored)");
        }
        return RawManifest.of(b, instance.mediaType() != null ? instance.mediaType() : guessMediaType(b));
    }

    private byte[] item(String key) throws IOException {
        try {
            return store.imageBigData(image.id(), key);
        } catch (NotFoundException e) {
            return null;
        }
    }

    @Override
    public Descriptor layerForCopy(Descriptor layer, Digest diffId) throws IOException {
        if (diffId == null) {
            return null;
        }
        for (Layer l : chain()) {
            if (diffId.toString().equals(l.uncompressedDigest())) {
                if (l.uncompressedSize() < 0) {
                    throw new CorruptException(reference.string() + ": uncompressed size for layer \"" + l.id() + "\" is unknown");
                }
                String type = layer.mediaType() != null && layer.mediaType().startsWith("application/vnd.docker.")
                        ? MediaTypes.DOCKER_LAYER : MediaTypes.OCI_LAYER;
                return new Descriptor(type, diffId, l.uncompressedSize(), null, null, null, null);
            }
        }
        throw new CorruptException(reference.string() + ": image " + image.id() + " has no layer with diff digest " + diffId);
    }

    /**
     * The top layer and its parents, base first; their diff digests must be the config's diff_ids in
     * order (the config of the per-platform manifest the image was stored with).
     */
    private List<Layer> chain() throws IOException {
        if (chain != null) {
            return chain;
        }
        List<Layer> out = new ArrayList<>();
        String id = image.topLayer();
        while (id != null && !id.isEmpty()) {
            Layer l;
            try {
                l = store.layer(id);
            } catch (NotFoundException e) {
                throw new NotFoundException("reading layer \"" + id + "\" in image \"" + image.id() + "\": layer not known", e);
            }
            if (l.uncompressedDigest() == null || l.uncompressedDigest().isEmpty()) {
                throw new CorruptException("uncompressed digest for layer \"" + id + "\" is unknown");
            }
            out.addFirst(l);
            id = l.parent();
        }
        List<String> diffIds = configDiffIds();
        List<String> have = out.stream().map(Layer::uncompressedDigest).toList();
        if (diffIds != null && !diffIds.equals(have)) {
            throw new CorruptException(reference.string() + ": the layers of image " + image.id() + " (diff digests " + have
                    + ", base first) are not its config's diff_ids " + diffIds);
        }
        chain = out;
        return chain;
    }

    /** rootfs.diff_ids of the config of the image's own manifest ({@code manifest}); null when there is none. */
    private List<String> configDiffIds() throws IOException {
        RawManifest m = manifest();
        if (m.isIndex()) {
            byte[] b = item("manifest");
            if (b == null) {
                return null;
            }
            m = RawManifest.of(b, guessMediaType(b));
        }
        if (!(m.parse() instanceof OciDocument.Manifest man)) {
            return null;
        }
        byte[] config = item(man.config().digest().toString());
        if (config == null) {
            return null;
        }
        JsonNode ids = JSON.readTree(config).path("rootfs").path("diff_ids");
        if (!ids.isArray()) {
            return null;
        }
        List<String> out = new ArrayList<>();
        ids.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Override
    public InputStream blob(Descriptor d) throws IOException {
        String digest = d.digest().toString();
        String layerId = null;
        for (Layer l : chain()) {
            if (digest.equals(l.uncompressedDigest())) {
                layerId = l.id();
                break;
            }
        }
        if (layerId == null) {
            List<Layer> any = store.layersByUncompressedDigest(digest);
            if (!any.isEmpty()) {
                layerId = any.getFirst().id();
            }
        }
        if (layerId != null) {
            String id = layerId;
            return ChunkPipe.start(out -> store.diff(null, id, Compression.NONE, out), "containers-storage diff " + id);
        }
        byte[] b = item(digest);
        if (b == null) {
            throw new NotFoundException(reference.string() + ": blob " + digest + " is not in image " + image.id()
                    + " (containers-storage keeps layers as uncompressed diffs, named by their DiffIDs)");
        }
        return new ByteArrayInputStream(b);
    }

    /** containers/image's manifest.GuessMIMEType, for the schema 2 and OCI documents stored here. */
    static String guessMediaType(byte[] b) {
        try {
            JsonNode n = JSON.readTree(b);
            if (n == null || !n.isObject()) {
                return "";
            }
            if (n.hasNonNull("mediaType")) {
                return n.get("mediaType").asText();
            }
            if (n.path("schemaVersion").asInt() == 1) {
                return n.has("signatures") ? "application/vnd.docker.distribution.manifest.v1+prettyjws"
                        : "application/vnd.docker.distribution.manifest.v1+json";
            }
            if (n.has("manifests")) {
                return MediaTypes.OCI_INDEX;
            }
            if (MediaTypes.DOCKER_CONFIG.equals(n.path("config").path("mediaType").asText())) {
                return MediaTypes.DOCKER_MANIFEST;
            }
            return MediaTypes.OCI_MANIFEST;
        } catch (IOException e) {
            return "";
        }
    }
}
