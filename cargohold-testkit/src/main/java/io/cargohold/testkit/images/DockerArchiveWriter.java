package io.cargohold.testkit.images;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes a docker-archive tar as {@code docker save} writes it: {@code <diffid-hex>/layer.tar} per
 * layer (uncompressed, each once), the config as {@code <config-hex>.json}, and {@code manifest.json}
 * ({@code [{"Config":..., "RepoTags":["name:tag"], "Layers":["<hex>/layer.tar", ...]}]}).
 *
 * <pre>{@code
 * WrittenDockerArchive a = new DockerArchiveWriter(file).add(image, "app:latest").write();
 * }</pre>
 */
public final class DockerArchiveWriter {
    private record Entry(Image image, List<String> repoTags) {}

    private final Path file;
    private final List<Entry> images = new ArrayList<>();

    public DockerArchiveWriter(Path file) {
        this.file = file;
    }

    /** Adds an image (OCI or Docker media types; layers go in uncompressed) with its {@code name:tag}s. */
    public DockerArchiveWriter add(Image image, String... repoTags) {
        images.add(new Entry(image, List.of(repoTags)));
        return this;
    }

    public WrittenDockerArchive write() throws IOException {
        if (images.isEmpty()) {
            throw new IllegalStateException("no image added");
        }
        FileTime mtime = FileTime.from(LayerBuilder.DEFAULT_MTIME);
        List<Object> manifest = new ArrayList<>();
        List<WrittenDockerArchive.ArchivedImage> result = new ArrayList<>();
        Set<String> writtenPaths = new HashSet<>();
        try (OutputStream f = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(f, 10240, StandardCharsets.UTF_8.name())) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Entry e : images) {
                Image img = e.image();
                List<String> layerPaths = new ArrayList<>();
                List<Descriptor> layers = new ArrayList<>();
                for (Layer l : img.layerSources()) {
                    String hex = Digests.hex(l.diffId());
                    String path = hex + "/layer.tar";
                    layerPaths.add(path);
                    layers.add(new Descriptor(MediaTypes.DOCKER_LAYER, l.diffId(), l.tar().size()));
                    if (writtenPaths.add(path)) {
                        TarArchiveEntry d = entry(hex + "/", TarConstants.LF_DIR, 0755, mtime);
                        tar.putArchiveEntry(d);
                        tar.closeArchiveEntry();
                        TarArchiveEntry t = entry(path, TarConstants.LF_NORMAL, 0644, mtime);
                        t.setSize(l.tar().size());
                        tar.putArchiveEntry(t);
                        try (InputStream in = l.tar().open()) {
                            in.transferTo(tar);
                        }
                        tar.closeArchiveEntry();
                    }
                }
                String configPath = img.config().hex() + ".json";
                if (writtenPaths.add(configPath)) {
                    putFile(tar, configPath, img.configJson(), mtime);
                }
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("Config", configPath);
                item.put("RepoTags", e.repoTags());
                item.put("Layers", layerPaths);
                manifest.add(item);
                Descriptor config = new Descriptor(MediaTypes.DOCKER_CONFIG, img.config().digest(), img.config().size());
                result.add(new WrittenDockerArchive.ArchivedImage(e.repoTags(), configPath, config, layerPaths, layers,
                        img.diffIds(), syntheticManifestDigest(config, layers)));
            }
            putFile(tar, "manifest.json", Json.write(manifest), mtime);
            tar.finish();
        }
        return new WrittenDockerArchive(file, Files.size(file), result);
    }

    /**
     * The digest containers/image (skopeo) reports for an image of a docker-archive: it has no
     * manifest, so skopeo makes a Docker schema 2 manifest from the config and the uncompressed
     * layers (their media type nevertheless the gzip one) and hashes Go's JSON of it.
     */
    static String syntheticManifestDigest(Descriptor config, List<Descriptor> layers) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schemaVersion", 2);
        m.put("mediaType", MediaTypes.DOCKER_MANIFEST);
        m.put("config", goDescriptor(MediaTypes.DOCKER_CONFIG, config));
        m.put("layers", layers.stream().map(l -> goDescriptor(MediaTypes.DOCKER_LAYER_GZIP, l)).toList());
        return Digests.sha256(Json.write(m));
    }

    private static Map<String, Object> goDescriptor(String mediaType, Descriptor d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mediaType", mediaType);
        m.put("size", d.size());
        m.put("digest", d.digest());
        return m;
    }

    private static TarArchiveEntry entry(String name, byte flag, int mode, FileTime mtime) {
        TarArchiveEntry e = new TarArchiveEntry(name, flag);
        e.setMode(mode);
        e.setUserId(0);
        e.setGroupId(0);
        e.setUserName("");
        e.setGroupName("");
        e.setLastModifiedTime(mtime);
        return e;
    }

    private static void putFile(TarArchiveOutputStream tar, String name, byte[] content, FileTime mtime) throws IOException {
        TarArchiveEntry e = entry(name, TarConstants.LF_NORMAL, 0644, mtime);
        e.setSize(content.length);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }
}
