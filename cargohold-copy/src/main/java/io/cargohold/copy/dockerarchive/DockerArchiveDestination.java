package io.cargohold.copy.dockerarchive;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cargohold.copy.CopyBlob;
import io.cargohold.copy.ImageDestination;
import io.cargohold.copy.ImageReference;
import io.cargohold.copy.RawManifest;
import io.cargohold.copy.storage.DockerReference;
import io.cargohold.digest.Digest;
import io.cargohold.digest.DigestAlgorithm;
import io.cargohold.digest.DigestingInputStream;
import io.cargohold.errors.AlreadyExistsException;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.FailedPreconditionException;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.fs.Fsync;
import io.cargohold.oci.Descriptor;
import io.cargohold.oci.MediaTypes;
import io.cargohold.oci.OciDocument;
import io.cargohold.oci.OciParser;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes a {@code docker save} compatible archive as containers/image's {@code docker/internal/tarfile}
 * Writer: {@code <hex>.tar} layers (uncompressed), {@code <hex>.json} config, the legacy
 * {@code <id>/{layer.tar,VERSION,json}} entries, then at commit {@code manifest.json} (Config,
 * RepoTags, Layers) and {@code repositories}. Everything goes to a temp file beside the target, which
 * is put in place at commit (never a half archive); a target that is a non-empty file is refused,
 * as upstream ("docker-archive doesn't support modifying existing images").
 */
final class DockerArchiveDestination implements ImageDestination {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DockerArchiveTransport.Ref ref;
    private final Path target;
    private final Path tmp;
    private final TarArchiveOutputStream tar;
    private final Map<Digest, Long> written = new HashMap<>();
    private final Map<Digest, byte[]> configs = new HashMap<>();
    private final Map<String, Map<String, String>> repositories = new TreeMap<>();
    private final List<Map<String, Object>> manifest = new ArrayList<>();
    private final java.util.Set<String> legacyLayers = new java.util.HashSet<>();
    private boolean committed;
    private boolean closed;

    private DockerArchiveDestination(DockerArchiveTransport.Ref ref, Path target, Path tmp) throws IOException {
        this.ref = ref;
        this.target = target;
        this.tmp = tmp;
        this.tar = new TarArchiveOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), 1 << 16));
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    static DockerArchiveDestination create(DockerArchiveTransport.Ref ref) throws IOException {
        Path target = ref.path().toAbsolutePath();
        refuseExisting(target);
        if (!Files.isDirectory(target.getParent())) {
            throw new NotFoundException("opening file \"" + ref.path() + "\": no such directory: " + target.getParent());
        }
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        return new DockerArchiveDestination(ref, target, tmp);
    }

    private static void refuseExisting(Path target) throws IOException {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new InvalidArgumentException("docker-archive: " + target + " exists and is not a regular file");
            }
            if (Files.size(target) != 0) {
                throw new AlreadyExistsException("docker-archive doesn't support modifying existing images: " + target + " exists");
            }
        }
    }

    @Override
    public ImageReference reference() {
        return ref;
    }

    @Override
    public LayerCompression desiredLayerCompression() {
        return LayerCompression.DECOMPRESS;
    }

    /** Docker schema 2, and OCI manifests too: the archive keeps only the config and layers, so either type works. */
    @Override
    public boolean supportsManifestType(String mediaType, boolean topLevel) {
        return MediaTypes.isManifest(mediaType);
    }

    @Override
    public boolean supportsIndex() {
        return false;
    }

    @Override
    public synchronized Optional<Descriptor> tryReuse(CopyBlob blob) {
        Descriptor d = blob.descriptor();
        if (d.digest() == null || !written.containsKey(d.digest())) {
            return Optional.empty();
        }
        return Optional.of(resized(d, d.digest(), written.get(d.digest())));
    }

    @Override
    public Descriptor putBlob(InputStream content, CopyBlob blob) throws IOException {
        Descriptor d = blob.descriptor();
        if (blob.kind() == CopyBlob.Kind.CONFIG) {
            byte[] config = content.readNBytes(OciParser.MAX_DOCUMENT + 1);
            if (config.length > OciParser.MAX_DOCUMENT) {
                throw new CorruptException(ref.string() + ": config " + d.digest() + " is larger than " + OciParser.MAX_DOCUMENT + " bytes");
            }
            Digest actual = Digest.sha256(config);
            if (d.digest() != null && !d.digest().equals(actual)) {
                throw new CorruptException(ref.string() + ": config " + d.digest() + " hashes to " + actual);
            }
            synchronized (this) {
                configs.put(actual, config);
                if (!written.containsKey(actual)) {
                    sendFile(actual.hex() + ".json", config.length, new ByteArrayInputStream(config));
                    written.put(actual, (long) config.length);
                }
            }
            return resized(d, actual, config.length);
        }
        if (d.digest() != null && d.digest().algorithm() == DigestAlgorithm.SHA256 && d.size() >= 0) {
            synchronized (this) {
                if (!written.containsKey(d.digest())) {
                    DigestingInputStream in = new DigestingInputStream(content, DigestAlgorithm.SHA256);
                    sendFile(d.digest().hex() + ".tar", d.size(), in);
                    if (!in.digest().equals(d.digest())) {
                        throw new CorruptException(ref.string() + ": layer " + d.digest() + " hashes to " + in.digest());
                    }
                    written.put(d.digest(), d.size());
                }
            }
            return d;
        }
        // Size (or a sha256 digest) unknown: a decompressed layer. Spool it, as upstream does, then add it.
        Path spool = target.resolveSibling("." + target.getFileName() + ".layer-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            DigestingInputStream in = new DigestingInputStream(content, DigestAlgorithm.SHA256);
            try (OutputStream out = Files.newOutputStream(spool, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                in.transferTo(out);
            }
            Digest actual = in.digest();
            long size = in.count();
            if (d.digest() != null && d.digest().algorithm() == DigestAlgorithm.SHA256 && !d.digest().equals(actual)) {
                throw new CorruptException(ref.string() + ": layer " + blob.original().digest() + " decompresses to " + actual
                        + ", its config says " + d.digest());
            }
            synchronized (this) {
                if (!written.containsKey(actual)) {
                    try (InputStream s = Files.newInputStream(spool)) {
                        sendFile(actual.hex() + ".tar", size, s);
                    }
                    written.put(actual, size);
                }
            }
            return resized(d, actual, size);
        } finally {
            Files.deleteIfExists(spool);
        }
    }

    private static Descriptor resized(Descriptor d, Digest digest, long size) {
        return new Descriptor(d.mediaType(), digest, size, d.urls(), d.annotations(), d.platform(), d.artifactType());
    }

    private void sendFile(String name, long size, InputStream content) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(0444);
        e.setSize(size);
        e.setModTime(0);
        tar.putArchiveEntry(e);
        long n = content.transferTo(tar);
        if (n != size) {
            throw new CorruptException(ref.string() + ": Size mismatch when copying " + name + ", expected " + size + ", got " + n);
        }
        tar.closeArchiveEntry();
    }

    private void sendSymlink(String name, String linkTarget) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
        e.setLinkName(linkTarget);
        e.setMode(0);
        e.setModTime(0);
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    @Override
    public synchronized void putManifest(RawManifest m, boolean topLevel) throws IOException {
        if (!topLevel || m.isIndex()) {
            throw new InvalidArgumentException("Manifest lists are not supported for docker tar files");
        }
        OciDocument doc = m.parse();
        if (!(doc instanceof OciDocument.Manifest man)) {
            throw new InvalidArgumentException("Unsupported manifest type, need a Docker schema 2 manifest");
        }
        byte[] config = configs.get(man.config().digest());
        if (config == null) {
            throw new FailedPreconditionException(ref.string() + ": the manifest names config " + man.config().digest()
                    + ", which was not written");
        }
        List<Digest> layers = new ArrayList<>();
        for (Descriptor l : man.layers()) {
            if (!written.containsKey(l.digest())) {
                throw new FailedPreconditionException(ref.string() + ": the manifest names layer " + l.digest() + ", which was not written");
            }
            layers.add(l.digest());
        }
        writeLegacyMetadata(layers, config);
        List<String> paths = layers.stream().map(d -> d.hex() + ".tar").toList();
        String configPath = man.config().digest().hex() + ".json";
        Map<String, Object> item = null;
        for (Map<String, Object> existing : manifest) {
            if (existing.get("Config").equals(configPath)) {
                item = existing;
            }
        }
        if (item == null) {
            item = new LinkedHashMap<>();
            item.put("Config", configPath);
            item.put("RepoTags", new ArrayList<String>());
            item.put("Layers", paths);
            manifest.add(item);
        }
        @SuppressWarnings("unchecked")
        List<String> tags = (List<String>) item.get("RepoTags");
        if (ref.tag() != null && !tags.contains(ref.tag())) {
            tags.add(ref.tag());
        }
    }

    /** upstream's writeLegacyMetadataLocked: one legacy layer directory per layer, IDs chained as docker does. */
    private void writeLegacyMetadata(List<Digest> layers, byte[] config) throws IOException {
        Digest chainId = null;
        String lastLayerId = "";
        Map<String, String> rawConfig = layers.isEmpty() ? Map.of() : GoJson.rawMembers(config);
        for (int i = 0; i < layers.size(); i++) {
            Digest l = layers.get(i);
            Map<String, String> layerConfig = new TreeMap<>();
            if (!lastLayerId.isEmpty()) {
                layerConfig.put("parent", GoJson.quote(lastLayerId));
            }
            if (i == layers.size() - 1) {
                for (String attr : List.of("architecture", "config", "container", "container_config", "created", "docker_version", "os")) {
                    layerConfig.put(attr, rawConfig.getOrDefault(attr, "null"));
                }
            }
            chainId = chainId == null ? l : Digest.sha256((chainId + " " + l).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            layerConfig.put("layer_id", GoJson.quote(chainId.toString()));
            String layerId = Digest.sha256(GoJson.object(layerConfig)).hex();
            layerConfig.remove("layer_id");
            layerConfig.put("id", GoJson.quote(layerId));
            if (legacyLayers.add(layerId)) {
                sendSymlink(layerId + "/layer.tar", "../" + l.hex() + ".tar");
                byte[] version = "1.0".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                sendFile(layerId + "/VERSION", version.length, new ByteArrayInputStream(version));
                byte[] json = GoJson.object(layerConfig);
                sendFile(layerId + "/json", json.length, new ByteArrayInputStream(json));
            }
            lastLayerId = layerId;
        }
        if (!lastLayerId.isEmpty() && ref.tag() != null) {
            DockerReference named = DockerReference.parseNormalized(ref.tag());
            repositories.computeIfAbsent(named.name(), k -> new TreeMap<>()).put(named.tag(), lastLayerId);
        }
    }

    @Override
    public synchronized void commit(RawManifest unparsedTopLevel) throws IOException {
        if (manifest.isEmpty()) {
            throw new FailedPreconditionException(ref.string() + ": commit before the manifest was put");
        }
        byte[] m = JSON.writeValueAsBytes(manifest);
        sendFile("manifest.json", m.length, new ByteArrayInputStream(m));
        byte[] r = JSON.writeValueAsBytes(repositories);
        sendFile("repositories", r.length, new ByteArrayInputStream(r));
        tar.finish();
        tar.close();
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        place();
        committed = true;
        Fsync.directory(target.getParent());
    }

    /** Puts the finished archive in place without ever replacing a non-empty file (link, then unlink). */
    private void place() throws IOException {
        refuseExisting(target);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING); // empty: upstream writes into it
            return;
        }
        try {
            Files.createLink(target, tmp);
        } catch (FileAlreadyExistsException e) {
            throw new AlreadyExistsException("docker-archive doesn't support modifying existing images: " + target + " exists", e);
        }
        Files.delete(tmp);
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (!committed) {
            try {
                tar.close();
            } catch (IOException ignored) {
                // the temp file goes anyway
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
