package io.cargohold.storage.archive;

import io.cargohold.storage.internal.PosixFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves paths inside a layer root the way upstream's chrooted extractor sees them: symlinks in
 * directory components are followed, absolute targets from the root, but nothing can lead outside:
 * a ".." that would climb above the root is refused (upstream's chroot would clamp it silently).
 * Resolved directories are cached until the tree changes shape ({@link #invalidate()}).
 */
final class InRoot {
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
    private static final int MAX_LINKS = 40;

    private final Path root;
    private final Map<String, Path> dirs = new HashMap<>();

    InRoot(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    void invalidate() {
        dirs.clear();
    }

    void remember(String rel, Path dir) {
        dirs.put(rel, dir);
    }

    /** Thrown when a path would leave the root. */
    static final class BreakoutException extends IOException {
        private static final long serialVersionUID = 1L;

        BreakoutException(String message) {
            super(message);
        }
    }

    /** Where a directory path led: a real directory, a missing component, or a non-directory in the way. */
    record Dir(Path path, boolean isDirectory, String blocker) {
    }

    /**
     * Resolves directory {@code rel} ("" or "." for the root). With {@code create}, missing components
     * are created with mode 0755 (upstream's MkdirAll); otherwise a missing component ends the walk.
     */
    Dir directory(String rel, boolean create) throws IOException {
        if (rel.isEmpty() || rel.equals(".")) {
            return new Dir(root, true, null);
        }
        Path cached = dirs.get(rel);
        if (cached != null) {
            return new Dir(cached, true, null);
        }
        List<String> stack = new ArrayList<>();
        Deque<String> todo = new ArrayDeque<>();
        for (String c : rel.split("/")) {
            todo.addLast(c);
        }
        int links = 0;
        Path cur = root;
        while (!todo.isEmpty()) {
            String c = todo.pollFirst();
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (stack.isEmpty()) {
                    throw new BreakoutException("path " + rel + " leads outside the layer through a symbolic link");
                }
                stack.remove(stack.size() - 1);
                cur = cur.getParent();
                continue;
            }
            Path next = cur.resolve(c);
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(next, BasicFileAttributes.class, NOFOLLOW);
            } catch (NoSuchFileException e) {
                if (!create) {
                    return new Dir(next, false, null);
                }
                Files.createDirectory(next);
                PosixFs.chmod(next, 0755);
                stack.add(c);
                cur = next;
                continue;
            }
            if (a.isSymbolicLink()) {
                if (++links > MAX_LINKS) {
                    throw new IOException("too many levels of symbolic links resolving " + rel);
                }
                String target = Files.readSymbolicLink(next).toString();
                List<String> parts = new ArrayList<>(List.of(target.split("/")));
                for (int i = parts.size() - 1; i >= 0; i--) {
                    todo.addFirst(parts.get(i));
                }
                if (target.startsWith("/")) {
                    stack.clear();
                    cur = root;
                }
                continue;
            }
            if (!a.isDirectory()) {
                return new Dir(next, false, String.join("/", stack.isEmpty() ? List.of(c) : append(stack, c)));
            }
            stack.add(c);
            cur = next;
        }
        dirs.put(rel, cur);
        return new Dir(cur, true, null);
    }

    private static List<String> append(List<String> l, String c) {
        List<String> r = new ArrayList<>(l);
        r.add(c);
        return r;
    }

    /**
     * The host path of entry {@code rel}: its directory resolved (created when {@code create}), its last
     * component never followed. Null when a non-directory is in the way.
     */
    Path entry(String rel, boolean create) throws IOException {
        if (rel.equals(".")) {
            return root;
        }
        Dir d = directory(PathNames.parent(rel), create);
        if (!d.isDirectory()) {
            return null;
        }
        return d.path().resolve(PathNames.base(rel));
    }
}
