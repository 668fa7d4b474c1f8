package io.cargohold.storage.archive;

import io.cargohold.storage.IdMap;
import io.cargohold.storage.internal.PosixFs;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A tar header built from a file, as upstream's {@code tarAppender.addTarFile} builds it (Go's
 * {@code tar.FileInfoHeader}, then {@code archive.FileInfoHeader}'s type bits and device numbers, the
 * security and user extended attributes, hard links and ID mapping).
 */
final class Entry {
    static final byte REG = '0';
    static final byte LINK = '1';
    static final byte SYMLINK = '2';
    static final byte CHAR = '3';
    static final byte BLOCK = '4';
    static final byte DIR = '5';
    static final byte FIFO = '6';

    String name;
    byte type;
    /** As upstream writes it: permission, setuid/setgid/sticky and the file type bits. */
    int mode;
    long uid;
    long gid;
    String uname = "";
    String gname = "";
    long mtimeSec;
    int mtimeNsec;
    long atimeSec;
    int atimeNsec;
    long size;
    String linkname = "";
    long devMajor;
    long devMinor;
    /** Sorted by name, as Go writes PAX records. */
    final Map<String, byte[]> xattrs = new TreeMap<>();
    /** Where a regular entry's content comes from. */
    Path source;

    /** Thrown for an entry upstream leaves out of the archive (it only logs the error). */
    static final class Skipped extends IOException {
        Skipped(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Upstream's addTarFile up to the header write: null for a socket (skipped). {@code seen} maps inodes of
     * multiply-linked non-directories to the first name they were archived under. With {@code copyPass}
     * the times keep their nanoseconds and the access time is kept (upstream's PAX "copy pass" headers);
     * otherwise the modification time is truncated to the second and the access time dropped.
     */
    static Entry fromFile(Path path, String name, List<IdMap> uidMap, List<IdMap> gidMap, Map<Long, String> seen,
            UserNames names, boolean copyPass) throws IOException {
        FsStat fi = FsStat.lstat(path);
        String link = "";
        if (fi.isSymlink()) {
            link = PosixFs.readlink(path);
        }
        if (fi.type() == FsStat.S_IFSOCK) {
            return null;
        }
        Entry h = new Entry();
        h.source = path;
        switch (fi.type()) {
            case FsStat.S_IFREG -> {
                h.type = REG;
                h.size = fi.size();
            }
            case FsStat.S_IFDIR -> h.type = DIR;
            case FsStat.S_IFLNK -> {
                h.type = SYMLINK;
                h.linkname = link;
            }
            case FsStat.S_IFCHR -> h.type = CHAR;
            case FsStat.S_IFBLK -> h.type = BLOCK;
            case FsStat.S_IFIFO -> h.type = FIFO;
            default -> throw new Skipped("archive/tar: unknown file mode " + Integer.toOctalString(fi.mode()), null);
        }
        h.mode = fi.mode() & 07777 | fi.type();
        h.uid = fi.uid();
        h.gid = fi.gid();
        if (names != null) {
            h.uname = names.user(fi.uid());
            h.gname = names.group(fi.gid());
        }
        if (copyPass) {
            h.atimeSec = fi.atimeSec();
            h.atimeNsec = fi.atimeNsec();
        }
        h.mtimeSec = fi.mtimeSec();
        h.mtimeNsec = fi.mtimeNsec();
        h.name = fi.isDir() && !name.endsWith("/") ? name + "/" : name;
        // Upstream's setHeaderForSpecialDevice tests mode & S_IFBLK or mode & S_IFCHR, true for more than
        // devices; for the others rdev is 0.
        if ((fi.mode() & FsStat.S_IFBLK) != 0 || (fi.mode() & FsStat.S_IFCHR) != 0) {
            h.devMajor = (fi.rdev() >>> 8) & 0xfff;
            h.devMinor = (fi.rdev() & 0xff) | ((fi.rdev() >>> 12) & 0xfff00);
        }
        for (String x : List.of("security.capability", "security.ima")) {
            byte[] v = PosixFs.getXattr(path, x);
            if (v != null) {
                h.xattrs.put(x, v);
            }
        }
        for (String key : PosixFs.listXattrs(path)) {
            if (key.startsWith("user.")) {
                byte[] v = PosixFs.getXattr(path, key);
                if (v != null) {
                    h.xattrs.put(key, v);
                }
            }
        }
        if (!fi.isDir() && fi.nlink() > 1) {
            String first = seen.get(fi.ino());
            if (first != null) {
                h.type = LINK;
                h.linkname = first;
                h.size = 0;
            } else {
                seen.put(fi.ino(), h.name);
            }
        }
        if (!baseName(h.name).startsWith(".wh.") && !Ids.empty(uidMap, gidMap)) {
            try {
                long u = Ids.toContainer(fi.uid(), uidMap);
                long g = Ids.toContainer(fi.gid(), gidMap);
                h.uid = u;
                h.gid = g;
            } catch (IOException e) {
                throw new Skipped(path + ": " + e.getMessage(), e);
            }
        }
        if (!copyPass) {
            h.mtimeNsec = 0;
        }
        return h;
    }

    /** Go's filepath.Base: the last element, trailing slashes ignored. */
    static String baseName(String name) {
        String n = name;
        while (n.length() > 1 && n.endsWith("/")) {
            n = n.substring(0, n.length() - 1);
        }
        int i = n.lastIndexOf('/');
        return i >= 0 && n.length() > 1 ? n.substring(i + 1) : n;
    }
}
