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

    /**
     * This layout's documents for the descriptor walker: read as {@link #readVerified} reads them
     * (regular files only, bounded, size and digest checked); a blob is there when its path is an entry
     * of {@code blobs/} (a link counts as there, and is refused when read).
     */
    public io.cargohold.oci.graph.DescriptorWalker.Loader walkerLoader() {
        return new io.cargohold.oci.graph.DescriptorWalker.Loader() {
            @Override
            public byte[] read(Descriptor d, String namedBy) throws IOException {
                return readVerified(d, namedBy);
            }

            @Override
            public boolean has(Descriptor d) {
                return Files.exists(blobPath(d.digest()), java.nio.file.LinkOption.NOFOLLOW_LINKS);
            }
        };
    }

    /** True when the blob is present with the descriptor's size (export skips those). */
    public boolean hasBlob(Descriptor d) throws IOException {
        Path p = blobPath(d.digest());
        return Files.isRegularFile(p) && Files.size(p) == d.size();
    }

    /** Writes a blob by temp file and rename, verifying size and digest on the way. */
    public void writeBlob(Descriptor d, InputStream content) throws IOException {
        writeBlob(d, content, null);
    }

    /** {@link #writeBlob(Descriptor, InputStream)}, noting the temp file and the blob in {@code journal} first. */
    public void writeBlob(Descriptor d, InputStream content, WriteJournal journal) throws IOException {
        Path target = blobPath(d.digest());
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling("." + d.digest().hex() + ".tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        if (journal != null) {
            journal.note("T", dir.relativize(tmp).toString());
            if (!Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                journal.note("B", d.digest().toString());
            }
        }
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

    // ---------------------------------------------------------------- resumable blob writes

    /** Content of a blob that can be opened at a byte offset (a ranged request to a registry). */
    @FunctionalInterface
    public interface ContentFrom {
        InputStream open(long offset) throws IOException;
    }

    /** How long an abandoned partial blob ({@code blobs/ALG/.HEX.partial}) is kept for a rerun; older ones are removed by the next write. */
    public static final java.time.Duration PARTIAL_EXPIRY = java.time.Duration.ofHours(24);
    private static final String PARTIAL_SUFFIX = ".partial";
    private static final io.cargohold.logging.LazyLogger LOG = io.cargohold.logging.LazyLogger.of(OciLayoutDir.class);
    /** Partials a thread of this JVM is writing: never opened elsewhere here (closing a descriptor would drop the writer's fcntl lock). */
    private static final java.util.Set<Path> LIVE_PARTIALS = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** The partial file of a blob: {@code blobs/ALG/.HEX.partial}, named by the digest so a rerun finds it. */
    Path partialPath(Digest d) {
        return blobPath(d).resolveSibling("." + d.hex() + PARTIAL_SUFFIX);
    }

    /**
     * Writes a blob of known digest and size so that a write killed midway is continued by the next one:
     * the bytes go to {@link #partialPath} (locked with fcntl while written, so two processes never append to
     * one), which a later write of the same blob finds, re-hashes (the JDK cannot save a SHA-256 state) and
     * continues from its end, opening {@code content} at that offset; at the end size and digest are checked,
     * the file forced and renamed into place. When a continued partial does not verify (torn by a power loss)
     * the blob is written once more from byte 0; a fresh write that does not verify is a CorruptException and
     * its partial is removed. The journal notes the partial ({@code P}): a failed write's abort removes it, a
     * killed write's cleanup keeps it for the rerun; partials left longer than {@link #PARTIAL_EXPIRY} are
     * removed by the next write into the layout. When another writer holds the blob's partial, this one
     * writes through a temp file of its own ({@link #writeBlob(Descriptor, InputStream, WriteJournal)}).
     */
    public void writeBlobResumable(Descriptor d, ContentFrom content, WriteJournal journal) throws IOException {
        Path target = blobPath(d.digest());
        Files.createDirectories(target.getParent());
        Path partial = partialPath(d.digest()).toAbsolutePath().normalize();
        if (!LIVE_PARTIALS.add(partial)) {
            try (InputStream in = content.open(0)) {
                writeBlob(d, in, journal);
            }
            return;
        }
        try {
            if (Files.isSymbolicLink(partial) || Files.exists(partial, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                    && !Files.isRegularFile(partial, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(partial); // hostile or foreign: not ours to follow
            }
            if (journal != null) {
                journal.note("P", dir.toAbsolutePath().normalize().relativize(partial).toString());
                if (!Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    journal.note("B", d.digest().toString());
                }
            }
            java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(partial, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            java.nio.channels.FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
            if (lock == null) {
                ch.close(); // another process writes this blob now: write our own copy
                try (InputStream in = content.open(0)) {
                    writeBlob(d, in, journal);
                }
                return;
            }
            boolean done = false;
            boolean corrupt = false;
            try {
                for (int round = 0; ; round++) {
                    long have = ch.size();
                    if (have > d.size()) {
                        ch.truncate(0);
                        have = 0;
                    }
                    java.security.MessageDigest md = d.digest().algorithm().newMessageDigest();
                    java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1 << 16);
                    for (long pos = 0; pos < have; ) {
                        int n = ch.read(buf.clear(), pos);
                        if (n < 0) {
                            break;
                        }
                        md.update(buf.flip());
                        pos += n;
                    }
                    long from = have;
                    String again = round > 0 ? " (again)" : "";
                    LOG.log(System.Logger.Level.DEBUG, () -> "layout " + dir + ": blob " + d.digest() + ": writing from byte " + from + " of "
                            + d.size() + again + (from > 0 ? ", continuing its partial" : ""));
                    long written = have;
                    if (have < d.size()) {
                        ch.position(have);
                        try (InputStream in = content.open(have)) {
                            // written at the channel's position and hashed on a second thread, which also starts the
                            // kernel writing the partial out as it grows: the force below has little left (HashingCopy)
                            long n = io.cargohold.fs.HashingCopy.copy(in, ch, md, d.size() - have, d.size() - have, partial);
                            if (n > d.size() - have) {
                                corrupt = true;
                                throw new CorruptException("size mismatch: more than the expected " + d.size() + " bytes of content");
                            }
                            written += n;
                        }
                    }
                    Digest got = Digest.of(d.digest().algorithm(), md.digest());
                    if (written == d.size() && got.equals(d.digest())) {
                        break;
                    }
                    if (have > 0 && round == 0) {
                        LOG.log(System.Logger.Level.INFO, "layout {0}: the partial of blob {1} ({2} bytes) did not verify; writing it again",
                                dir, d.digest(), have);
                        ch.truncate(0);
                        continue;
                    }
                    corrupt = true;
                    throw new CorruptException(written != d.size()
                            ? "size mismatch: expected " + d.size() + " bytes, got " + written + " (truncated input?)"
                            : "digest mismatch: expected " + d.digest() + ", content (" + written + " bytes) is " + got);
                }
                ch.force(true);
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                done = true;
                Fsync.directory(target.getParent());
            } finally {
                try {
                    // a blob that did not verify leaves nothing; nor does a write whose copy failed meanwhile (its journal
                    // aborted while this task, cancelled with the others, was still running)
                    if (!done && (corrupt || journal != null && journal.isClosed())) {
                        Files.deleteIfExists(partial);
                    }
                } finally {
                    if (ch.isOpen()) { // an interrupted channel is closed, its lock dropped already
                        lock.release();
                    }
                    ch.close();
                }
            }
        } finally {
            LIVE_PARTIALS.remove(partial);
        }
    }

    /** Deletes a partial unless a writer holds it (here or in another process). */
    private void removePartial(Path partial) throws IOException {
        Path p = partial.toAbsolutePath().normalize();
        if (!p.startsWith(dir.resolve("blobs").toAbsolutePath().normalize()) || !p.getFileName().toString().endsWith(PARTIAL_SUFFIX)
                || !LIVE_PARTIALS.add(p)) {
            return;
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            java.nio.channels.FileLock l = ch.tryLock();
            if (l != null) {
                try {
                    Files.deleteIfExists(p);
                } finally {
                    l.release();
                }
            }
        } catch (NoSuchFileException gone) {
            // removed meanwhile
        } finally {
            LIVE_PARTIALS.remove(p);
        }
    }

    /** Removes partials nobody has written to for {@link #PARTIAL_EXPIRY} (a killed write nobody reran). */
    private void removeExpiredPartials() throws IOException {
        java.time.Instant cutoff = java.time.Instant.now().minus(PARTIAL_EXPIRY);
        try (var algs = Files.newDirectoryStream(dir.resolve("blobs"))) {
            for (Path a : algs) {
                if (!Files.isDirectory(a, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try (var ps = Files.newDirectoryStream(a, ".*" + PARTIAL_SUFFIX)) {
                    for (Path p : ps) {
                        if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                                && Files.getLastModifiedTime(p, java.nio.file.LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(cutoff)) {
                            removePartial(p);
                        }
                    }
                }
            }
        } catch (NoSuchFileException noBlobs) {
            // nothing to look at
        }
    }

    /**
     * Writes a blob whose digest is not known in advance (a layer compressed on the way): streamed to
     * a temp file while hashed with {@code algorithm}, forced, renamed to its digest's path. Returns
     * the digest and size.
     */
    public Written writeBlobComputing(InputStream content, io.cargohold.digest.DigestAlgorithm algorithm) throws IOException {
        return writeBlobComputing(content, algorithm, null);
    }

    /** {@link #writeBlobComputing(InputStream, io.cargohold.digest.DigestAlgorithm)}, noting what it makes in {@code journal}. */
    public Written writeBlobComputing(InputStream content, io.cargohold.digest.DigestAlgorithm algorithm, WriteJournal journal)
            throws IOException {
        Path blobs = dir.resolve("blobs").resolve(algorithm.ociName());
        Files.createDirectories(blobs);
        Path tmp = blobs.resolve(".incoming.tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        if (journal != null) {
            journal.note("T", dir.relativize(tmp).toString());
        }
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
            if (journal != null && !Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                journal.note("B", digest.toString());
            }
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

    // ---------------------------------------------------------------- write journals

    /**
     * The journals this JVM writes, by path: never opened a second time here (closing any descriptor
     * of a file drops the process's fcntl locks on it), their lines read from memory.
     */
    private static final java.util.Map<Path, WriteJournal> LIVE = new java.util.concurrent.ConcurrentHashMap<>();
    private static final String JOURNAL_PREFIX = ".cargohold-write-";
    private static final String JOURNAL_SUFFIX = ".journal";

    /**
     * Starts a write into this layout that leaves nothing behind when it fails or is killed: a journal
     * {@code .cargohold-write-<random>.journal}, locked (fcntl) while the writer lives, lists every temp
     * file before it is made, every blob before it is renamed into place ({@code B}) and every blob
     * found present and relied on ({@code U}), and the partial of every resumable blob write ({@code P},
     * {@link #writeBlobResumable}). {@link WriteJournal#finish} (after the commit) deletes the journal;
     * {@link WriteJournal#abort} deletes the temp files and partials, the blobs it made that index.json does
     * not reach and no live journal relies on, and the layout itself when this write created it and nothing
     * else came in. Journals of writers that are gone (their lock is free: killed) are found when the next
     * write starts: their temp files are deleted at once, their blobs and partials kept for that write to
     * reuse and continue, and when that write ends (finished or aborted) what it did not take goes, with the
     * journals. So a killed write leaves nothing once the next write into the layout has ended, and a rerun
     * of it fetches only what the killed one lacked.
     *
     * @param createdLayout whether the caller created the layout directory for this write
     */
    public WriteJournal beginWrite(boolean createdLayout) throws IOException {
        cleanAbandonedJournals();
        removeExpiredPartials();
        Path file = dir.resolve(JOURNAL_PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE) + JOURNAL_SUFFIX);
        Files.createFile(file);
        // Lines are written through the stream, not the channel: a channel is closed (and its fcntl lock
        // dropped) when a thread writing to it is interrupted, as a parallel copy's sibling tasks are when
        // one fails; a stream's write is not interruptible. The channel only takes and drops the lock.
        java.io.FileOutputStream stream = new java.io.FileOutputStream(file.toFile(), true);
        java.nio.channels.FileChannel ch = stream.getChannel();
        try {
            java.nio.channels.FileLock lock = ch.lock();
            WriteJournal j = new WriteJournal(file, stream, ch, lock, createdLayout);
            LIVE.put(file.toAbsolutePath().normalize(), j);
            if (createdLayout) {
                j.note("L", "created");
            }
            return j;
        } catch (IOException | RuntimeException e) {
            stream.close();
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /** One write's journal: see {@link #beginWrite}. */
    public final class WriteJournal implements AutoCloseable {
        private final Path file;
        private final java.io.FileOutputStream stream;
        private final java.nio.channels.FileChannel ch;
        private final java.nio.channels.FileLock lock;
        private final boolean createdLayout;
        private final List<String> lines = new ArrayList<>();
        private boolean closed;

        private WriteJournal(Path file, java.io.FileOutputStream stream, java.nio.channels.FileChannel ch, java.nio.channels.FileLock lock,
                boolean createdLayout) {
            this.file = file;
            this.stream = stream;
            this.ch = ch;
            this.lock = lock;
            this.createdLayout = createdLayout;
        }

        synchronized List<String> lines() {
            return List.copyOf(lines);
        }

        /** Whether the write has finished or been aborted. */
        public synchronized boolean isClosed() {
            return closed;
        }

        synchronized void note(String kind, String what) throws IOException {
            lines.add(kind + " " + what);
            stream.write((kind + " " + what + "\n").getBytes(StandardCharsets.UTF_8));
        }

        /** Notes a present blob this write relies on (before it checks that it is there). */
        public void uses(Digest d) throws IOException {
            note("U", d.toString());
        }

        /** The write committed: only the journal goes. */
        public synchronized void finish() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            Files.deleteIfExists(file);
            release();
            finishAbandonedJournals();
        }

        /** Drops the lock and closes the file (a channel closed already has dropped its lock). */
        private void release() throws IOException {
            LIVE.remove(file.toAbsolutePath().normalize());
            try {
                if (ch.isOpen()) {
                    lock.release();
                }
            } finally {
                stream.close();
            }
        }

        /** The write failed: what it made goes (see {@link #beginWrite}). */
        public synchronized void abort() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try {
                for (String l : List.copyOf(lines)) {
                    if (l.startsWith("P ")) {
                        removePartial(dir.resolve(l.substring(2))); // a failed write leaves nothing; only a killed one leaves its partials
                    }
                }
                undo(List.copyOf(lines), file, true);
            } finally {
                Files.deleteIfExists(file);
                release();
            }
            finishAbandonedJournals();
            if (createdLayout) {
                removeIfOnlyOurs();
            }
        }

        @Override
        public void close() throws IOException {
            abort();
        }
    }

    /** Journals whose writer is gone (their lock can be had): undone and deleted. */
    private void cleanAbandonedJournals() throws IOException {
        forEachAbandonedJournal((j, lines) -> {
            undo(lines, j, false);
            if (!hasLeftovers(lines)) {
                Files.deleteIfExists(j);
            }
            // else kept: its blobs and partials wait for this write to reuse and continue them; when it ends,
            // what it did not take is removed with the journal (finishAbandonedJournals)
        });
    }

    /** Whether a journal names a partial or a blob it made that is still there. */
    private boolean hasLeftovers(List<String> lines) {
        for (String l : lines) {
            try {
                if (l.startsWith("P ") && Files.exists(dir.resolve(l.substring(2)), java.nio.file.LinkOption.NOFOLLOW_LINKS)
                        || l.startsWith("B ") && Files.exists(blobPath(Digest.parse(l.substring(2))), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    return true;
                }
            } catch (IOException | RuntimeException unreadable) {
                return true; // keep it for the end of this write, which undoes it as well as it can
            }
        }
        return false;
    }

    /**
     * After a write ended (finished or aborted): the journals of killed writes kept for their blobs and
     * partials are done with (this write reused and continued what it needed): what is left of the partials
     * goes (unless a writer holds them), their blobs that index.json does not reach and no live journal relies
     * on go, then the journals.
     */
    private void finishAbandonedJournals() throws IOException {
        forEachAbandonedJournal((j, lines) -> {
            for (String l : lines) {
                if (l.startsWith("P ")) {
                    removePartial(dir.resolve(l.substring(2)));
                }
            }
            undo(lines, j, true);
            Files.deleteIfExists(j);
        });
    }

    private interface JournalAction {
        void apply(Path journal, List<String> lines) throws IOException;
    }

    /**
     * Runs {@code action} on each journal whose writer is gone, holding the journal's lock: journals of this
     * process's live writes are skipped, as are those another process holds; one removed meanwhile was
     * handled by another writer.
     */
    private void forEachAbandonedJournal(JournalAction action) throws IOException {
        for (Path j : journals()) {
            if (LIVE.containsKey(j.toAbsolutePath().normalize())) {
                continue;
            }
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(j, java.nio.file.StandardOpenOption.READ,
                    java.nio.file.StandardOpenOption.WRITE)) {
                java.nio.channels.FileLock lock;
                try {
                    lock = ch.tryLock();
                } catch (java.nio.channels.OverlappingFileLockException mineAndLive) {
                    continue;
                }
                if (lock == null) {
                    continue; // a live writer in another process
                }
                try {
                    action.apply(j, Files.readAllLines(j, StandardCharsets.UTF_8));
                } finally {
                    lock.release();
                }
            } catch (NoSuchFileException goneMeanwhile) {
                // another writer cleaned or finished it
            }
        }
    }

    private List<Path> journals() throws IOException {
        List<Path> out = new ArrayList<>();
        try (var s = Files.newDirectoryStream(dir, JOURNAL_PREFIX + "*" + JOURNAL_SUFFIX)) {
            s.forEach(out::add);
        }
        return out;
    }

    /**
     * Deletes the temp files of a journal and the blobs it made that index.json does not reach and no
     * other live journal relies on. When index.json cannot be read, no blob is deleted.
     */
    private void undo(List<String> lines, Path self, boolean blobs) throws IOException {
        if (!blobs) {
            deleteTemps(lines);
            return;
        }
        java.util.Set<Digest> keep = reachableFromIndex();
        for (Path other : journals()) {
            if (!other.equals(self)) {
                try {
                    WriteJournal mine = LIVE.get(other.toAbsolutePath().normalize());
                    for (String l : mine != null ? mine.lines() : Files.readAllLines(other, StandardCharsets.UTF_8)) {
                        if (l.startsWith("B ") || l.startsWith("U ")) {
                            keep.add(Digest.parse(l.substring(2)));
                        }
                    }
                } catch (IOException | RuntimeException unreadable) {
                    return; // cannot tell what it relies on: keep every blob
                }
            }
        }
        deleteTemps(lines);
        if (keep.contains(null)) {
            return;
        }
        for (String l : lines) {
            if (l.startsWith("B ")) {
                Digest d;
                try {
                    d = Digest.parse(l.substring(2));
                } catch (IOException bad) {
                    continue;
                }
                if (!keep.contains(d)) {
                    Files.deleteIfExists(blobPath(d));
                }
            }
        }
    }

    /** Deletes a journal's temp files ({@code T}: hidden files under blobs/ only). */
    private void deleteTemps(List<String> lines) throws IOException {
        for (String l : lines) {
            if (l.startsWith("T ")) {
                Path t = dir.resolve(l.substring(2)).normalize();
                if (t.startsWith(dir.resolve("blobs")) && t.getFileName().toString().startsWith(".")) {
                    Files.deleteIfExists(t);
                }
            }
        }
    }

    /** Every digest index.json reaches (documents read and verified); a set holding null when it cannot be walked. */
    private java.util.Set<Digest> reachableFromIndex() {
        java.util.Set<Digest> out = new java.util.HashSet<>();
        try {
            io.cargohold.oci.graph.DescriptorWalker w = io.cargohold.oci.graph.DescriptorWalker.over(walkerLoader(),
                    io.cargohold.oci.graph.DescriptorWalker.Subjects.IF_PRESENT);
            for (Descriptor top : manifests()) {
                w.walk(top, "index.json", new io.cargohold.oci.graph.DescriptorWalker.Visitor() {
                    @Override
                    public boolean enter(Descriptor d, String namedBy) {
                        out.add(d.digest());
                        return true;
                    }

                    @Override
                    public void failed(Descriptor d, String namedBy, io.cargohold.errors.CargoholdException e) {
                        // a broken graph keeps what it names as far as it can be read
                    }
                });
            }
        } catch (IOException | RuntimeException e) {
            out.add(null);
        }
        return out;
    }

    /** After a failed first write into a layout this write created: remove the layout when nothing else is in it. */
    private void removeIfOnlyOurs() throws IOException {
        try {
            if (!manifests().isEmpty() || !journals().isEmpty()) {
                return;
            }
        } catch (IOException e) {
            return;
        }
        for (Path p : new Path[] {dir.resolve("index.json"), dir.resolve("oci-layout")}) {
            Files.deleteIfExists(p);
        }
        try (var algs = Files.newDirectoryStream(dir.resolve("blobs"))) {
            for (Path a : algs) {
                try {
                    Files.delete(a);
                } catch (java.nio.file.DirectoryNotEmptyException notOnlyOurs) {
                    return;
                }
            }
        } catch (NoSuchFileException gone) {
            // fine
        }
        try {
            Files.deleteIfExists(dir.resolve("blobs"));
            Files.deleteIfExists(dir);
        } catch (java.nio.file.DirectoryNotEmptyException notOnlyOurs) {
            // something else is there: leave it
        }
    }
}
