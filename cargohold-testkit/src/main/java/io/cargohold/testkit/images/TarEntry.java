package io.cargohold.testkit.images;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One entry of a layer tar, as {@link LayerBuilder} writes it.
 *
 * @param type       what kind of entry
 * @param path       the path inside the layer without leading {@code /} or trailing {@code /}
 * @param mode       permission bits including setuid (04000), setgid (02000), sticky (01000)
 * @param uid        numeric owner (written as PAX {@code uid} above the ustar limit of 2097151)
 * @param gid        numeric group
 * @param uname      user name in the header ("" by default)
 * @param gname      group name in the header ("" by default)
 * @param mtime      modification time, null while building = the layer's default; stored in PAX
 *                   {@code mtime} with 100 ns precision when it has a fraction (commons-compress)
 * @param linkTarget symlink target or hard link target path, else null
 * @param content    file content for {@link Type#FILE}, else null
 * @param xattrs     written as PAX {@code SCHILY.xattr.NAME}
 */
public record TarEntry(Type type, String path, int mode, long uid, long gid, String uname, String gname, Instant mtime,
        String linkTarget, Content content, Map<String, String> xattrs) {

    public enum Type { DIRECTORY, FILE, SYMLINK, HARDLINK, FIFO }

    public static final String WHITEOUT_PREFIX = ".wh.";
    public static final String OPAQUE = ".wh..wh..opq";

    public TarEntry {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(path, "path");
        xattrs = Map.copyOf(xattrs == null ? Map.of() : xattrs);
        uname = uname == null ? "" : uname;
        gname = gname == null ? "" : gname;
    }

    /** The entry's base name. */
    public String name() {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    public boolean isWhiteout() {
        return name().startsWith(WHITEOUT_PREFIX);
    }

    public boolean isOpaqueWhiteout() {
        return name().equals(OPAQUE);
    }

    /** Size of the content written for this entry (0 but for regular files). */
    public long size() {
        return content == null ? 0 : content.size();
    }

    TarEntry withMode(int m) {
        return new TarEntry(type, path, m, uid, gid, uname, gname, mtime, linkTarget, content, xattrs);
    }

    TarEntry withOwner(long u, long g) {
        return new TarEntry(type, path, mode, u, g, uname, gname, mtime, linkTarget, content, xattrs);
    }

    TarEntry withNames(String u, String g) {
        return new TarEntry(type, path, mode, uid, gid, u, g, mtime, linkTarget, content, xattrs);
    }

    TarEntry withMtime(Instant t) {
        return new TarEntry(type, path, mode, uid, gid, uname, gname, t, linkTarget, content, xattrs);
    }

    TarEntry withXattr(String name, String value) {
        var m = new java.util.TreeMap<>(xattrs);
        m.put(name, value);
        return new TarEntry(type, path, mode, uid, gid, uname, gname, mtime, linkTarget, content, m);
    }
}
