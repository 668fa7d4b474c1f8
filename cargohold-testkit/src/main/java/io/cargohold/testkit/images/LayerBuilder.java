package io.cargohold.testkit.images;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Builds one layer tar (POSIX/PAX, as GNU tar {@code --format=pax} and Go's archive/tar write it)
 * with commons-compress; GNU format and sparse files through {@link RawTar} (see {@link Format}).
 *
 * <p>Entry methods ({@link #dir}, {@link #file}, {@link #symlink}, {@link #hardlink}, {@link #fifo},
 * {@link #whiteout}, {@link #opaque}) add an entry; attribute methods ({@link #mode}, {@link #owner},
 * {@link #names}, {@link #mtime}, {@link #xattr}) change the entry added last (or, after
 * {@link #dirs}, the directory it named):
 *
 * <pre>{@code
 * Layer base = LayerBuilder.create()
 *         .dir("usr/local/bin")
 *         .randomFile("usr/local/bin/tool", 8192, 1).mode(04755)
 *         .hardlink("usr/local/bin/tool.link", "usr/local/bin/tool")
 *         .symlink("bin", "usr/bin")
 *         .file("etc/hostname", "test\n").mtime(Instant.ofEpochSecond(946684799, 123_456_700))
 *         .build();
 * }</pre>
 *
 * <p>By default entries are written sorted by path, component by component (a directory right
 * before its contents, like GNU tar {@code --sort=name}), whiteouts first among their siblings (the
 * OCI spec asks for that), and a hard link right after its target when the target is in the same
 * layer. {@link #preserveOrder()} writes them in call order instead. Paths are given without
 * leading {@code /}; parent directories are not added implicitly. Unset mtimes are the layer's
 * {@link #defaultMtime}, unset owners 0:0, names empty: the output depends only on the calls.
 */
public final class LayerBuilder {
    /** 2023-11-14T22:13:20Z, the default SOURCE_DATE_EPOCH of the shared make-test-images tool. */
    public static final Instant DEFAULT_MTIME = Instant.ofEpochSecond(1_700_000_000L);

    private final List<TarEntry> entries = new ArrayList<>();
    private Instant defaultMtime = DEFAULT_MTIME;
    private boolean preserveOrder;
    private Format format = Format.PAX;
    private int current = -1; // the entry attribute methods change

    private LayerBuilder() {}

    public static LayerBuilder create() {
        return new LayerBuilder();
    }

    /** The mtime of every entry that does not set its own. */
    public LayerBuilder defaultMtime(Instant t) {
        this.defaultMtime = t;
        return this;
    }

    /** How the tar is written. */
    public enum Format {
        /**
         * POSIX/PAX (the default): commons-compress, as before; a layer with a {@link Content#sparse}
         * file is instead written by {@link RawTar} as PAX: long or non-ASCII names and link targets,
         * big ids, sub-second mtimes and xattrs in PAX headers, sparse files as PAX 1.0
         * ({@code GNU.sparse.major=1}, the map at the start of the content, as GNU tar
         * {@code --format=pax --sparse} writes them).
         */
        PAX,
        /**
         * GNU ({@code tar --format=gnu}), written by {@link RawTar}: magic {@code ustar  \0}, names and
         * link targets over 100 bytes in {@code ././@LongLink} entries ({@code L}/{@code K}), numbers
         * too big for octal in base-256, sparse files as old GNU {@code S} entries. GNU headers cannot
         * carry xattrs or sub-second mtimes: building such a layer fails. Go's archive/tar reads {@code S}
         * entries, but umoci 0.4.7 refuses them ("unknown typeflag"); it unpacks the rest of a GNU layer.
         */
        GNU
    }

    /** The tar format; see {@link Format}. The default {@link Format#PAX} output is unchanged by this option. */
    public LayerBuilder format(Format f) {
        this.format = java.util.Objects.requireNonNull(f);
        return this;
    }

    /** Writes entries in call order (no sorting, no hard-link reordering): for deliberately odd tars. */
    public LayerBuilder preserveOrder() {
        this.preserveOrder = true;
        return this;
    }

    // ------------------------------------------------------------------------------------ entries

    public LayerBuilder dir(String path) {
        return dir(path, 0755);
    }

    public LayerBuilder dir(String path, int mode) {
        return add(new TarEntry(TarEntry.Type.DIRECTORY, norm(path), mode, 0, 0, "", "", null, null, null, null));
    }

    /**
     * Adds each directory of the path not yet added to this layer, outermost first ({@code a},
     * {@code a/b}, {@code a/b/c}), mode 0755, like {@code mkdir -p}. Attribute methods then apply to
     * {@code path}'s entry, whether added now or before.
     */
    public LayerBuilder dirs(String path) {
        String p = norm(path);
        int i = 0;
        while (i >= 0) {
            i = p.indexOf('/', i + 1);
            String d = i < 0 ? p : p.substring(0, i);
            int at = indexOfDir(d);
            if (at < 0) {
                dir(d);
            } else if (i < 0) {
                current = at; // attribute methods now apply to the existing entry
            }
        }
        return this;
    }

    private int indexOfDir(String path) {
        for (int k = entries.size() - 1; k >= 0; k--) {
            TarEntry e = entries.get(k);
            if (e.type() == TarEntry.Type.DIRECTORY && e.path().equals(path)) {
                return k;
            }
        }
        return -1;
    }

    public LayerBuilder file(String path, Content content) {
        return add(new TarEntry(TarEntry.Type.FILE, norm(path), 0644, 0, 0, "", "", null, null, content, null));
    }

    public LayerBuilder file(String path, byte[] content) {
        return file(path, Content.bytes(content));
    }

    public LayerBuilder file(String path, String utf8) {
        return file(path, Content.utf8(utf8));
    }

    /** A file of {@code size} incompressible bytes from {@code seed}. */
    public LayerBuilder randomFile(String path, long size, long seed) {
        return file(path, Content.random(size, seed));
    }

    /** A file of {@code size} bytes of compressible text from {@code seed}. */
    public LayerBuilder textFile(String path, long size, long seed) {
        return file(path, Content.text(size, seed));
    }

    /**
     * A sparse file of {@code size} bytes, zeros but for {@code regions}: written as a sparse entry
     * (PAX 1.0, or old GNU {@code S} with {@link Format#GNU}) whose holes take no space in the tar.
     */
    public LayerBuilder sparseFile(String path, long size, List<RawTar.Region> regions) {
        return file(path, Content.sparse(size, regions));
    }

    /** A symbolic link; the target is written as given (relative, absolute, dangling, anything). */
    public LayerBuilder symlink(String path, String target) {
        return add(new TarEntry(TarEntry.Type.SYMLINK, norm(path), 0777, 0, 0, "", "", null, target, null, null));
    }

    /**
     * A hard link to {@code target}: an entry of this layer (written before the link) or a file of a
     * lower layer.
     */
    /**
     * A hard link. Its header carries the mode, owner and mtime of {@code target} when the target is
     * an entry of this layer added before, as GNU tar and Go write link headers (they stat the inode;
     * containers/storage applies a link header's mode and owner to the inode). For a target in a
     * lower layer set them with {@link #mode} / {@link #owner}.
     */
    public LayerBuilder hardlink(String path, String target) {
        String t = norm(target);
        for (int k = entries.size() - 1; k >= 0; k--) {
            TarEntry e = entries.get(k);
            if (e.path().equals(t) && e.type() == TarEntry.Type.FILE) {
                return add(new TarEntry(TarEntry.Type.HARDLINK, norm(path), e.mode(), e.uid(), e.gid(), e.uname(), e.gname(), e.mtime(),
                        t, null, null));
            }
        }
        return add(new TarEntry(TarEntry.Type.HARDLINK, norm(path), 0644, 0, 0, "", "", null, t, null, null));
    }

    public LayerBuilder fifo(String path) {
        return add(new TarEntry(TarEntry.Type.FIFO, norm(path), 0644, 0, 0, "", "", null, null, null, null));
    }

    /** An OCI whiteout: {@code dir/.wh.name} deletes {@code dir/name} (file or whole tree) of lower layers. */
    public LayerBuilder whiteout(String path) {
        String p = norm(path);
        int slash = p.lastIndexOf('/');
        String wh = p.substring(0, slash + 1) + TarEntry.WHITEOUT_PREFIX + p.substring(slash + 1);
        return add(new TarEntry(TarEntry.Type.FILE, wh, 0644, 0, 0, "", "", null, null, Content.bytes(new byte[0]), null));
    }

    /** An OCI opaque whiteout {@code dir/.wh..wh..opq}: hides everything lower layers have in {@code dir}. */
    public LayerBuilder opaque(String dir) {
        String d = norm(dir);
        String p = (d.isEmpty() ? "" : d + "/") + TarEntry.OPAQUE;
        return add(new TarEntry(TarEntry.Type.FILE, p, 0644, 0, 0, "", "", null, null, Content.bytes(new byte[0]), null));
    }

    /** Adds a prepared entry as is (its mtime may be null = default). */
    public LayerBuilder entry(TarEntry e) {
        return add(e);
    }

    // --------------------------------------------------------------------- attributes of the last

    /** Permission bits of the last entry, e.g. {@code 04755}, {@code 01777}, {@code 0}. */
    public LayerBuilder mode(int mode) {
        if ((mode & ~07777) != 0) {
            throw new IllegalArgumentException("mode has bits beyond 07777: " + Integer.toOctalString(mode));
        }
        return replaceLast(last().withMode(mode));
    }

    public LayerBuilder owner(long uid, long gid) {
        return replaceLast(last().withOwner(uid, gid));
    }

    /** User and group names written in the header (empty by default, numeric ids only). */
    public LayerBuilder names(String uname, String gname) {
        return replaceLast(last().withNames(uname, gname));
    }

    /** mtime of the last entry; sub-second parts are kept to 100 ns (commons-compress's PAX precision). */
    public LayerBuilder mtime(Instant t) {
        return replaceLast(last().withMtime(t));
    }

    public LayerBuilder mtime(long epochSecond) {
        return mtime(Instant.ofEpochSecond(epochSecond));
    }

    /** An extended attribute of the last entry, written as PAX {@code SCHILY.xattr.NAME=VALUE}. */
    public LayerBuilder xattr(String name, String value) {
        return replaceLast(last().withXattr(name, value));
    }

    // ---------------------------------------------------------------------------------- building

    /** The entries in the order they will be written (mtimes resolved). */
    public List<TarEntry> entries() {
        List<TarEntry> resolved = new ArrayList<>(entries.size());
        for (TarEntry e : entries) {
            resolved.add(e.mtime() == null ? e.withMtime(defaultMtime) : e);
        }
        return preserveOrder ? List.copyOf(resolved) : List.copyOf(order(resolved));
    }

    /** Builds the layer in memory. */
    public Layer build() {
        List<TarEntry> ordered = entries();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            writeTar(ordered, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Layer(Blob.of(bytes.toByteArray()), ordered, null);
    }

    /**
     * Builds the layer into a file {@code spoolDir/<hex>.tar} (and later its compressed variants next
     * to it), streaming generated content: for layers too large for memory. The caller owns and
     * deletes {@code spoolDir}; {@link OciLayoutWriter} hard-links from it when it can.
     */
    public Layer build(Path spoolDir) throws IOException {
        List<TarEntry> ordered = entries();
        Files.createDirectories(spoolDir);
        Path tmp = Files.createTempFile(spoolDir, "layer-", ".tmp", Spool.FILE_MODE);
        try {
            String digest;
            long size;
            try (OutputStream f = Files.newOutputStream(tmp);
                    Digests.HashingOutputStream h = new Digests.HashingOutputStream(new BufferedOutputStream(f, 1 << 16))) {
                writeTar(ordered, h);
                h.flush();
                digest = h.digest();
                size = h.count();
            }
            Path target = spoolDir.resolve(Digests.hex(digest) + ".tar");
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            return new Layer(Blob.ofFile(target, digest, size), ordered, spoolDir);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private void writeTar(List<TarEntry> entries, OutputStream out) throws IOException {
        if (format == Format.GNU || entries.stream().anyMatch(e -> e.content() instanceof Content.Sparse)) {
            writeRaw(entries, out, format == Format.GNU);
            return;
        }
        // 10240-byte records like GNU tar; the stream is not closed (close() would close `out`).
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out, 10240, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
        for (TarEntry e : entries) {
            byte flag = switch (e.type()) {
                case DIRECTORY -> TarConstants.LF_DIR;
                case FILE -> TarConstants.LF_NORMAL;
                case SYMLINK -> TarConstants.LF_SYMLINK;
                case HARDLINK -> TarConstants.LF_LINK;
                case FIFO -> TarConstants.LF_FIFO;
            };
            String name = e.type() == TarEntry.Type.DIRECTORY ? e.path() + "/" : e.path();
            TarArchiveEntry te = new TarArchiveEntry(name, flag);
            te.setMode(e.mode()); // permission bits only, as GNU tar and Go write them
            te.setUserId(e.uid());
            te.setGroupId(e.gid());
            te.setUserName(e.uname()); // never the JVM's user.name, which commons-compress defaults to
            te.setGroupName(e.gname());
            te.setLastModifiedTime(FileTime.from(e.mtime()));
            if (e.linkTarget() != null) {
                te.setLinkName(e.linkTarget());
            }
            for (Map.Entry<String, String> x : new TreeMap<>(e.xattrs()).entrySet()) {
                te.addPaxHeader("SCHILY.xattr." + x.getKey(), x.getValue());
            }
            te.setSize(e.size());
            tar.putArchiveEntry(te);
            if (e.content() != null) {
                e.content().writeTo(tar);
            }
            tar.closeArchiveEntry();
        }
        tar.finish();
        tar.flush();
    }

    /** The {@link RawTar} writer for {@link Format#GNU} and for PAX layers with sparse files. */
    private static void writeRaw(List<TarEntry> entries, OutputStream out, boolean gnu) {
        RawTar tar = RawTar.to(out);
        for (TarEntry e : entries) {
            char flag = switch (e.type()) {
                case DIRECTORY -> '5';
                case FILE -> '0';
                case SYMLINK -> '2';
                case HARDLINK -> '1';
                case FIFO -> '6';
            };
            String name = e.type() == TarEntry.Type.DIRECTORY ? e.path() + "/" : e.path();
            byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
            byte[] linkBytes = e.linkTarget() == null ? new byte[0] : e.linkTarget().getBytes(StandardCharsets.UTF_8);
            long seconds = e.mtime().getEpochSecond();
            int nanos = e.mtime().getNano();
            Map<String, String> pax = new java.util.LinkedHashMap<>();
            if (gnu) {
                if (!e.xattrs().isEmpty()) {
                    throw new IllegalStateException(e.path() + ": GNU tar headers cannot carry xattrs");
                }
                if (nanos != 0) {
                    throw new IllegalStateException(e.path() + ": GNU tar headers cannot carry a sub-second mtime " + e.mtime());
                }
                if (nameBytes.length > 100) {
                    tar.gnuLongName(nameBytes);
                }
                if (linkBytes.length > 100) {
                    tar.gnuLongLink(linkBytes);
                }
            } else {
                // the records commons-compress would write, in Go's order (path, linkpath, ids, mtime, xattrs)
                if (nameBytes.length > 100 || !isAscii(name)) {
                    pax.put("path", name);
                }
                if (linkBytes.length > 100 || (e.linkTarget() != null && !isAscii(e.linkTarget()))) {
                    pax.put("linkpath", e.linkTarget());
                }
                if (e.uid() > 07777777) {
                    pax.put("uid", Long.toString(e.uid()));
                }
                if (e.gid() > 07777777) {
                    pax.put("gid", Long.toString(e.gid()));
                }
                if (nanos != 0 || seconds < 0 || seconds > 077777777777L) {
                    pax.put("mtime", paxTime(e.mtime()));
                }
                for (Map.Entry<String, String> x : new TreeMap<>(e.xattrs()).entrySet()) {
                    pax.put("SCHILY.xattr." + x.getKey(), x.getValue());
                }
            }
            RawTar.Header h = RawTar.header("", flag)
                    .name(java.util.Arrays.copyOf(nameBytes, Math.min(100, nameBytes.length)))
                    .linkname(java.util.Arrays.copyOf(linkBytes, Math.min(100, linkBytes.length)))
                    .mode(e.mode()).uid(gnu ? e.uid() : Math.min(e.uid(), 07777777)).gid(gnu ? e.gid() : Math.min(e.gid(), 07777777))
                    .mtime(gnu || pax.containsKey("mtime") ? Math.max(0, Math.min(seconds, 077777777777L)) : seconds)
                    .uname(e.uname()).gname(e.gname());
            if (gnu) {
                h.gnu().mtime(seconds);
            }
            if (e.content() instanceof Content.Sparse sp) {
                // one PAX header: Go's reader keeps only the last of consecutive ones
                tar.sparse(gnu ? RawTar.SparseFormat.OLD_GNU : RawTar.SparseFormat.PAX_1_0, h, sp.size(), blockAligned(sp), name, pax);
                continue;
            }
            if (!pax.isEmpty()) {
                tar.pax(pax);
            }
            tar.entry(h, e.content() == null ? Content.bytes(new byte[0]) : e.content());
        }
        tar.end().padTo(10240);
    }

    /**
     * The regions widened to 512-byte blocks (and merged where they touch), as GNU tar writes them:
     * GNU tar reads each region's data from a block boundary, Go and commons-compress read them
     * packed; they agree only on aligned regions. The file's content is the same (the widening adds
     * zeros of the holes).
     */
    static List<RawTar.Region> blockAligned(Content.Sparse sp) {
        List<long[]> spans = new ArrayList<>();
        for (RawTar.Region r : sp.regions()) {
            if (r.length() == 0) {
                continue;
            }
            long from = r.offset() / 512 * 512;
            long to = Math.min(sp.size(), (r.offset() + r.length() + 511) / 512 * 512);
            long[] last = spans.isEmpty() ? null : spans.get(spans.size() - 1);
            if (last != null && from <= last[1]) {
                last[1] = Math.max(last[1], to);
            } else {
                spans.add(new long[] {from, to});
            }
        }
        List<RawTar.Region> out = new ArrayList<>();
        for (long[] span : spans) {
            byte[] data = new byte[Math.toIntExact(span[1] - span[0])];
            for (RawTar.Region r : sp.regions()) {
                long a = Math.max(r.offset(), span[0]);
                long b = Math.min(r.offset() + r.length(), span[1]);
                if (a < b) {
                    System.arraycopy(r.data(), (int) (a - r.offset()), data, (int) (a - span[0]), (int) (b - a));
                }
            }
            out.add(new RawTar.Region(span[0], data));
        }
        return out;
    }

    private static boolean isAscii(String s) {
        return s.chars().allMatch(c -> c < 0x80);
    }

    /** PAX time: seconds, and the fraction without trailing zeros. */
    private static String paxTime(Instant t) {
        long sec = t.getEpochSecond();
        int nano = t.getNano();
        if (nano == 0) {
            return Long.toString(sec);
        }
        if (sec < 0) { // -1.5 s is seconds -2, nanos 5e8
            sec += 1;
            nano = 1_000_000_000 - nano;
        }
        String f = String.format("%09d", nano).replaceAll("0+$", "");
        return (t.getEpochSecond() < 0 && sec == 0 ? "-" : "") + sec + "." + f;
    }

    // ---------------------------------------------------------------------------------- ordering

    private static List<TarEntry> order(List<TarEntry> in) {
        List<TarEntry> sorted = new ArrayList<>(in);
        sorted.sort(Comparator.comparing(TarEntry::path, LayerBuilder::comparePaths)); // stable
        Set<String> inLayer = new HashSet<>();
        for (TarEntry e : sorted) {
            inLayer.add(e.path());
        }
        List<TarEntry> out = new ArrayList<>(sorted.size());
        Set<String> written = new HashSet<>();
        Map<String, List<TarEntry>> waiting = new HashMap<>();
        for (TarEntry e : sorted) {
            emit(e, inLayer, written, waiting, out);
        }
        if (!waiting.isEmpty()) { // only hard-link cycles within the layer can get here
            throw new IllegalStateException("hard links without a target entry: " + waiting.keySet());
        }
        return out;
    }

    private static void emit(TarEntry e, Set<String> inLayer, Set<String> written, Map<String, List<TarEntry>> waiting,
            List<TarEntry> out) {
        if (e.type() == TarEntry.Type.HARDLINK && inLayer.contains(e.linkTarget()) && !written.contains(e.linkTarget())) {
            waiting.computeIfAbsent(e.linkTarget(), k -> new ArrayList<>()).add(e);
            return;
        }
        out.add(e);
        written.add(e.path());
        List<TarEntry> links = waiting.remove(e.path());
        if (links != null) {
            for (TarEntry l : links) {
                emit(l, inLayer, written, waiting, out);
            }
        }
    }

    /** Component-wise, UTF-8 byte order; within a directory: opaque marker, whiteouts, the rest. */
    static int comparePaths(String a, String b) {
        String[] ca = a.split("/", -1);
        String[] cb = b.split("/", -1);
        for (int i = 0; i < Math.min(ca.length, cb.length); i++) {
            int c = compareNames(ca[i], cb[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(ca.length, cb.length);
    }

    private static int compareNames(String a, String b) {
        int r = Integer.compare(rank(a), rank(b));
        return r != 0 ? r : Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    private static int rank(String name) {
        return name.equals(TarEntry.OPAQUE) ? 0 : name.startsWith(TarEntry.WHITEOUT_PREFIX) ? 1 : 2;
    }

    // ----------------------------------------------------------------------------------- helpers

    private LayerBuilder add(TarEntry e) {
        if (e.path().isEmpty()) {
            throw new IllegalArgumentException("empty path");
        }
        entries.add(e);
        current = entries.size() - 1;
        return this;
    }

    private TarEntry last() {
        if (current < 0) {
            throw new IllegalStateException("no entry added yet");
        }
        return entries.get(current);
    }

    private LayerBuilder replaceLast(TarEntry e) {
        entries.set(current, e);
        return this;
    }

    /** Strips leading {@code /} and {@code ./} and trailing {@code /}. */
    static String norm(String path) {
        String p = path;
        while (p.startsWith("/") || p.startsWith("./")) {
            p = p.startsWith("/") ? p.substring(1) : p.substring(2);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }
}
