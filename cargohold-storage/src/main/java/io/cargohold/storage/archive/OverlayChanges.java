package io.cargohold.storage.archive;

import io.cargohold.storage.internal.PosixFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An overlay layer's changes read from its own {@code diff/} directory (upstream's native
 * {@code archive.OverlayChanges}, v1.43.0), and its size ({@code directory.Size}). Hand-written to give
 * upstream's exact results, quirks included: an opaque directory that a lower layer had is reported as
 * deleted (and what it holds as added), a directory is modified when its size, mode or time differ
 * from the lower layer's, and the parents of an added or deleted path are reported as modified once.
 */
public final class OverlayChanges {
    private OverlayChanges() {
    }

    /** The changes of {@code rw} (a diff directory) over {@code lowers} (diff directories, topmost first), in walk order. */
    public static List<Change> changes(List<Path> lowers, Path rw, OverlayWhiteouts wo) throws IOException {
        List<Change> out = new ArrayList<>();
        Set<String> changedDirs = new HashSet<>();
        walk(rw, "", lowers, wo, out, changedDirs);
        return out;
    }

    private static void walk(Path dir, String prefix, List<Path> lowers, OverlayWhiteouts wo, List<Change> out, Set<String> changedDirs)
            throws IOException {
        List<String> names;
        try {
            names = TreeArchiver.list(dir);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return;
        }
        for (String name : names) {
            Path p = dir.resolve(name);
            String path = prefix + "/" + name;
            FsStat f;
            try {
                f = FsStat.lstat(p);
            } catch (NoSuchFileException e) {
                continue;
            }
            visit(p, path, f, lowers, wo, out, changedDirs);
            if (f.isDir()) {
                walk(p, path, lowers, wo, out, changedDirs);
            }
        }
    }

    private static void visit(Path p, String path, FsStat f, List<Path> lowers, OverlayWhiteouts wo, List<Change> out,
                              Set<String> changedDirs) throws IOException {
        Change.Kind kind;
        String deleted = deletedFile(lowers, p, path, f, wo);
        if (deleted != null) {
            kind = Change.Kind.DELETE;
        } else {
            kind = Change.Kind.ADD;
            scan:
            for (Path layer : lowers) {
                if (lowerWhitesOut(layer, path)) {
                    break;
                }
                for (String d = OverlayWhiteouts.dir(path); !d.isEmpty() && !d.equals("/"); d = OverlayWhiteouts.dir(d)) {
                    if (lowerWhitesOut(layer, d)) {
                        break scan;
                    }
                }
                FsStat st = stat(layer, path);
                if (st != null) {
                    if (st.isDir() && f.isDir() && f.size() == st.size() && f.mode() == st.mode()
                            && sameFsTime(f.mtimeSec(), f.mtimeNsec(), st.mtimeSec(), st.mtimeNsec())) {
                        return; // the same directory: not recorded
                    }
                    kind = Change.Kind.MODIFY;
                    break;
                }
            }
        }
        if (f.isDir()) {
            changedDirs.add(path);
        }
        if (kind == Change.Kind.ADD || kind == Change.Kind.DELETE) {
            List<Change> tail = new ArrayList<>();
            for (String parent = OverlayWhiteouts.dir(path); !parent.equals("/"); parent = OverlayWhiteouts.dir(parent)) {
                if (changedDirs.add(parent)) {
                    tail.addFirst(new Change(parent, Change.Kind.MODIFY));
                }
            }
            out.addAll(tail);
        }
        out.add(new Change(deleted != null ? deleted : path, kind));
    }

    /** overlayDeletedFile: a whiteout device, or an opaque directory that a lower layer had. */
    private static String deletedFile(List<Path> lowers, Path p, String path, FsStat fi, OverlayWhiteouts wo) throws IOException {
        if (OverlayWhiteouts.isWhiteout(fi)) {
            return path;
        }
        if (!fi.isDir()) {
            return null;
        }
        byte[] opaque = PosixFs.getXattr(p, wo.opaqueXattr());
        if (opaque == null || opaque.length != 1 || opaque[0] != 'y' || lowers.isEmpty()) {
            return null;
        }
        for (Path layer : lowers) {
            FsStat st = stat(layer, path);
            if (st != null) {
                return OverlayWhiteouts.isWhiteout(st) ? null : path;
            }
            for (String d = OverlayWhiteouts.dir(path); !d.isEmpty() && !d.equals("/"); d = OverlayWhiteouts.dir(d)) {
                FsStat parent = stat(layer, d);
                if (parent != null && OverlayWhiteouts.isWhiteout(parent)) {
                    return null;
                }
            }
        }
        return null;
    }

    private static boolean lowerWhitesOut(Path layer, String path) throws IOException {
        FsStat st = stat(layer, path);
        return st != null && OverlayWhiteouts.isWhiteout(st);
    }

    /** os.Stat of an absolute-style path under a layer; null when absent or below a non-directory. */
    private static FsStat stat(Path layer, String path) throws IOException {
        Path p = path.equals("/") ? layer : layer.resolve(path.substring(1));
        try {
            return FsStat.stat(p);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return null;
        } catch (java.nio.file.FileSystemException e) {
            if (e.getReason() != null && e.getReason().contains("Not a directory")) {
                return null;
            }
            throw e;
        }
    }

    private static boolean sameFsTime(long aSec, int aNsec, long bSec, int bNsec) {
        return (aSec == bSec && aNsec == bNsec) || (aSec == bSec && (aNsec == 0 || bNsec == 0));
    }

    /** directory.Size: the sizes of everything but directories, each inode once. */
    public static long directorySize(Path dir) throws IOException {
        Set<Long> seen = new HashSet<>();
        long[] size = {0};
        sizeWalk(dir, seen, size);
        return size[0];
    }

    private static void sizeWalk(Path p, Set<Long> seen, long[] size) throws IOException {
        FsStat st;
        try {
            st = FsStat.lstat(p);
        } catch (NoSuchFileException e) {
            return;
        }
        if (!seen.add(st.ino())) {
            return;
        }
        if (!st.isDir()) {
            size[0] += st.size();
            return;
        }
        List<String> names;
        try {
            names = TreeArchiver.list(p);
        } catch (NoSuchFileException | java.nio.file.AccessDeniedException e) {
            return;
        }
        for (String n : names) {
            sizeWalk(p.resolve(n), seen, size);
        }
    }

    static boolean exists(Path p) {
        return Files.exists(p);
    }
}
