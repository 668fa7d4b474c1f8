package io.cargohold.oci.layout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cargohold.digest.Digest;
import io.cargohold.digest.DigestingInputStream;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.fs.AtomicFile;
import io.cargohold.fs.Fsync;
import io.cargohold.oci.Descriptor;
import io.cargohold.oci.MediaTypes;
import io.cargohold.oci.OciDocument;
import io.cargohold.oci.OciParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An OCI image layout directory outside the store ({@code oci-layout}, {@code index.json},
 * {@code blobs/<alg>/<hex>}): the only code that knows its paths. Reads for import, writes for export.
 */
public final class OciLayoutDir {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path dir;

    private OciLayoutDir(Path dir) {
        this.dir = dir;
    }

    /** Opens an existing layout, checking its {@code oci-layout} marker. */
    public static OciLayoutDir open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NotFoundException("no such directory: " + dir);
        }
        Path marker = dir.resolve("oci-layout");
        JsonNode m;
        try {
            m = JSON.readTree(readSmallFile(dir, "oci-layout"));
        } catch (NoSuchFileException e) {
            throw new CorruptException(dir + " is not an OCI image layout: oci-layout is missing", e);
        } catch (CorruptException e) {
            throw e;
        } catch (IOException e) {
            throw new CorruptException(dir + "/oci-layout is not valid JSON", e);
        }
        if (m == null || !m.path("imageLayoutVersion").isTextual()) {
            throw new CorruptException(dir + "/oci-layout lacks imageLayoutVersion");
        }
        return new OciLayoutDir(dir);
    }

    /** Opens a layout for writing, creating the directory, marker and empty index when absent. */
    public static OciLayoutDir create(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("blobs"));
        if (!Files.isRegularFile(dir.resolve("oci-layout"))) {
            AtomicFile.write(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
        }
        if (!Files.isRegularFile(dir.resolve("index.json"))) {
            AtomicFile.write(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[]}".getBytes(StandardCharsets.UTF_8));
        }
        return open(dir);
    }

    public Path dir() {
        return dir;
    }

    public Path blobPath(Digest d) {
        return dir.resolve("blobs").resolve(d.algorithm().ociName()).resolve(d.hex());
    }

    /** The top-level descriptors of {@code index.json}. */
    public List<Descriptor> manifests() throws IOException {
        byte[] raw;
        try {
            raw = readSmallFile(dir, "index.json");
        } catch (NoSuchFileException e) {
            throw new CorruptException(dir + " is not an OCI image layout: index.json is missing", e);
        }
        OciDocument doc = OciParser.parse(raw, MediaTypes.OCI_INDEX);
        if (!(doc instanceof OciDocument.Index index)) {
            throw new CorruptException(dir + "/index.json is not an image index");
        }
        return index.manifests();
    }

    /**
     * Reads a small file of a layout ({@code oci-layout}, {@code index.json}): only a regular file,
     * never through a symbolic link (which could lead out of the layout), never a FIFO or device
     * (whose open or read could block for ever), and at most {@link OciParser#MAX_DOCUMENT} bytes.
     *
     * @throws NoSuchFileException when it is absent
     */
    public static byte[] readSmallFile(Path dir, String name) throws IOException {
        Path p = dir.resolve(name);
        var attrs = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        if (!attrs.isRegularFile()) {
            throw new CorruptException("layout " + dir + ": " + name + " is not a regular file (" + kind(attrs)
                    + "); refusing to read it");
        }
        try (InputStream in = Files.newInputStream(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            byte[] raw = in.readNBytes(OciParser.MAX_DOCUMENT + 1);
            if (raw.length > OciParser.MAX_DOCUMENT) {
                throw new CorruptException("layout " + dir + ": " + name + " is larger than " + OciParser.MAX_DOCUMENT + " bytes");
            }
            return raw;
        }
    }

    static String kind(java.nio.file.attribute.BasicFileAttributes a) {
        return a.isSymbolicLink() ? "a symbolic link" : a.isDirectory() ? "a directory" : a.isOther() ? "a FIFO, socket or device" : "not a file";
    }

    /** The descriptors of index.json named {@code refName} (annotation org.opencontainers.image.ref.name). */
    public List<Descriptor> find(String refName) throws IOException {
        List<Descriptor> out = new ArrayList<>();
        for (Descriptor d : manifests()) {
            if (refName.equals(d.annotations().get(MediaTypes.REF_NAME_ANNOTATION))) {
                out.add(d);
            }
        }
        return out;
    }

    /**
     * Opens a blob for reading: only a regular file is read, and no symbolic link is followed (neither
     * the blob nor the directories {@code blobs} and {@code blobs/<alg>}), so a hostile layout cannot make
     * us read outside it.
     */
    public InputStream openBlob(Descriptor d, String namedBy) throws IOException {
        Path p = blobPath(d.digest());
        for (Path dirOnTheWay : new Path[] {dir.resolve("blobs"), p.getParent()}) {
            if (Files.isSymbolicLink(dirOnTheWay)) {
                throw new CorruptException("layout " + dir + ": " + dir.relativize(dirOnTheWay) + " is a symbolic link; refusing to follow it");
            }
        }
        try {
            var attrs = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            if (!attrs.isRegularFile()) {
                throw new CorruptException("layout " + dir + ": blob " + d.digest() + " (" + d.mediaType() + ", named by " + namedBy
                        + ") at " + dir.relativize(p) + " is not a regular file (" + kind(attrs) + "); refusing to read it");
            }
            return Files.newInputStream(p, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new CorruptException("layout " + dir + " is incomplete: blob " + d.digest() + " (" + d.mediaType()
                    + ", named by " + namedBy + ") is missing", e);
        }
    }

    /** Reads a small blob whole, checking its size and digest against the descriptor. */
    public byte[] readVerified(Descriptor d, String namedBy) throws IOException {
        if (d.size() > OciParser.MAX_DOCUMENT) {
            throw new CorruptException(d.mediaType() + " " + d.digest() + " (named by " + namedBy + ") claims " + d.size()
                    + " bytes, more than a document may have");
        }
        byte[] raw;
        try (InputStream in = openBlob(d, namedBy)) {
            raw = in.readNBytes(OciParser.MAX_DOCUMENT + 1);
        }
        if (raw.length != d.size()) {
            throw new CorruptException("size mismatch: " + d.digest() + " (named by " + namedBy + ") is " + raw.length
                    + " bytes in " + dir + ", its descriptor says " + d.size());
        }
        Digest actual = Digest.of(d.digest().algorithm(), raw, 0, raw.length);
        if (!actual.equals(d.digest())) {
            throw new CorruptException("digest mismatch: " + d.digest() + " (named by " + namedBy + ") in " + dir + " hashes to " + actual);
        }
        return raw;
    }

    /** True when the blob is present with the descriptor's size (export skips those). */
    public boolean hasBlob(Descriptor d) throws IOException {
        Path p = blobPath(d.digest());
        return Files.isRegularFile(p) && Files.size(p) == d.size();
    }

    /** Writes a blob by temp file and rename, verifying size and digest on the way. */
    public void writeBlob(Descriptor d, InputStream content) throws IOException {
        Path target = blobPath(d.digest());
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling("." + d.digest().hex() + ".tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        boolean done = false;
        try {
            try (DigestingInputStream in = new DigestingInputStream(content, d.digest().algorithm());
                 OutputStream out = Files.newOutputStream(tmp)) {
                in.transferTo(out);
                if (in.count() != d.size() || !in.digest().equals(d.digest())) {
                    throw new CorruptException("blob " + d.digest() + " did not match its descriptor while exporting");
                }
            }
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            done = true;
            Fsync.directory(target.getParent());
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * Writes a blob whose digest is not known in advance (a layer compressed on the way): streamed to
     * a temp file while hashed with {@code algorithm}, forced, renamed to its digest's path. Returns
     * the digest and size.
     */
    public Written writeBlobComputing(InputStream content, io.cargohold.digest.DigestAlgorithm algorithm) throws IOException {
        Path blobs = dir.resolve("blobs").resolve(algorithm.ociName());
        Files.createDirectories(blobs);
        Path tmp = blobs.resolve(".incoming.tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        boolean done = false;
        try {
            Digest digest;
            long size;
            try (DigestingInputStream in = new DigestingInputStream(content, algorithm);
                 OutputStream out = Files.newOutputStream(tmp)) {
                in.transferTo(out);
                digest = in.digest();
                size = in.count();
            }
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Path target = blobPath(digest);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            done = true;
            Fsync.directory(blobs);
            return new Written(digest, size);
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** A blob written by {@link #writeBlobComputing}. */
    public record Written(Digest digest, long size) {
    }

    /**
     * Adds a descriptor without a name to index.json (skopeo's {@code oci:DIR} with no reference),
     * unless an unnamed entry with the same digest is there; written atomically.
     */
    public void addUnnamed(Descriptor d) throws IOException {
        Path index = dir.resolve("index.json");
        ObjectNode root = (ObjectNode) JSON.readTree(readSmallFile(dir, "index.json"));
        ArrayNode manifests = root.withArray("manifests");
        for (JsonNode m : manifests) {
            if (d.digest().toString().equals(m.path("digest").asText()) && m.path("annotations").path(MediaTypes.REF_NAME_ANNOTATION).isMissingNode()) {
                return;
            }
        }
        manifests.add(JSON.valueToTree(OciParser.toJson(d)));
        if (!root.has("schemaVersion")) {
            root.put("schemaVersion", 2);
        }
        AtomicFile.write(index, JSON.writeValueAsBytes(root));
    }

    /**
     * Adds (or replaces) the entry named {@code refName} in index.json, keeping every other entry
     * and field as it was; written atomically.
     */
    public void putReference(String refName, Descriptor d) throws IOException {
        Path index = dir.resolve("index.json");
        ObjectNode root = (ObjectNode) JSON.readTree(readSmallFile(dir, "index.json"));
        ArrayNode manifests = root.withArray("manifests");
        for (int i = manifests.size() - 1; i >= 0; i--) {
            JsonNode name = manifests.get(i).path("annotations").path(MediaTypes.REF_NAME_ANNOTATION);
            if (name.isTextual() && name.textValue().equals(refName)) {
                manifests.remove(i);
            }
        }
        java.util.Map<String, String> annotations = new java.util.TreeMap<>(d.annotations());
        annotations.put(MediaTypes.REF_NAME_ANNOTATION, refName);
        manifests.add(JSON.valueToTree(OciParser.toJson(d.withAnnotations(annotations))));
        if (!root.has("schemaVersion")) {
            root.put("schemaVersion", 2);
        }
        AtomicFile.write(index, JSON.writeValueAsBytes(root));
    }
}
