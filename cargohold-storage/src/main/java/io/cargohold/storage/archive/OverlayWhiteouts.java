package io.cargohold.storage.archive;

import io.cargohold.storage.internal.PosixFs;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.List;

/**
 * Upstream's overlay whiteout converter ({@code pkg/archive/archive_linux.go},
 * {@code overlayWhiteoutConverter}, v1.43.0), both ways. overlayfs marks a deleted path with a 0/0
 * character device and a directory whose lower contents are hidden with the opaque xattr
 * ({@code trusted.overlay.opaque}, or {@code user.overlay.opaque} when not root) set to {@code y};
 * layer tars carry {@code .wh.NAME} and {@code .wh..wh..opq} entries instead. Applying a layer to an
 * overlay {@code diff/} directory turns the entries into the marks ({@link #convertRead}); a diff made
 * from {@code diff/} turns the marks back into entries ({@link #convertWrite}), so the tar is the one
 * upstream's Go writer makes. Hand-written because the byte format is upstream's.
 */
public final class OverlayWhiteouts {
    static final String WHITEOUT_PREFIX = ".wh.";
    static final String OPAQUE_DIR = ".wh..wh..opq";
    private static final byte[] YES = {'y'};

    private final String opaqueXattr;

    private OverlayWhiteouts(String opaqueXattr) {
        this.opaqueXattr = opaqueXattr;
    }

    /** The converter for this process: {@code trusted.overlay.*} as root, {@code user.overlay.*} otherwise (upstream's GetOverlayXattrName). */
    public static OverlayWhiteouts forThisProcess() {
        return new OverlayWhiteouts(opaqueXattrName(PosixFs.geteuid() == 0));
    }

    static OverlayWhiteouts withXattr(String name) {
        return new OverlayWhiteouts(name);
    }

    public static String opaqueXattrName(boolean root) {
        return root ? "trusted.overlay.opaque" : "user.overlay.opaque";
    }

    public String opaqueXattr() {
        return opaqueXattr;
    }

    /**
     * ConvertRead for the entry whose base name is {@code base}, in directory {@code dir} (which exists):
     * an opaque marker sets the opaque xattr on {@code dir}; a whiteout {@code .wh.NAME} becomes a 0/0
     * character device {@code NAME} owned by {@code uid}/{@code gid} (host IDs), or nothing when
     * {@code dir} turned out not to be a directory (upstream: ENOTDIR after {@code rm -rf /foo/bar} layers).
     * Returns whether the entry is to be written as a file (false for both kinds of marker).
     */
    boolean convertRead(String base, Path dir, long uid, long gid) throws IOException {
        if (base.equals(OPAQUE_DIR)) {
            PosixFs.setXattr(dir, opaqueXattr, YES);
            return false;
        }
        if (!base.startsWith(WHITEOUT_PREFIX)) {
            return true;
        }
        Path original = dir.resolve(base.substring(WHITEOUT_PREFIX.length()));
        try {
            PosixFs.mknod(original, FsStat.S_IFCHR, 0);
        } catch (PosixFs.ErrnoException e) {
            if (e.errno() == 20) { // ENOTDIR
                return false;
            }
            throw e;
        }
        PosixFs.lchown(original, (int) uid, (int) gid);
        return false;
    }

    /** Whether a file is an overlay whiteout: a character device with device number 0/0. */
    static boolean isWhiteout(FsStat st) {
        return st.type() == FsStat.S_IFCHR && st.rdev() == 0;
    }

    /**
     * ConvertWrite: rewrites {@code h} (built from {@code path}) in place when it is a whiteout device
     * (to an empty regular {@code .wh.NAME} entry of mode 0), and for an opaque directory drops the
     * opaque xattr from the header and returns the {@code .wh..wh..opq} entry to write after it - unless
     * no lower layer ({@code lowerDiffs}, topmost first) has the directory, or a lower layer whites it
     * or a parent of it out (then nothing was hidden). Returns null when no extra entry follows.
     */
    Entry convertWrite(Entry h, Path path, FsStat fi, List<Path> lowerDiffs) throws IOException {
        if (isWhiteout(fi) && h.devMajor == 0 && h.devMinor == 0) {
            String[] split = splitName(h.name);
            h.name = join(split[0], WHITEOUT_PREFIX + split[1]);
            h.mode = 0;
            h.type = Entry.REG;
            h.size = 0;
        }
        if (!fi.isDir()) {
            return null;
        }
        byte[] opaque = PosixFs.getXattr(path, opaqueXattr);
        if (opaque == null || opaque.length != 1 || opaque[0] != 'y') {
            return null;
        }
        h.xattrs.remove(opaqueXattr);
        if (lowerDiffs.isEmpty()) {
            return null;
        }
        for (Path lower : lowerDiffs) {
            FsStat st = stat(lower, h.name);
            if (st != null) {
                if (isWhiteout(st)) {
                    return null;
                }
                Entry wo = new Entry();
                wo.type = Entry.REG;
                wo.mode = h.mode & 0777;
                wo.name = join(clean(h.name), OPAQUE_DIR);
                wo.size = 0;
                wo.uid = h.uid;
                wo.uname = h.uname;
                wo.gid = h.gid;
                wo.gname = h.gname;
                wo.atimeSec = h.atimeSec;
                wo.atimeNsec = h.atimeNsec;
                return wo;
            }
            for (String dir = dir(h.name); !dir.isEmpty() && !dir.equals(".") && !dir.equals("/"); dir = dir(dir)) {
                FsStat parent = stat(lower, dir);
                if (parent != null && isWhiteout(parent)) {
                    return null;
                }
            }
        }
        return null;
    }

    /** os.Stat (following links) of {@code name} under {@code root}; null when absent or below a non-directory. */
    private static FsStat stat(Path root, String name) throws IOException {
        String rel = clean(name);
        Path p = rel.equals(".") ? root : root.resolve(rel.startsWith("/") ? rel.substring(1) : rel);
        try {
            return FsStat.stat(p);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return null;
        } catch (FileSystemException e) {
            if (e.getReason() != null && e.getReason().contains("Not a directory")) {
                return null;
            }
            throw e;
        }
    }

    /** Go's filepath.Split: everything up to and including the last slash, and the rest. */
    static String[] splitName(String name) {
        int i = name.lastIndexOf('/');
        return new String[] {name.substring(0, i + 1), name.substring(i + 1)};
    }

    /** Go's filepath.Join of two elements (cleaned; an empty first element is dropped). */
    static String join(String a, String b) {
        if (a.isEmpty()) {
            return clean(b);
        }
        return clean(a + "/" + b);
    }

    /** Go's filepath.Dir. */
    static String dir(String name) {
        int i = name.lastIndexOf('/');
        return clean(name.substring(0, i + 1));
    }

    static String clean(String p) {
        return PathNames.clean(p);
    }
}
