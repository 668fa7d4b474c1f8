package io.cargohold.copy.dockerarchive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cargohold.copy.CopyContext;
import io.cargohold.copy.ImageReference;
import io.cargohold.copy.ImageSource;
import io.cargohold.copy.RawManifest;
import io.cargohold.copy.internal.TarIndex;
import io.cargohold.copy.storage.DockerReference;
import io.cargohold.digest.Digest;
import io.cargohold.errors.CargoholdException;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.oci.Descriptor;
import io.cargohold.oci.MediaTypes;
import io.cargohold.oci.OciParser;
import io.cargohold.storage.archive.Compression;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One image of a docker-archive, as containers/image's {@code docker/internal/tarfile.Source}: the
 * config file's bytes, and a Docker schema 2 manifest (serialised as Go does) whose layers are the
 * archive's layer files uncompressed, named by their DiffIDs. The engine verifies every layer against
 * its DiffID as it reads it. One deliberate difference: upstream labels these uncompressed layers
 * {@code …rootfs.diff.tar.gzip} (its {@code DockerV2Schema2LayerMediaType}) and sniffs compression
 * from the bytes; our engine goes by media type, so they are labelled {@code …rootfs.diff.tar}, and
 * the manifest's digest differs from the one {@code skopeo inspect} reports (config and DiffIDs do not).
 */
final class DockerArchiveSource implements ImageSource {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Layer(String path, long size, Compression compression) {
    }

    private final DockerArchiveTransport.Ref ref;
    private final TarIndex tar;
    private final byte[] config;
    private final Digest configDigest;
    private final Map<Digest, Layer> layers;
    private final byte[] manifest;

    private DockerArchiveSource(DockerArchiveTransport.Ref ref, TarIndex tar, byte[] config, Map<Digest, Layer> layers,
                                byte[] manifest) {
        this.ref = ref;
        this.tar = tar;
        this.config = config;
        this.configDigest = Digest.sha256(config);
        this.layers = layers;
        this.manifest = manifest;
    }

    static DockerArchiveSource open(DockerArchiveTransport.Ref ref, CopyContext context) throws IOException {
        String what = "docker archive " + ref.path();
        TarIndex tar = TarIndex.open(ref.path(), what, context.tmpDir());
        try {
            DockerArchiveTransport.Item item = choose(readItems(tar), ref);
            byte[] config = tar.read(item.config(), OciParser.MAX_DOCUMENT);
            JsonNode c;
            try {
                c = JSON.readTree(config);
            } catch (IOException e) {
                throw new CorruptException(what + ": decoding tar config " + item.config() + ": " + e.getMessage(), e);
            }
            JsonNode ids = c == null ? null : c.get("rootfs");
            if (ids == null || !ids.isObject()) {
                throw new CorruptException(what + ": Invalid image config (rootFS is not set): " + item.config());
            }
            // Stricter than skopeo 1.9.3 (which only needs rootfs): a config that is not an image
            // config (another document, rootfs of another kind, no platform) is refused, not stored.
            if (!"layers".equals(ids.path("type").asText(null)) || !ids.path("diff_ids").isArray()) {
                throw new CorruptException(what + ": " + item.config() + " is not an image config: rootfs must have type \"layers\" and a diff_ids list");
            }
            if (!c.path("architecture").isTextual() || !c.path("os").isTextual()) {
                throw new CorruptException(what + ": " + item.config() + " is not an image config: it names no architecture and os");
            }
            List<Digest> diffIds = new ArrayList<>();
            for (JsonNode id : ids.path("diff_ids")) {
                try {
                    diffIds.add(Digest.parse(id.asText()));
                } catch (InvalidArgumentException e) {
                    throw new CorruptException(what + ": config " + item.config() + " has a bad diff_id " + id, e);
                }
            }
            if (item.layers().size() != diffIds.size()) {
                throw new CorruptException(what + ": Inconsistent layer count: " + item.layers().size() + " in manifest, "
                        + diffIds.size() + " in config");
            }
            Map<Digest, Layer> layers = new LinkedHashMap<>();
            Map<String, Digest> byPath = new HashMap<>();
            for (int i = 0; i < diffIds.size(); i++) {
                Digest id = diffIds.get(i);
                if (layers.containsKey(id)) {
                    continue;
                }
                String path = TarIndex.clean(item.layers().get(i));
                if (byPath.containsKey(path)) {
                    throw new CorruptException(what + ": Layer tarfile " + path + " used for two different DiffID values");
                }
                byPath.put(path, id);
                layers.put(id, measure(tar, path));
            }
            byte[] manifest = schema2(config, diffIds, diffIds.stream().map(d -> layers.get(d).size()).toList());
            return new DockerArchiveSource(ref, tar, config, layers, manifest);
        } catch (IOException | RuntimeException e) {
            tar.close();
            throw e;
        }
    }

    /** A layer file's compression and uncompressed size (read through once when compressed, as upstream). */
    private static Layer measure(TarIndex tar, String path) throws IOException {
        Compression c;
        try (InputStream in = tar.open(path)) {
            byte[] magic = in.readNBytes(8);
            c = Compression.detect(magic, magic.length);
        }
        if (c == Compression.NONE) {
            return new Layer(path, tar.size(path), c);
        }
        try (InputStream in = c.decompress(new BufferedInputStream(tar.open(path), 1 << 16))) {
            return new Layer(path, in.transferTo(OutputStream.nullOutputStream()), c);
        } catch (CargoholdException e) {
            throw e;
        } catch (IOException e) {
            throw new CorruptException("docker archive " + tar.file() + ": auto-decompressing " + path + " to determine its size: "
                    + e.getMessage(), e);
        }
    }

    static List<DockerArchiveTransport.Item> readItems(TarIndex tar) throws IOException {
        String what = "docker archive " + tar.file();
        if (!tar.has("manifest.json")) {
            throw new CorruptException(what + " has no manifest.json");
        }
        JsonNode root;
        try {
            root = JSON.readTree(tar.read("manifest.json", OciParser.MAX_DOCUMENT));
        } catch (CargoholdException e) {
            throw e;
        } catch (IOException e) {
            throw new CorruptException(what + ": decoding tar manifest.json: " + e.getMessage(), e);
        }
        if (root == null || !root.isArray()) {
            throw new CorruptException(what + ": decoding tar manifest.json: not an array");
        }
        List<DockerArchiveTransport.Item> items = new ArrayList<>();
        for (JsonNode e : root) {
            JsonNode config = e.get("Config");
            if (config == null || !config.isTextual()) {
                throw new CorruptException(what + ": manifest.json item @" + items.size() + " has no Config");
            }
            List<String> tags = new ArrayList<>();
            for (JsonNode t : e.path("RepoTags")) {
                tags.add(t.asText());
            }
            List<String> ls = new ArrayList<>();
            for (JsonNode l : e.path("Layers")) {
                if (!l.isTextual()) {
                    throw new CorruptException(what + ": manifest.json item @" + items.size() + " has a bad layer " + l);
                }
                ls.add(l.textValue());
            }
            items.add(new DockerArchiveTransport.Item(items.size(), config.textValue(), tags, ls));
        }
        return items;
    }

    /** upstream's ChooseManifestItem. */
    private static DockerArchiveTransport.Item choose(List<DockerArchiveTransport.Item> items, DockerArchiveTransport.Ref ref)
            throws IOException {
        String what = "docker archive " + ref.path();
        if (ref.tag() != null) {
            for (DockerArchiveTransport.Item item : items) {
                for (String tag : item.repoTags()) {
                    String normalized;
                    try {
                        normalized = DockerReference.parseNormalized(tag).toString();
                    } catch (InvalidArgumentException e) {
                        throw new CorruptException(what + ": Invalid tag \"" + tag + "\" in manifest.json item @" + item.index()
                                + ": " + e.getMessage(), e);
                    }
                    if (normalized.equals(ref.tag())) {
                        return item;
                    }
                }
            }
            throw new NotFoundException(what + ": Tag \"" + ref.tag() + "\" not found");
        }
        if (ref.sourceIndex() >= 0) {
            if (ref.sourceIndex() >= items.size()) {
                throw new NotFoundException(what + ": Invalid source index @" + ref.sourceIndex() + ", only " + items.size()
                        + " manifest items available");
            }
            return items.get(ref.sourceIndex());
        }
        if (items.size() != 1) {
            throw new InvalidArgumentException(what + ": Unexpected tar manifest.json: expected 1 item, got " + items.size()
                    + " (name one as docker-archive:FILE:NAME:TAG or :@N)");
        }
        return items.getFirst();
    }

    /**
     * The manifest upstream generates, in Go's struct field order (schemaVersion, mediaType, config,
     * layers; in a descriptor mediaType, size, digest), written by Jackson from ordered maps; the layers'
     * media type is the honest uncompressed one where upstream says gzip.
     */
    static byte[] schema2(byte[] config, List<Digest> diffIds, List<Long> sizes) {
        List<Map<String, Object>> layerDescriptors = new ArrayList<>();
        for (int i = 0; i < diffIds.size(); i++) {
            layerDescriptors.add(descriptor(MediaTypes.DOCKER_LAYER, sizes.get(i), diffIds.get(i)));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schemaVersion", 2);
        m.put("mediaType", MediaTypes.DOCKER_MANIFEST);
        m.put("config", descriptor(MediaTypes.DOCKER_CONFIG, config.length, Digest.sha256(config)));
        m.put("layers", layerDescriptors);
        try {
            return JSON.writeValueAsBytes(m);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e); // maps of strings and numbers always serialise
        }
    }

    private static Map<String, Object> descriptor(String mediaType, long size, Digest digest) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("mediaType", mediaType);
        d.put("size", size);
        d.put("digest", digest.toString());
        return d;
    }

    @Override
    public ImageReference reference() {
        return ref;
    }

    @Override
    public RawManifest manifest() {
        return RawManifest.of(manifest, MediaTypes.DOCKER_MANIFEST);
    }

    @Override
    public RawManifest manifest(Descriptor instance) throws IOException {
        throw new InvalidArgumentException("Manifest lists are not supported by \"docker-archive:\"");
    }

    @Override
    public InputStream blob(Descriptor d) throws IOException {
        if (d.digest().equals(configDigest)) {
            return new ByteArrayInputStream(config);
        }
        Layer l = layers.get(d.digest());
        if (l == null) {
            throw new NotFoundException(ref.string() + ": Unknown blob " + d.digest());
        }
        InputStream raw = tar.open(l.path());
        return l.compression() == Compression.NONE ? raw : l.compression().decompress(new BufferedInputStream(raw, 1 << 16));
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }
}
