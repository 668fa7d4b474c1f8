package io.cargohold.oci;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.content.BlobInfo;
import io.cargohold.content.PutResult;
import io.cargohold.digest.Digest;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.NotFoundException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Reads a docker-archive tar in one pass: every regular file goes to a sink (the store) as it
 * streams by; {@code manifest.json} is also kept in memory and, at the end, turned into one OCI
 * manifest per image whose config and layers are the archive's files.
 */
final class DockerArchive {
    private final List<Image> images;

    private DockerArchive(List<Image> images) {
        this.images = images;
    }

    List<Image> images() {
        return images;
    }

    /** Where the archive's files go. */
    @FunctionalInterface
    interface Sink {
        PutResult put(String name, InputStream content, long size) throws IOException;
    }

    /** One image of the archive, as an OCI manifest over the stored files. */
    record Image(List<String> repoTags, byte[] ociManifest, Set<Digest> blobs) {
    }

    private record Stored(BlobInfo info, byte[] magic) {
    }

    static DockerArchive read(Path tar, Sink sink) throws IOException {
        Map<String, Stored> files = new HashMap<>();
        Map<String, String> links = new HashMap<>();
        byte[] manifestJson = null;
        try (InputStream raw = Files.newInputStream(tar);
             TarArchiveInputStream t = new TarArchiveInputStream(new BufferedInputStream(raw, 1 << 16))) {
            TarArchiveEntry e;
            while ((e = t.getNextEntry()) != null) {
                String name = normalise(e.getName());
                if (e.isSymbolicLink()) {
                    links.put(name, resolve(name, e.getLinkName()));
                } else if (e.isLink()) {
                    links.put(name, normalise(e.getLinkName()));
                } else if (e.isFile()) {
                    BufferedInputStream in = new BufferedInputStream(t, 1 << 16);
                    in.mark(8);
                    byte[] magic = in.readNBytes(4);
                    in.reset();
                    if (name.equals("manifest.json")) {
                        manifestJson = in.readNBytes((int) Math.min(e.getSize(), OciParser.MAX_DOCUMENT + 1));
                        files.put(name, new Stored(sink.put(name, new java.io.ByteArrayInputStream(manifestJson), e.getSize()).info(), magic));
                    } else {
                        files.put(name, new Stored(sink.put(name, in, e.getSize()).info(), magic));
                    }
                }
            }
        } catch (NoSuchFileException e) {
            throw new NotFoundException("no such file: " + tar, e);
        } catch (CorruptException e) {
            throw e;
        } catch (IOException e) {
            if (e instanceof io.cargohold.errors.CargoholdException) {
                throw e;
            }
            throw new CorruptException("docker archive " + tar + " is truncated or not a tar: " + e.getMessage(), e);
        }
        if (manifestJson == null) {
            throw new CorruptException("docker archive " + tar + " has no manifest.json");
        }
        JsonNode root;
        try {
            root = OciParser.JSON.readTree(manifestJson);
        } catch (IOException e) {
            throw new CorruptException("docker archive " + tar + ": manifest.json is not valid JSON", e);
        }
        if (root == null || !root.isArray()) {
            throw new CorruptException("docker archive " + tar + ": manifest.json is not an array");
        }
        List<Image> images = new ArrayList<>();
        for (JsonNode entry : root) {
            Stored config = lookup(files, links, entry.path("Config").asText(null), tar);
            List<Stored> layers = new ArrayList<>();
            for (JsonNode l : entry.path("Layers")) {
                layers.add(lookup(files, links, l.asText(null), tar));
            }
            List<String> tags = new ArrayList<>();
            for (JsonNode tag : entry.path("RepoTags")) {
                tags.add(tag.asText());
            }
            Map<String, Object> manifest = new LinkedHashMap<>();
            manifest.put("schemaVersion", 2);
            manifest.put("mediaType", MediaTypes.OCI_MANIFEST);
            manifest.put("config", OciParser.toJson(Descriptor.of(MediaTypes.OCI_CONFIG, config.info().digest(), config.info().size())));
            List<Object> ls = new ArrayList<>();
            Set<Digest> blobs = new LinkedHashSet<>();
            blobs.add(config.info().digest());
            for (Stored l : layers) {
                ls.add(OciParser.toJson(Descriptor.of(layerType(l.magic()), l.info().digest(), l.info().size())));
                blobs.add(l.info().digest());
            }
            manifest.put("layers", ls);
            images.add(new Image(tags, OciParser.toBytes(manifest), blobs));
        }
        return new DockerArchive(images);
    }

    private static Stored lookup(Map<String, Stored> files, Map<String, String> links, String name, Path tar) throws CorruptException {
        if (name == null) {
            throw new CorruptException("docker archive " + tar + ": manifest.json has an entry without Config or with a bad layer");
        }
        String n = normalise(name);
        for (int hops = 0; hops < 16 && links.containsKey(n); hops++) {
            n = links.get(n);
        }
        Stored s = files.get(n);
        if (s == null) {
            throw new CorruptException("docker archive " + tar + " is incomplete: manifest.json names " + name + ", which it lacks");
        }
        return s;
    }

    /** The media type of a layer file, by its magic number (docker save writes uncompressed tars). */
    private static String layerType(byte[] magic) {
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            return MediaTypes.OCI_LAYER_GZIP;
        }
        if (magic.length >= 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f
                && (magic[3] & 0xff) == 0xfd) {
            return MediaTypes.OCI_LAYER_ZSTD;
        }
        return MediaTypes.OCI_LAYER;
    }

    private static String normalise(String name) {
        String n = name;
        while (n.startsWith("./")) {
            n = n.substring(2);
        }
        while (n.startsWith("/")) {
            n = n.substring(1);
        }
        return n;
    }

    private static String resolve(String linkName, String target) {
        if (target.startsWith("/")) {
            return normalise(target);
        }
        int slash = linkName.lastIndexOf('/');
        String base = slash < 0 ? "" : linkName.substring(0, slash + 1);
        Path p = Path.of("/" + base + target).normalize();
        return normalise(p.toString());
    }
}
