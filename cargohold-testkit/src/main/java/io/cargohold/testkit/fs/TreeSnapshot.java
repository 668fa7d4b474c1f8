package io.cargohold.testkit.fs;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A directory tree captured as a comparable value, for asserting that an extraction produced the
 * same tree as a reference (umoci unpack, a previous run). Symlinks are never followed.
 *
 * <p>Per path relative to the root ({@code "."} for the root itself): type, permission bits
 * (07777), uid, gid, size and SHA-256 of regular files, symlink target, rdev of device nodes,
 * mtime in ns, every extended attribute (any namespace: {@code user.*}, {@code security.*},
 * {@code trusted.*}, read with {@code llistxattr}/{@code lgetxattr}), and hard-link groups: the paths
 * sharing one (dev, inode), compared as sets of paths.
 *
 * <pre>{@code
 * TreeSnapshot.assertSameTree(umociRootfs, ourRootfs, TreeSnapshot.Options.builder().ignoreDirMtimes().build());
 * }</pre>
 */
public final class TreeSnapshot {
    public enum Type { DIR, FILE, SYMLINK, FIFO, CHAR, BLOCK, SOCKET }

    /**
     * What to leave out. Flags apply when comparing (the receiver's options win in
     * {@link #differences}); {@code exclude} applies when capturing (an excluded directory's whole
     * subtree is skipped).
     */
    public record Options(boolean ignoreDirMtimes, boolean ignoreMtimes, boolean ignoreOwners, boolean ignoreXattrs,
            Predicate<String> exclude) {
        public static final Options DEFAULT = new Options(false, false, false, false, p -> false);

        public Options {
            Objects.requireNonNull(exclude, "exclude");
        }

        public static Builder builder() {
            return new Builder();
        }

        public static final class Builder {
            private boolean ignoreDirMtimes;
            private boolean ignoreMtimes;
            private boolean ignoreOwners;
            private boolean ignoreXattrs;
            private Predicate<String> exclude = p -> false;

            public Builder ignoreDirMtimes() {
                ignoreDirMtimes = true;
                return this;
            }

            public Builder ignoreMtimes() {
                ignoreMtimes = true;
                return this;
            }

            public Builder ignoreOwners() {
                ignoreOwners = true;
                return this;
            }

            public Builder ignoreXattrs() {
                ignoreXattrs = true;
                return this;
            }

            /** Leaves out relative paths (e.g. {@code "."}, {@code "etc/hostname"}) matching {@code p}; adds to earlier calls. */
            public Builder exclude(Predicate<String> p) {
                exclude = exclude.or(p);
                return this;
            }

            public Options build() {
                return new Options(ignoreDirMtimes, ignoreMtimes, ignoreOwners, ignoreXattrs, exclude);
            }
        }
    }

    /**
     * One path's metadata.
     *
     * @param sha256 hex digest for regular files, else null
     * @param target symlink target, else null
     * @param rdev   device number of char/block devices, else 0
     * @param xattrs name → value, the value {@code "text"} (quoted, {@code \"} and {@code \\} escaped)
     *               when it is printable UTF-8, else {@code 0x} + hex
     */
    public record Node(String path, Type type, int mode, int uid, int gid, long size, String sha256, String target, long rdev,
            long mtimeNanos, SortedMap<String, String> xattrs) {}

    private final Path root;
    private final Options options;
    private final SortedMap<String, Node> nodes;
    private final Map<String, SortedSet<String>> linkGroups; // path → its group (only groups of 2+)

    private TreeSnapshot(Path root, Options options, SortedMap<String, Node> nodes, Map<String, SortedSet<String>> linkGroups) {
        this.root = root;
        this.options = options;
        this.nodes = nodes;
        this.linkGroups = linkGroups;
    }

    public static TreeSnapshot of(Path root) throws IOException {
        return of(root, Options.DEFAULT);
    }

    public static TreeSnapshot of(Path root, Options options) throws IOException {
        SortedMap<String, Node> nodes = new TreeMap<>();
        Map<List<Long>, SortedSet<String>> inodes = new java.util.HashMap<>();
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 16];
        try (Xattrs xattrs = new Xattrs()) {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    String rel = rel(root, dir);
                    if (options.exclude().test(rel)) {
                        return dir.equals(root) ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
                    }
                    visit(dir, rel);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    String rel = rel(root, file);
                    if (!options.exclude().test(rel)) {
                        visit(file, rel);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                    throw exc;
                }

                private void visit(Path p, String rel) throws IOException {
                    Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,ino,dev,rdev,nlink,lastModifiedTime",
                            LinkOption.NOFOLLOW_LINKS);
                    int st = (Integer) a.get("mode");
                    Type type = switch (st & 0170000) {
                        case 0040000 -> Type.DIR;
                        case 0100000 -> Type.FILE;
                        case 0120000 -> Type.SYMLINK;
                        case 0010000 -> Type.FIFO;
                        case 0020000 -> Type.CHAR;
                        case 0060000 -> Type.BLOCK;
                        case 0140000 -> Type.SOCKET;
                        default -> throw new IOException(p + ": unknown file type " + Integer.toOctalString(st));
                    };
                    String digest = null;
                    if (type == Type.FILE) {
                        sha.reset();
                        try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
                            for (int n; (n = in.read(buf)) > 0; ) {
                                sha.update(buf, 0, n);
                            }
                        }
                        digest = HexFormat.of().formatHex(sha.digest());
                    }
                    String target = type == Type.SYMLINK ? Files.readSymbolicLink(p).toString() : null;
                    long rdev = type == Type.CHAR || type == Type.BLOCK ? (Long) a.get("rdev") : 0;
                    FileTime mtime = (FileTime) a.get("lastModifiedTime");
                    long ns = Math.addExact(Math.multiplyExact(mtime.to(TimeUnit.SECONDS), 1_000_000_000L),
                            mtime.toInstant().getNano());
                    long size = type == Type.FILE || type == Type.SYMLINK ? (Long) a.get("size") : 0;
                    nodes.put(rel, new Node(rel, type, st & 07777, (Integer) a.get("uid"), (Integer) a.get("gid"), size, digest,
                            target, rdev, ns, xattrs.read(p)));
                    if (type != Type.DIR && (Integer) a.get("nlink") > 1) {
                        inodes.computeIfAbsent(List.of((Long) a.get("dev"), (Long) a.get("ino")), k -> new TreeSet<>()).add(rel);
                    }
                }
            });
        }
        Map<String, SortedSet<String>> groups = new java.util.HashMap<>();
        for (SortedSet<String> g : inodes.values()) {
            if (g.size() > 1) {
                SortedSet<String> u = Collections.unmodifiableSortedSet(g);
                for (String p : g) {
                    groups.put(p, u);
                }
            }
        }
        return new TreeSnapshot(root, options, Collections.unmodifiableSortedMap(nodes), Map.copyOf(groups));
    }

    private static String rel(Path root, Path p) {
        String r = root.relativize(p).toString();
        return r.isEmpty() ? "." : r;
    }

    public Path root() {
        return root;
    }

    /** Every captured path, sorted. */
    public SortedMap<String, Node> nodes() {
        return nodes;
    }

    /** The other paths sharing {@code path}'s inode, and itself; empty when it has no other name in the tree. */
    public SortedSet<String> hardLinks(String path) {
        return linkGroups.getOrDefault(path, Collections.emptySortedSet());
    }

    /**
     * How {@code other} differs from this snapshot (taken as the expected tree), one readable line per
     * difference, sorted by path: {@code usr/bin/x: mode 0755 != 0750} (this value first),
     * {@code a/b: missing (expected file)}, {@code a/c: unexpected symlink}. Empty when the same.
     */
    public List<String> differences(TreeSnapshot other) {
        List<String> out = new ArrayList<>();
        TreeSet<String> all = new TreeSet<>(nodes.keySet());
        all.addAll(other.nodes.keySet());
        for (String p : all) {
            Node a = nodes.get(p);
            Node b = other.nodes.get(p);
            if (b == null) {
                out.add(p + ": missing (expected " + name(a.type()) + ")");
                continue;
            }
            if (a == null) {
                out.add(p + ": unexpected " + name(b.type()));
                continue;
            }
            if (a.type() != b.type()) {
                out.add(p + ": type " + name(a.type()) + " != " + name(b.type()));
                continue;
            }
            if (a.mode() != b.mode()) {
                out.add(String.format("%s: mode %04o != %04o", p, a.mode(), b.mode()));
            }
            if (!options.ignoreOwners() && (a.uid() != b.uid() || a.gid() != b.gid())) {
                out.add(p + ": owner " + a.uid() + ":" + a.gid() + " != " + b.uid() + ":" + b.gid());
            }
            if (a.type() == Type.FILE && a.size() != b.size()) {
                out.add(p + ": size " + a.size() + " != " + b.size());
            } else if (!Objects.equals(a.sha256(), b.sha256())) {
                out.add(p + ": content sha256 " + a.sha256() + " != " + b.sha256());
            }
            if (!Objects.equals(a.target(), b.target())) {
                out.add(p + ": target " + a.target() + " != " + b.target());
            }
            if (a.rdev() != b.rdev()) {
                out.add(p + ": rdev " + a.rdev() + " != " + b.rdev());
            }
            boolean mtimes = !options.ignoreMtimes() && !(options.ignoreDirMtimes() && a.type() == Type.DIR);
            if (mtimes && a.mtimeNanos() != b.mtimeNanos()) {
                out.add(p + ": mtime " + time(a.mtimeNanos()) + " != " + time(b.mtimeNanos()));
            }
            if (!options.ignoreXattrs() && !a.xattrs().equals(b.xattrs())) {
                TreeSet<String> names = new TreeSet<>(a.xattrs().keySet());
                names.addAll(b.xattrs().keySet());
                for (String n : names) {
                    String va = a.xattrs().get(n);
                    String vb = b.xattrs().get(n);
                    if (!Objects.equals(va, vb)) {
                        out.add(p + ": xattr " + n + " " + (va == null ? "(none)" : va) + " != " + (vb == null ? "(none)" : vb));
                    }
                }
            }
            SortedSet<String> ga = hardLinks(p);
            SortedSet<String> gb = other.hardLinks(p);
            if (!ga.equals(gb)) {
                out.add(p + ": hard links " + (ga.isEmpty() ? "(none)" : ga) + " != " + (gb.isEmpty() ? "(none)" : gb));
            }
        }
        return out;
    }

    /**
     * Snapshots both trees with {@code options} and throws an {@link AssertionError} listing the first
     * 50 differences (and how many there are) unless there are none.
     */
    public static void assertSameTree(Path expected, Path actual, Options options) {
        List<String> d;
        try {
            d = of(expected, options).differences(of(actual, options));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!d.isEmpty()) {
            StringBuilder m = new StringBuilder().append(d.size()).append(" difference(s) between expected ").append(expected)
                    .append(" and actual ").append(actual).append(':');
            d.stream().limit(50).forEach(s -> m.append("\n  ").append(s));
            if (d.size() > 50) {
                m.append("\n  ... and ").append(d.size() - 50).append(" more");
            }
            throw new AssertionError(m.toString());
        }
    }

    private static String name(Type t) {
        return t.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String time(long ns) {
        return Math.floorDiv(ns, 1_000_000_000L) + "." + String.format("%09d", Math.floorMod(ns, 1_000_000_000L));
    }

    @Override
    public String toString() {
        return "TreeSnapshot " + root + " (" + nodes.size() + " paths)";
    }

    // ------------------------------------------------------------------------------ xattrs

    /** llistxattr/lgetxattr through the FFM API, with 64 KiB buffers (the Linux maximum for both). */
    static final class Xattrs implements AutoCloseable {
        private static final Linker LINKER = Linker.nativeLinker();
        private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
        private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        private static final MethodHandle LLISTXATTR = handle("llistxattr",
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        private static final MethodHandle LGETXATTR = handle("lgetxattr", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        private static final int ENODATA = 61;
        private static final int ENOTSUP = 95;
        private static final int MAX = 1 << 16;

        private final Arena arena = Arena.ofConfined();
        private final MemorySegment state = arena.allocate(CAPTURE);
        private final MemorySegment list = arena.allocate(MAX);
        private final MemorySegment value = arena.allocate(MAX);

        private static MethodHandle handle(String name, FunctionDescriptor fd) {
            return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), fd, Linker.Option.captureCallState("errno"));
        }

        SortedMap<String, String> read(Path p) throws IOException {
            try (Arena call = Arena.ofConfined()) {
                MemorySegment path = call.allocateFrom(p.toString());
                long n = (long) LLISTXATTR.invokeExact(state, path, list, (long) MAX);
                if (n < 0) {
                    int errno = (int) ERRNO.get(state, 0L);
                    if (errno == ENOTSUP) {
                        return Collections.emptySortedMap();
                    }
                    throw new IOException("llistxattr " + p + ": errno " + errno);
                }
                SortedMap<String, String> out = new TreeMap<>();
                long start = 0;
                for (long i = 0; i < n; i++) {
                    if (list.get(ValueLayout.JAVA_BYTE, i) == 0) {
                        MemorySegment nameZ = list.asSlice(start, i - start + 1);
                        String name = nameZ.getString(0);
                        long v = (long) LGETXATTR.invokeExact(state, path, nameZ, value, (long) MAX);
                        if (v < 0) {
                            int errno = (int) ERRNO.get(state, 0L);
                            if (errno != ENODATA) { // removed meanwhile
                                throw new IOException("lgetxattr " + p + " " + name + ": errno " + errno);
                            }
                        } else {
                            out.put(name, show(value.asSlice(0, v).toArray(ValueLayout.JAVA_BYTE)));
                        }
                        start = i + 1;
                    }
                }
                return Collections.unmodifiableSortedMap(out);
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IOException(t);
            }
        }

        /** {@code "text"} for printable UTF-8 (without NULs), else {@code 0x} + hex: unambiguous either way. */
        static String show(byte[] v) {
            String s = new String(v, StandardCharsets.UTF_8);
            boolean text = java.util.Arrays.equals(s.getBytes(StandardCharsets.UTF_8), v)
                    && s.codePoints().allMatch(c -> c >= 0x20 && c != 0x7f);
            if (text) {
                return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
            }
            return "0x" + HexFormat.of().formatHex(v);
        }

        @Override
        public void close() {
            arena.close();
        }
    }
}
