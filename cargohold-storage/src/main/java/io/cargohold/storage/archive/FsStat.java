package io.cargohold.storage.archive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;

/** The lstat(2)/stat(2) fields the tree comparison and archiving read, from the JDK's {@code unix:*} view. */
record FsStat(int mode, long uid, long gid, long rdev, long ino, long dev, long nlink, long size,
        long mtimeSec, int mtimeNsec, long atimeSec, int atimeNsec) {
    static final int S_IFMT = 0170000;
    static final int S_IFSOCK = 0140000;
    static final int S_IFLNK = 0120000;
    static final int S_IFREG = 0100000;
    static final int S_IFBLK = 0060000;
    static final int S_IFDIR = 0040000;
    static final int S_IFCHR = 0020000;
    static final int S_IFIFO = 0010000;

    static FsStat lstat(Path p) throws IOException {
        return of(Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS));
    }

    static FsStat stat(Path p) throws IOException {
        return of(Files.readAttributes(p, "unix:*"));
    }

    private static FsStat of(Map<String, Object> a) {
        Instant m = ((FileTime) a.get("lastModifiedTime")).toInstant();
        Instant at = ((FileTime) a.get("lastAccessTime")).toInstant();
        return new FsStat((Integer) a.get("mode"), Integer.toUnsignedLong((Integer) a.get("uid")),
                Integer.toUnsignedLong((Integer) a.get("gid")), (Long) a.get("rdev"), (Long) a.get("ino"),
                (Long) a.get("dev"), ((Number) a.get("nlink")).longValue(), (Long) a.get("size"),
                m.getEpochSecond(), m.getNano(), at.getEpochSecond(), at.getNano());
    }

    int type() {
        return mode & S_IFMT;
    }

    boolean isDir() {
        return type() == S_IFDIR;
    }

    boolean isSymlink() {
        return type() == S_IFLNK;
    }

    boolean isRegular() {
        return type() == S_IFREG;
    }
}
