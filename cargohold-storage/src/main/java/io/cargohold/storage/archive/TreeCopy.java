package io.cargohold.storage.archive;

import io.cargohold.storage.IdMap;
import io.cargohold.storage.internal.PosixFs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Copies a file or a directory's contents, as containers/storage v1.43.0's {@code containers-storage copy}
 * does through {@code Archiver.CopyWithTar} (a tar stream unpacked in a chroot); here the entries are built
 * as that stream's headers would be and applied directly, with the same outcome.
 *
 * <p>Owners: the {@code chown} pair when given, otherwise the source owner mapped host to container by the
 * source maps; either is then mapped container to host by the target maps. An owner the source maps cannot
 * map leaves that entry out of a directory copy (upstream only logs it) and fails a file copy; one the target
 * maps cannot map fails the copy.
 */
public final class TreeCopy {
    private static final int ENOTSUP = PosixFs.ENOTSUP;

    private TreeCopy() {
    }

    /** {@link #copy(Path, Path, boolean, List, List, List, List, IdPair)} with a target not ending in '/'. */
    public static void copy(Path source, Path target, List<IdMap> sourceUid, List<IdMap> sourceGid,
            List<IdMap> targetUid, List<IdMap> targetGid, IdPair chownOrNull) throws IOException {
        copy(source, target, false, sourceUid, sourceGid, targetUid, targetGid, chownOrNull);
    }

    /**
     * Copies {@code source} (followed if a symlink) to {@code target}.
     *
     * <p>A directory: {@code target} and any missing parents are created with mode 0755 (less the umask),
     * owned by {@code chown} as given (not mapped) or else by the target maps' root; an existing directory
     * is kept as it is. The source's contents (not the directory itself) are then merged into it: an
     * existing directory meeting a directory keeps its entries and takes the source's metadata; anything
     * else existing is replaced. Mode, owner, modification and access times (to the nanosecond),
     * {@code security.capability}, {@code security.ima} and {@code user.*} extended attributes, device
     * numbers and hard links within the copy are preserved; sockets are left out.
     *
     * <p>A non-directory: copied to {@code target}, or to {@code target/NAME} when
     * {@code targetEndsWithSlash} (upstream looks at the last character of the target string, which a
     * {@code Path} cannot carry). Missing parents are created with mode 0700. Its mode, owner and times are
     * kept, not its extended attributes (upstream's single-file copy carries none). An existing directory at
     * the final target is an error, as upstream's; anything else there is replaced.
     */
    public static void copy(Path source, Path target, boolean targetEndsWithSlash, List<IdMap> sourceUid,
            List<IdMap> sourceGid, List<IdMap> targetUid, List<IdMap> targetGid, IdPair chownOrNull)
            throws IOException {
        FsStat st = FsStat.stat(source);
        Unpacker untar = new Unpacker(targetUid, targetGid, chownOrNull);
        if (!st.isDir()) {
            copyFile(source, st, target, targetEndsWithSlash, sourceUid, sourceGid, untar);
            return;
        }
        IdPair rootIds = chownOrNull != null ? chownOrNull : Ids.rootPair(targetUid, targetGid);
        mkdirAllAndChownNew(target, "rwxr-xr-x", rootIds);
        Map<Long, String> seen = new HashMap<>();
        if (!FsStat.lstat(source).isDir()) {
            // A symlink to a directory: upstream's tar side lstats it and archives the link itself.
            String base = source.getFileName().toString();
            untar.apply(target, tarEntry(source, base, sourceUid, sourceGid, seen), false);
        } else {
            walk(source, "", target, sourceUid, sourceGid, seen, untar);
        }
        untar.finishDirectories(target);
    }

    private static Entry tarEntry(Path p, String rel, List<IdMap> uid, List<IdMap> gid, Map<Long, String> seen) {
        try {
            return Entry.fromFile(p, rel, uid, gid, seen, null, true);
        } catch (IOException e) {
            return null;
        }
    }

    private static void walk(Path dir, String prefix, Path target, List<IdMap> sourceUid, List<IdMap> sourceGid,
            Map<Long, String> seen, Unpacker untar) throws IOException {
        List<String> children;
        try {
            children = TreeArchiver.list(dir);
        } catch (IOException e) {
            return;
        }
        for (String child : children) {
            Path p = dir.resolve(child);
            String rel = prefix + child;
            Entry h = tarEntry(p, rel, sourceUid, sourceGid, seen);
            if (h != null) {
                untar.apply(target, h, false);
            }
            FsStat st;
            try {
                st = FsStat.lstat(p);
            } catch (IOException e) {
                continue;
            }
            if (st.isDir()) {
                walk(p, rel + "/", target, sourceUid, sourceGid, seen, untar);
            }
        }
    }

    private static void copyFile(Path source, FsStat st, Path target, boolean targetEndsWithSlash,
            List<IdMap> sourceUid, List<IdMap> sourceGid, Unpacker untar) throws IOException {
        if (targetEndsWithSlash) {
            target = target.resolve(source.getFileName().toString());
        }
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        // Go's tar.FileInfoHeader of the followed stat: no type bits in the mode, no extended attributes.
        Entry h = new Entry();
        h.name = target.getFileName().toString();
        h.source = source;
        switch (st.type()) {
            case FsStat.S_IFREG -> {
                h.type = Entry.REG;
                h.size = st.size();
            }
            case FsStat.S_IFCHR -> h.type = Entry.CHAR;
            case FsStat.S_IFBLK -> h.type = Entry.BLOCK;
            case FsStat.S_IFIFO -> h.type = Entry.FIFO;
            case FsStat.S_IFSOCK -> throw new IOException("archive/tar: sockets not supported");
            default -> throw new IOException("archive/tar: unknown file mode " + Integer.toOctalString(st.mode()));
        }
        h.mode = st.mode() & 07777;
        if (h.type == Entry.CHAR || h.type == Entry.BLOCK) {
            long dev = st.rdev();
            h.devMajor = ((dev & 0x00000000000fff00L) >>> 8) | ((dev & 0xfffff00000000000L) >>> 32);
            h.devMinor = (dev & 0x00000000000000ffL) | ((dev & 0x00000ffffff00000L) >>> 12);
        }
        h.mtimeSec = st.mtimeSec();
        h.mtimeNsec = st.mtimeNsec();
        h.atimeSec = st.atimeSec();
        h.atimeNsec = st.atimeNsec();
        if (untar.chown != null) {
            h.uid = untar.chown.uid();
            h.gid = untar.chown.gid();
        } else if (!Ids.empty(sourceUid, sourceGid)) {
            h.uid = Ids.toContainer(st.uid(), sourceUid);
            h.gid = Ids.toContainer(st.gid(), sourceGid);
        } else {
            h.uid = st.uid();
            h.gid = st.gid();
        }
        untar.apply(parent, h, true);
        untar.finishDirectories(parent);
    }

    /**
     * Upstream's {@code idtools.MkdirAllAndChownNew}: nothing when the directory exists (an existing
     * non-directory is an error); otherwise it and its missing parents are created and chowned.
     */
    static void mkdirAllAndChownNew(Path path, String perms, IdPair ids) throws IOException {
        path = path.toAbsolutePath();
        if (Files.exists(path)) {
            if (!Files.isDirectory(path)) {
                throw new FileSystemException(path.toString(), null, "mkdir: not a directory");
            }
            return;
        }
        List<Path> created = new ArrayList<>();
        created.add(path);
        for (Path p = path.getParent(); p != null && p.getParent() != null; p = p.getParent()) {
            if (!Files.exists(p)) {
                created.add(p);
            }
        }
        Files.createDirectories(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(perms)));
        for (Path p : created) {
            FsStat st = FsStat.stat(p);
            if (st.uid() != Integer.toUnsignedLong(ids.uid()) || st.gid() != Integer.toUnsignedLong(ids.gid())) {
                PosixFs.lchown(p, ids.uid(), ids.gid());
            }
        }
    }

    /** Upstream's {@code archive.Unpack} and {@code createTarFile}, one entry at a time. */
    private static final class Unpacker {
        final List<IdMap> uidMap;
        final List<IdMap> gidMap;
        final IdPair chown;
        final IdPair rootIds;
        final List<Entry> dirs = new ArrayList<>();

        Unpacker(List<IdMap> uidMap, List<IdMap> gidMap, IdPair chown) {
            this.uidMap = uidMap;
            this.gidMap = gidMap;
            this.chown = chown;
            this.rootIds = Ids.rootPair(uidMap, gidMap);
        }

        void apply(Path dest, Entry h, boolean noOverwriteDirNonDir) throws IOException {
            if (h == null) {
                return;
            }
            String name = clean(h.name);
            int slash = name.lastIndexOf('/');
            if (slash > 0) {
                Path parentPath = dest.resolve(name.substring(0, slash));
                if (!exists(parentPath)) {
                    mkdirAllAndChownNew(parentPath, "rwxrwxrwx", rootIds);
                }
                // Inside upstream's chroot a symlinked parent resolves within the target; here it would not.
                if (!FsStat.lstat(parentPath).isDir()) {
                    throw new IOException("copy: parent of " + name + " is not a directory in " + dest);
                }
            }
            Path path = dest.resolve(name);
            if (exists(path)) {
                boolean isDir = FsStat.lstat(path).isDir();
                if (noOverwriteDirNonDir && isDir && h.type != Entry.DIR) {
                    throw new IOException("cannot overwrite directory \"" + path + "\" with non-directory \"" + dest + "\"");
                }
                if (noOverwriteDirNonDir && !isDir && h.type == Entry.DIR) {
                    throw new IOException("cannot overwrite non-directory \"" + path + "\" with directory \"" + dest + "\"");
                }
                if (!(isDir && h.type == Entry.DIR)) {
                    removeAll(path);
                }
            }
            long uid = chown != null ? chown.uid() : h.uid;
            long gid = chown != null ? chown.gid() : h.gid;
            if (!Ids.empty(uidMap, gidMap)) {
                uid = Ids.toHost(uid, uidMap);
                gid = Ids.toHost(gid, gidMap);
            }
            create(dest, path, h, (int) uid, (int) gid);
            if (h.type == Entry.DIR) {
                dirs.add(h);
            }
        }

        private void create(Path dest, Path path, Entry h, int uid, int gid) throws IOException {
            Path linkTarget = null;
            switch (h.type) {
                case Entry.DIR -> {
                    if (!(exists(path) && FsStat.lstat(path).isDir())) {
                        Files.createDirectory(path);
                    }
                }
                case Entry.REG -> {
                    try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE)) {
                        copyContent(h, out);
                    }
                }
                case Entry.BLOCK, Entry.CHAR, Entry.FIFO -> {
                    int type = h.type == Entry.BLOCK ? FsStat.S_IFBLK : h.type == Entry.CHAR ? FsStat.S_IFCHR : FsStat.S_IFIFO;
                    long dev = ((h.devMinor & 0xfff00) << 12) | ((h.devMajor & 0xfff) << 8) | (h.devMinor & 0xff);
                    PosixFs.mknod(path, (h.mode & 07777) | type, dev & 0xffffffffL);
                }
                case Entry.LINK -> {
                    linkTarget = dest.resolve(clean(h.linkname));
                    Files.createLink(path, linkTarget);
                }
                case Entry.SYMLINK -> PosixFs.symlink(h.linkname.getBytes(java.nio.charset.StandardCharsets.UTF_8), path);
                default -> throw new IOException("unhandled tar header type " + h.type);
            }
            // SafeLchown: only when the owner differs (a chown clears setuid/setgid bits).
            FsStat now = FsStat.lstat(path);
            if (now.uid() != Integer.toUnsignedLong(uid) || now.gid() != Integer.toUnsignedLong(gid)) {
                PosixFs.lchown(path, uid, gid);
            }
            boolean linkToNonSymlink = h.type == Entry.LINK && exists(linkTarget) && !FsStat.lstat(linkTarget).isSymlink();
            if (linkToNonSymlink || (h.type != Entry.LINK && h.type != Entry.SYMLINK)) {
                PosixFs.chmod(path, h.mode & 07777);
            }
            long atimeSec = h.atimeSec;
            int atimeNsec = h.atimeNsec;
            if (atimeSec < h.mtimeSec || (atimeSec == h.mtimeSec && atimeNsec < h.mtimeNsec)) {
                atimeSec = h.mtimeSec;
                atimeNsec = h.mtimeNsec;
            }
            if (h.type == Entry.SYMLINK) {
                PosixFs.setTimes(path, nanos(atimeSec, atimeNsec), nanos(h.mtimeSec, h.mtimeNsec));
            } else if (h.type != Entry.LINK || linkToNonSymlink) {
                chtimes(path, atimeSec, atimeNsec, h.mtimeSec, h.mtimeNsec);
            }
            for (Map.Entry<String, byte[]> x : h.xattrs.entrySet()) {
                if (x.getKey().equals("security.selinux")) {
                    continue;
                }
                try {
                    PosixFs.setXattr(path, x.getKey(), x.getValue());
                } catch (PosixFs.ErrnoException e) {
                    if (e.errno() != ENOTSUP) { // upstream ignores only ENOTSUP
                        throw e;
                    }
                }
            }
        }

        /** Directory times last, so that filling them does not change them. */
        void finishDirectories(Path dest) throws IOException {
            for (Entry h : dirs) {
                chtimes(dest.resolve(clean(h.name)), h.atimeSec, h.atimeNsec, h.mtimeSec, h.mtimeNsec);
            }
            dirs.clear();
        }

        private static void copyContent(Entry h, OutputStream out) throws IOException {
            if (h.size <= 0) {
                return;
            }
            byte[] buf = new byte[64 * 1024];
            long left = h.size;
            try (InputStream in = Files.newInputStream(h.source)) {
                while (left > 0) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) {
                        break;
                    }
                    out.write(buf, 0, n);
                    left -= n;
                }
            }
            java.util.Arrays.fill(buf, (byte) 0);
            while (left > 0) {
                int n = (int) Math.min(buf.length, left);
                out.write(buf, 0, n);
                left -= n;
            }
        }
    }

    /** Upstream's system.Chtimes: times before the epoch become the epoch. */
    private static void chtimes(Path p, long aSec, int aNsec, long mSec, int mNsec) throws IOException {
        if (aSec < 0) {
            aSec = 0;
            aNsec = 0;
        }
        if (mSec < 0) {
            mSec = 0;
            mNsec = 0;
        }
        PosixFs.setTimes(p, nanos(aSec, aNsec), nanos(mSec, mNsec));
    }

    private static long nanos(long sec, int nsec) {
        return sec * 1_000_000_000L + nsec;
    }

    private static boolean exists(Path p) {
        try {
            FsStat.lstat(p);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Go's filepath.Clean for the relative names this package produces: no trailing '/', no empty parts. */
    private static String clean(String name) {
        String[] parts = name.split("/");
        List<String> out = new ArrayList<>();
        for (String s : parts) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                if (!out.isEmpty()) {
                    out.remove(out.size() - 1);
                }
                continue;
            }
            out.add(s);
        }
        return out.isEmpty() ? "." : String.join("/", out);
    }

    private static void removeAll(Path p) throws IOException {
        io.cargohold.storage.internal.Trees.removeAll(p);
    }
}
