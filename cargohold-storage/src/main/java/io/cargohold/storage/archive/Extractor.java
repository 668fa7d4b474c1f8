package io.cargohold.storage.archive;

import io.cargohold.text.GoStrings;
import io.cargohold.storage.IdMap;
import io.cargohold.storage.internal.PosixFs;
import io.cargohold.storage.internal.Trees;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies the entries of a layer tar to a layer tree with upstream's (v1.43.0 {@code UnpackLayer})
 * semantics: whiteouts ({@code .wh.NAME}) and opaque directories ({@code .wh..wh..opq}, sparing
 * what this layer wrote), missing parents created 0755, an existing entry replaced unless both are
 * directories, owners mapped container → host, modes, ns times, xattrs, hard links, device nodes,
 * FIFOs, and directory times set at the end. Nothing is created or changed outside the root:
 * names that climb out with "..", hard links to outside, and paths leading out through symbolic
 * links are refused ({@link InRoot}).
 *
 * <p>Where upstream is fragile this is not: a whiteout below a path that is no longer a directory (an
 * earlier entry turned it into a file, as umoci writes when a directory becomes a file) is a no-op.
 */
final class Extractor {
    private static final String WH = ".wh.";
    private static final String WH_META = ".wh..wh.";
    private static final String WH_OPAQUE = ".wh..wh..opq";
    private static final String WH_LINKDIR = ".wh..wh.plnk";
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
    private static final boolean ROOT = PosixFs.geteuid() == 0;

    private final InRoot in;
    private final List<IdMap> uidMap;
    private final List<IdMap> gidMap;
    private final Set<Path> unpacked = new HashSet<>();
    private final List<Object[]> dirTimes = new ArrayList<>();
    private final Map<String, Object[]> aufsLinks = new HashMap<>();
    private static final byte[] ZEROS = new byte[1 << 17];
    private final byte[] buf = new byte[1 << 17];
    /** The end of the last bytes {@link #copy} wrote to the current file: its size (it was created empty). */
    private long writtenEnd;
    private Path aufsTemp;
    private long size;

    private boolean ignoreChownErrors;
    /** Non-null: the overlay whiteout format (upstream's Unpack with the overlay converter), else AUFS (UnpackLayer). */
    private OverlayWhiteouts overlay;

    Extractor ignoreChownErrors(boolean ignore) {
        this.ignoreChownErrors = ignore;
        return this;
    }

    /**
     * Applies to an overlay {@code diff/} directory as upstream's overlay driver does ({@code Unpack} with
     * the overlay whiteout converter): whiteouts become 0/0 character devices, opaque markers the opaque
     * xattr - nothing is deleted - and an entry for the root itself is skipped.
     */
    Extractor overlayWhiteouts(OverlayWhiteouts wo) {
        this.overlay = wo;
        return this;
    }

    /** Upstream's Unpack without a whiteout converter (overlay with a mount program): {@code .wh.} entries are written as files. */
    private boolean keepWhiteouts;
    /** Upstream's TarOptions.ForceMask: every entry gets this mode, no owner, and its real ones in {@link #OVERRIDE_XATTR}. */
    private Integer forceMask;
    /** idtools.ContainersOverrideXattr, which fuse-overlayfs reads with {@code xattr_permissions=2}. */
    static final String OVERRIDE_XATTR = "user.containers.override_stat";

    /**
     * Applies as upstream's {@code Unpack} with the AUFS whiteout format does (its overlay driver with a
     * {@code mount_program}): whiteout and AUFS metadata entries are written as they are, for the mount
     * program to interpret; nothing is deleted.
     */
    Extractor keepWhiteouts(boolean keep) {
        this.keepWhiteouts = keep;
        return this;
    }

    /**
     * Upstream's {@code force_mask}: directories and files are made with {@code mask} as their mode, not
     * chowned, and {@code user.containers.override_stat} holds {@code UID:GID:0MODE} (host IDs, the
     * entry's permission bits) for everything but symbolic links; the root gets its own stat there first.
     */
    Extractor forceMask(Integer mask) throws IOException {
        this.forceMask = mask;
        if (mask != null) {
            Map<String, Object> a = Files.readAttributes(in.root(), "unix:uid,gid,mode");
            String v = Integer.toUnsignedString((int) a.get("uid")) + ":" + Integer.toUnsignedString((int) a.get("gid")) + ":0"
                    + Integer.toOctalString((int) a.get("mode") & 07777);
            PosixFs.setXattr(in.root(), OVERRIDE_XATTR, v.getBytes(StandardCharsets.UTF_8));
        }
        return this;
    }

    Extractor(Path root, List<IdMap> uidMap, List<IdMap> gidMap) {
        this.in = new InRoot(root);
        this.uidMap = uidMap == null ? List.of() : uidMap;
        this.gidMap = gidMap == null ? List.of() : gidMap;
        PosixFs.ProcIds ids = PosixFs.procIds();
        this.egid = (int) ids.egid();
        this.umask = ids.umask();
    }

    /**
     * What a file this process creates gets without further calls: its owner is the effective UID, its group
     * the effective GID when the directory's group is that GID too (so neither a setgid directory nor a
     * grpid mount gives it another), its permission bits those asked for at creation less the umask, and a
     * directory made in a setgid directory turns setgid. Where an entry's owner and mode are those, the
     * lchown and chmod by path that would set them again are skipped (a fresh layer of root-owned files
     * made by root: two of the six calls per file). -1: unknown, nothing is skipped.
     */
    private final int egid;
    private final int umask;
    /** Per directory (path) entries were made in: {gid, mode}; dropped whenever a tree is removed or a directory is changed. */
    private final Map<Path, int[]> dirStat = new HashMap<>();

    /** Sum of the entries' sizes (upstream's UnpackLayer result). */
    long size() {
        return size;
    }

    /** Applies one entry, reading its content from {@code tr} (into {@code crc} when not null). */
    void apply(TarHeader h, TarReader tr, ParallelCrc64 crc) throws IOException {
        size += h.size();
        if (h.type() == TarHeader.GLOBAL) {
            return; // upstream ignores PAX global headers
        }
        String name = TarSplitWriter.utf8OrNull(h.name());
        if (name == null) {
            throw new TarFormatException("layer entry name is not valid UTF-8: "
                    + new String(h.name(), StandardCharsets.ISO_8859_1));
        }
        String rel = PathNames.relative(name);
        if (rel == null) {
            throw new InRoot.BreakoutException("layer entry " + GoStrings.quote(name) + " is outside of the layer");
        }
        InRoot.Dir parent = rel.equals(".") ? new InRoot.Dir(in.root(), true, null) : in.directory(PathNames.parent(rel), true);
        if (keepWhiteouts && rel.equals(".")) {
            BasicFileAttributes root = lstat(in.root());
            if (root != null && root.isDirectory()) {
                return; // Unpack: an existing root directory is left as it is
            }
        }
        if (overlay != null) {
            if (rel.equals(".")) {
                return; // Unpack: an existing root directory is left as it is
            }
            String b = PathNames.base(rel);
            if (b.startsWith(WH)) {
                if (!parent.isDirectory()) {
                    return;
                }
                overlay.convertRead(b, parent.path(), toHost(h.uid(), uidMap, "UID"), toHost(h.gid(), gidMap, "GID"));
                in.invalidate();
                return;
            }
        }
        if (rel.startsWith(WH_META) && !keepWhiteouts) {
            if (rel.startsWith(WH_LINKDIR + "/") && h.isRegular()) {
                stashAufsLink(rel, h, tr, crc);
                return;
            }
            if (!rel.equals(WH_OPAQUE)) {
                return; // other AUFS metadata is skipped, as upstream does
            }
        }
        String base = PathNames.base(rel);
        if (base.startsWith(WH) && !keepWhiteouts) {
            if (!parent.isDirectory()) {
                return; // a whiteout below something that is no longer a directory: nothing to remove
            }
            if (base.equals(WH_OPAQUE)) {
                emptyExceptUnpacked(parent.path());
            } else {
                removeAll(parent.path().resolve(base.substring(WH.length())));
            }
            return;
        }
        if (!parent.isDirectory()) {
            throw new IOException("cannot create " + GoStrings.quote(name) + ": " + GoStrings.quote(parent.blocker()) + " is not a directory");
        }
        if (rel.equals(".") && h.type() != TarHeader.DIR) {
            throw new TarFormatException("layer entry " + GoStrings.quote(name) + " would replace the layer's root directory");
        }
        Path path = rel.equals(".") ? in.root() : parent.path().resolve(base);
        int existing = PosixFs.lstatType(path);
        existingDir = existing == PosixFs.S_IFDIR && h.type() == TarHeader.DIR;
        if (existing != 0 && !existingDir) {
            removeAll(path);
        }
        TarHeader src = h;
        Path aufsSource = null;
        if (h.type() == TarHeader.LINK && !keepWhiteouts && PathNames.clean(h.linkString()).startsWith(WH_LINKDIR)) {
            Object[] stashed = aufsLinks.get(PathNames.base(PathNames.clean(h.linkString())));
            if (stashed == null) {
                throw new TarFormatException("invalid aufs hardlink");
            }
            aufsSource = (Path) stashed[0];
            src = (TarHeader) stashed[1];
        }
        create(path, src, tr, crc, aufsSource);
        if (src.type() == TarHeader.DIR) {
            dirTimes.add(new Object[] {rel, src});
            if (!rel.equals(".")) {
                in.remember(rel, path);
            }
        }
        unpacked.add(path);
    }

    /** Whether the entry {@link #create} makes is a directory that exists already (and stays). */
    private boolean existingDir;

    private void create(Path path, TarHeader h, TarReader tr, ParallelCrc64 crc, Path aufsSource) throws IOException {
        int perm = (int) (h.mode() & 07777);
        if (forceMask != null) {
            perm = forceMask;
        }
        boolean fresh = true; // a new inode made here now (not an existing directory, not a hard link to another)
        switch (h.type()) {
            case TarHeader.DIR -> {
                if (!existingDir) {
                    Files.createDirectory(path, permissions(perm));
                } else {
                    fresh = false;
                }
                dirStat.remove(path); // its owner and mode are set below
            }
            case TarHeader.REG, TarHeader.CONT -> {
                if (aufsSource != null) {
                    Files.copy(aufsSource, path);
                    fresh = false;
                } else {
                    writeFile(path, h, tr, crc, perm);
                }
            }
            case TarHeader.CHAR, TarHeader.BLOCK -> {
                if (!ROOT) {
                    return; // upstream skips device nodes when it cannot create them (user namespace)
                }
                PosixFs.mknod(path, (h.type() == TarHeader.CHAR ? 0020000 : 0060000) | perm, makedev(h.devMajor(), h.devMinor()));
            }
            case TarHeader.FIFO -> PosixFs.mknod(path, 0010000 | perm, 0);
            case TarHeader.LINK -> {
                fresh = false;
                String link = h.linkString();
                String targetRel = PathNames.relative(link);
                if (targetRel == null || targetRel.equals(".")) {
                    throw new InRoot.BreakoutException("invalid hardlink " + GoStrings.quote(PathNames.base(path.toString())) + " -> "
                            + GoStrings.quote(link) + ": target is outside of the layer");
                }
                Path target = in.entry(targetRel, false);
                if (target == null || lstat(target) == null) {
                    throw new NoSuchFileException("hard link target " + GoStrings.quote(link) + " of " + GoStrings.quote(path.toString())
                            + " does not exist in the layer");
                }
                Files.createLink(path, target);
            }
            case TarHeader.SYMLINK -> PosixFs.symlink(h.linkName(), path);
            default -> throw new TarFormatException("unhandled tar header type " + (int) h.type());
        }
        int hostUid = (int) toHost(h.uid(), uidMap, "UID");
        int hostGid = (int) toHost(h.gid(), gidMap, "GID");
        if (forceMask != null) {
            if (h.type() != TarHeader.SYMLINK) {
                // Go's hdr.FileInfo().Mode()&07777: the permission bits only (setuid & co. live elsewhere in a FileMode)
                String v = Integer.toUnsignedString(hostUid) + ":" + Integer.toUnsignedString(hostGid) + ":0"
                        + Long.toOctalString(h.mode() & 0777);
                PosixFs.setXattr(path, OVERRIDE_XATTR, v.getBytes(StandardCharsets.UTF_8));
            }
        } else if (!(fresh && ownedAsMade(path, hostUid, hostGid))) {
            try {
                PosixFs.lchown(path, hostUid, hostGid);
            } catch (PosixFs.ErrnoException e) {
                if (!ignoreChownErrors) {
                    throw e;
                }
                System.err.println("Chown error detected. Ignoring due to ignoreChownErrors flag: " + e.getMessage());
            }
        }
        boolean linkToSymlink = false;
        if (h.type() == TarHeader.LINK) {
            BasicFileAttributes a = lstat(path);
            linkToSymlink = a != null && a.isSymbolicLink();
        }
        if (h.type() != TarHeader.SYMLINK && !linkToSymlink && !(fresh && modeAsMade(path, h.type(), perm))) {
            PosixFs.chmod(path, perm);
        }
        long mtime = h.mtimeNanos();
        long atime = h.atimeNanos() == Long.MIN_VALUE || h.atimeNanos() < mtime ? mtime : h.atimeNanos();
        if (!linkToSymlink) {
            PosixFs.setTimes(path, atime, mtime);
        }
        for (Map.Entry<String, byte[]> x : h.xattrs().entrySet()) {
            if (x.getKey().equals("security.selinux")) {
                continue;
            }
            try {
                PosixFs.setXattr(path, x.getKey(), x.getValue());
            } catch (PosixFs.ErrnoException e) {
                if (e.errno() != PosixFs.ENOTSUP && !(e.errno() == PosixFs.EPERM && !ROOT)) {
                    throw e;
                }
            }
        }
    }

    /** Whether a new file made by this process at {@code path} has the owner {@code uid:gid} already (see {@link #egid}). */
    private boolean ownedAsMade(Path path, int uid, int gid) throws IOException {
        if (uid != PosixFs.geteuid() || egid < 0 || gid != egid) {
            return false;
        }
        int[] dir = dirStat(path.getParent());
        return dir != null && dir[0] == egid;
    }

    /** Whether a new entry made with {@code perm} at {@code path} has the mode {@code perm} already (see {@link #egid}). */
    private boolean modeAsMade(Path path, char type, int perm) throws IOException {
        if (umask < 0 || (perm & 07000) != 0 || (perm & umask) != 0 || type == TarHeader.CHAR || type == TarHeader.BLOCK) {
            return false;
        }
        if (type == TarHeader.DIR) {
            int[] dir = dirStat(path.getParent());
            return dir != null && (dir[1] & 02000) == 0; // in a setgid directory a new directory turns setgid
        }
        return true;
    }

    private int[] dirStat(Path dir) throws IOException {
        if (dir == null) {
            return null;
        }
        int[] st = dirStat.get(dir);
        if (st == null) {
            Map<String, Object> a = Files.readAttributes(dir, "unix:gid,mode", NOFOLLOW);
            st = new int[] {(Integer) a.get("gid"), (Integer) a.get("mode")};
            dirStat.put(dir, st);
        }
        return st;
    }

    private static java.nio.file.attribute.FileAttribute<java.util.Set<java.nio.file.attribute.PosixFilePermission>> permissions(int perm) {
        return java.nio.file.attribute.PosixFilePermissions.asFileAttribute(PosixFs.permissions(perm));
    }

    private void writeFile(Path path, TarHeader h, TarReader tr, ParallelCrc64 crc, int perm) throws IOException {
        try (FileChannel ch = FileChannel.open(path, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), permissions(perm))) {
            writtenEnd = 0;
            long end;
            if (h.sparse() == null) {
                end = copy(tr, ch, 0, h.storedSize(), crc);
            } else {
                end = 0;
                for (long[] frag : h.sparse()) {
                    end = copy(tr, ch, frag[0], frag[1], null);
                }
            }
            // writtenEnd, not ch.size(): the same value (a new file) without an fstat per file
            if (end < h.size() || writtenEnd < h.size()) {
                ch.write(ByteBuffer.wrap(new byte[1]), h.size() - 1); // extend to the real size, leaving a hole
            }
        }
    }

    /**
     * Copies {@code n} content bytes to {@code ch} at {@code pos}; blocks of zeros are skipped (left as
     * holes), so long runs of zeros - and zero-filled decompression bombs - take no disk space.
     * Returns the position after the content.
     */
    private long copy(TarReader tr, FileChannel ch, long pos, long n, ParallelCrc64 crc) throws IOException {
        while (n > 0) {
            byte[] b = crc != null ? crc.buffer() : buf;
            int k = tr.read(b, 0, (int) Math.min(n, b.length));
            if (k < 0) {
                throw new TarFormatException("unexpected end of layer stream inside an entry's content");
            }
            if (k < ZEROS.length || Arrays.mismatch(b, 0, k, ZEROS, 0, k) >= 0) {
                ByteBuffer w = ByteBuffer.wrap(b, 0, k);
                long at = pos;
                while (w.hasRemaining()) {
                    at += ch.write(w, at);
                }
                writtenEnd = Math.max(writtenEnd, at);
            }
            if (crc != null) {
                crc.submit(k); // checksummed on the other thread while we read on
            }
            pos += k;
            n -= k;
        }
        return pos;
    }

    private void stashAufsLink(String rel, TarHeader h, TarReader tr, ParallelCrc64 crc) throws IOException {
        if (aufsTemp == null) {
            aufsTemp = Files.createTempDirectory("storageplnk");
        }
        Path f = aufsTemp.resolve(PathNames.base(rel));
        Files.deleteIfExists(f);
        writeFile(f, h, tr, crc, 0600);
        aufsLinks.put(PathNames.base(rel), new Object[] {f, h});
    }

    /** Upstream's opaque-directory walk: everything below {@code dir} that this layer did not write goes. */
    private void emptyExceptUnpacked(Path dir) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path c : s) {
                children.add(c);
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            return;
        }
        for (Path c : children) {
            if (unpacked.contains(c)) {
                BasicFileAttributes a = lstat(c);
                if (a != null && a.isDirectory()) {
                    emptyExceptUnpacked(c);
                }
            } else {
                removeAll(c);
            }
        }
    }

    /** os.RemoveAll without following symbolic links; the resolver's cache is dropped. */
    private void removeAll(Path p) throws IOException {
        if (lstat(p) == null) {
            return;
        }
        in.invalidate();
        dirStat.clear();
        Trees.removeAll(p);
    }

    /** Directory times last, as upstream does, so later entries do not disturb them. */
    void finish() throws IOException {
        for (Object[] d : dirTimes) {
            String rel = (String) d[0];
            TarHeader h = (TarHeader) d[1];
            Path p = in.entry(rel, false);
            BasicFileAttributes a = p == null ? null : lstat(p);
            if (a == null || !a.isDirectory()) {
                continue; // replaced or removed later in the layer
            }
            long mtime = h.mtimeNanos();
            long atime = h.atimeNanos() == Long.MIN_VALUE || h.atimeNanos() < mtime ? mtime : h.atimeNanos();
            PosixFs.setTimes(p, atime, mtime);
        }
        if (aufsTemp != null) {
            try (var s = Files.walk(aufsTemp)) {
                for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(x);
                }
            }
        }
    }

    private static BasicFileAttributes lstat(Path p) throws IOException {
        if (PosixFs.lstatType(p) == 0) {
            return null; // one statx without an exception: most entries are new
        }
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
        } catch (NoSuchFileException e) {
            return null;
        } catch (java.nio.file.FileSystemException e) {
            if (e.getReason() != null && e.getReason().contains("Not a directory")) {
                return null;
            }
            throw e;
        }
    }

    static long toHost(long id, List<IdMap> map, String what) throws IOException {
        if (map.isEmpty()) {
            return id;
        }
        for (IdMap m : map) {
            if (id >= m.containerId() && id < m.containerId() + m.size()) {
                return m.hostId() + (id - m.containerId());
            }
        }
        throw new IOException("container " + what + " " + id + " cannot be mapped to a host ID");
    }

    static long makedev(long major, long minor) {
        return ((major & 0xfffL) << 8) | (minor & 0xffL) | ((minor & ~0xffL) << 12) | ((major & ~0xfffL) << 32);
    }
}
