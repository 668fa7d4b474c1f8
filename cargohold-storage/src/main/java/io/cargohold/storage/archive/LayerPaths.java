package io.cargohold.storage.archive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Paths given by users inside a layer ({@code layer:/etc/hosts}) resolved as the layer's own
 * processes would see them - symbolic links followed from the layer root - but never outside it.
 */
public final class LayerPaths {
    private LayerPaths() {
    }

    /**
     * The host path of {@code path} inside {@code root}. Directory components are resolved in the root;
     * with {@code followLast} a symbolic link in the last component is too (a copy source), otherwise
     * the last component is left as it is (a copy target that may not exist yet).
     */
    public static Path resolve(Path root, String path, boolean followLast) throws IOException {
        return resolve(root, path, followLast, 0);
    }

    private static Path resolve(Path root, String path, boolean followLast, int depth) throws IOException {
        String rel = PathNames.relative("/" + path);
        if (rel == null) {
            throw new InRoot.BreakoutException(path + " is outside of the layer");
        }
        if (rel.equals(".")) {
            return root;
        }
        Path p = followLast ? new InRoot(root).entry(rel, false) : target(new InRoot(root), rel);
        if (p == null) {
            throw new java.nio.file.NotDirectoryException(PathNames.parent(rel));
        }
        if (followLast && Files.isSymbolicLink(p)) {
            if (depth > 40) {
                throw new IOException("too many levels of symbolic links resolving " + path);
            }
            String target = Files.readSymbolicLink(p).toString();
            String next = target.startsWith("/") ? target : PathNames.parent(rel) + "/" + target;
            if (!target.startsWith("/") && PathNames.relative(next) == null) {
                throw new InRoot.BreakoutException(path + " leads outside of the layer");
            }
            return resolve(root, next, true, depth + 1);
        }
        return p;
    }

    /** A target: resolved as far as it exists, the missing rest appended (to be created by the copy). */
    private static Path target(InRoot in, String rel) throws IOException {
        if (rel.isEmpty() || rel.equals(".")) {
            return in.root();
        }
        Path p = in.entry(rel, false);
        if (p != null) {
            return p;
        }
        InRoot.Dir d = in.directory(PathNames.parent(rel), false);
        if (d.blocker() != null) {
            return null;
        }
        Path parent = target(in, PathNames.parent(rel));
        return parent == null ? null : parent.resolve(PathNames.base(rel));
    }
}
