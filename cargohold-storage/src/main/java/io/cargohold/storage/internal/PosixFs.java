package io.cargohold.storage.internal;

import java.io.IOException;
import java.lang.foreign.Arena;
import io.cargohold.fs.Libc;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The POSIX calls the JDK lacks for layer trees, through the FFM API: {@code mknod} (FIFOs and
 * device nodes) and the {@code l*xattr} family (the JDK only reaches {@code user.*} attributes, and
 * layers carry {@code security.capability} and {@code trusted.overlay.opaque}).
 */
public final class PosixFs {
    /**
     * Created at first use, all in {@link Libc}'s one call shape (one call stub for every function):
     * {@code (state, six longs) -> long}, pointers as addresses, int results narrowed by the caller.
     */
    private static final class MKNOD_ {
        static final MethodHandle H = Libc.function("mknod");
    }
    private static final class LLISTXATTR_ {
        static final MethodHandle H = Libc.function("llistxattr");
    }
    private static final class LGETXATTR_ {
        static final MethodHandle H = Libc.function("lgetxattr");
    }
    private static final class LSETXATTR_ {
        static final MethodHandle H = Libc.function("lsetxattr");
    }
    private static final class LCHOWN_ {
        static final MethodHandle H = Libc.function("lchown");
    }
    private static final class SYMLINK_ {
        static final MethodHandle H = Libc.function("symlink");
    }
    private static final class READLINK_ {
        static final MethodHandle H = Libc.function("readlink");
    }
    private static final class OPEN_ {
        static final MethodHandle H = Libc.function("open");
    }
    private static final class SYNCFS_ {
        static final MethodHandle H = Libc.function("syncfs");
    }
    private static final class CLOSE_ {
        static final MethodHandle H = Libc.function("close");
    }
    private static final class GETEUID_ {
        static final MethodHandle H = Libc.function("geteuid");
    }
    private static final class CHMOD_ {
        static final MethodHandle H = Libc.function("chmod");
    }
    private static final class UTIMENSAT_ {
        static final MethodHandle H = Libc.function("utimensat");
    }
    private static final class STATX_ {
        static final MethodHandle H = Libc.function("statx");
    }
    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    public static final int ENODATA = 61;
    public static final int ENOTSUP = 95;
    public static final int ERANGE = 34;

    private PosixFs() {
    }

    /** A failed call, with its errno. */
    public static final class ErrnoException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int errno;

        public ErrnoException(String message, int errno) {
            super(message);
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }

    public static final int EPERM = 1;

    static String strerror(int errno) {
        return switch (errno) {
            case 1 -> "operation not permitted";
            case 2 -> "no such file or directory";
            case 13 -> "permission denied";
            case 17 -> "file exists";
            case 20 -> "not a directory";
            case 22 -> "invalid argument";
            case 28 -> "no space left on device";
            case 95 -> "operation not supported";
            default -> "errno " + errno;
        };
    }

    /** mknod(2): {@code mode} includes the file type bits (S_IFIFO, S_IFCHR, S_IFBLK). */
    public static void mknod(Path p, int mode, long dev) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.state(arena);
            int r = (int) (long) MKNOD_.H.invokeExact(state, Libc.cstring(arena, p.toString()), (long) mode, dev, 0L, 0L, 0L);
            if (r != 0) {
                int errno = Libc.errno(state);
                throw new ErrnoException("mknod " + p + ": " + strerror(errno), errno);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /**
     * chmod(2) by path. The JDK sets modes by opening the file, which blocks on a FIFO until a writer
     * comes; layer trees hold FIFOs.
     */
    public static void chmod(Path p, int mode) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.state(arena);
            int r = (int) (long) CHMOD_.H.invokeExact(state, Libc.cstring(arena, p.toString()), (long) mode, 0L, 0L, 0L, 0L);
            if (r != 0) {
                throw new IOException("chmod " + p + ": errno " + Libc.errno(state));
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /**
     * symlink(2) with the target exactly as given (Path would normalise "a/" and "a//b"). A target that
     * is plain ASCII and already in Path's normal form goes through the JDK (the same call, without this
     * process's first native call stub, ~15 ms: an overlay create-layer links {@code ../ID/diff}).
     */
    public static void symlink(byte[] target, Path link) throws IOException {
        if (jdkKeepsAsIs(target)) {
            java.nio.file.Files.createSymbolicLink(link, Path.of(new String(target, StandardCharsets.US_ASCII)));
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.state(arena);
            MemorySegment t = arena.allocate(target.length + 1L);
            MemorySegment.copy(target, 0, t, ValueLayout.JAVA_BYTE, 0, target.length);
            int r = (int) (long) SYMLINK_.H.invokeExact(state, t.address(), Libc.cstring(arena, link.toString()), 0L, 0L, 0L, 0L);
            if (r != 0) {
                int errno = Libc.errno(state);
                if (errno == 17) {
                    throw new java.nio.file.FileAlreadyExistsException(link.toString());
                }
                throw new IOException("symlink " + link + ": errno " + errno);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /** Whether the JDK would create a symlink to exactly {@code target}: non-empty printable ASCII that Path keeps as is. */
    static boolean jdkKeepsAsIs(byte[] target) {
        if (target.length == 0) {
            return false;
        }
        for (byte b : target) {
            if (b < 0x20 || b == 0x7f) { // negative: not ASCII
                return false;
            }
        }
        String s = new String(target, StandardCharsets.US_ASCII);
        try {
            return Path.of(s).toString().equals(s);
        } catch (java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    /** readlink(2): the target exactly as stored (the JDK's Path would normalise it). */
    public static String readlink(Path link) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.state(arena);
            MemorySegment buf = arena.allocate(4097);
            long n = (long) READLINK_.H.invokeExact(state, Libc.cstring(arena, link.toString()), buf.address(), 4097L, 0L, 0L, 0L);
            if (n < 0) {
                int errno = Libc.errno(state);
                throw new ErrnoException("readlink " + link + ": " + strerror(errno), errno);
            }
            return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /** syncfs(2) on the file system holding {@code dir}: flushes a whole extracted tree in one call. */
    public static void syncfs(Path dir) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.state(arena);
            int fd = (int) (long) OPEN_.H.invokeExact(state, Libc.cstring(arena, dir.toString()), 0x10000L /* O_RDONLY|O_DIRECTORY */, 0L, 0L,
                    0L, 0L);
            if (fd < 0) {
                throw new IOException("open " + dir + ": errno " + Libc.errno(state));
            }
            int r = (int) (long) SYNCFS_.H.invokeExact(state, (long) fd, 0L, 0L, 0L, 0L, 0L);
            int errno = Libc.errno(state);
            long ignored = (long) CLOSE_.H.invokeExact(state, (long) fd, 0L, 0L, 0L, 0L, 0L);
            if (r != 0) {
                throw new IOException("syncfs " + dir + ": errno " + errno);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    public static int geteuid() {
        int euid = EUID;
        if (euid == -1) {
            euid = EUID = procEuid();
        }
        return euid;
    }

    /** The process's effective UID (it never changes here): read once. */
    private static volatile int EUID = -1;

    /**
     * What /proc/self/status says now of this process's IDs ({@code Uid:}/{@code Gid:} real, effective, saved,
     * file-system) and its file mode creation mask ({@code Umask:}, since Linux 4.7): the effective and file-system
     * IDs and the umask, each -1 when it cannot be read. Read afresh at each call (the JDK has no umask getter, and
     * umask(2) would have to set one to read it); the one reader of that file.
     */
    public record ProcIds(long euid, long egid, long fsuid, long fsgid, int umask) {
    }

    public static ProcIds procIds() {
        long euid = -1;
        long egid = -1;
        long fsuid = -1;
        long fsgid = -1;
        int umask = -1;
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                String[] f = line.split("\\s+");
                if (line.startsWith("Uid:") && f.length >= 5) {
                    euid = Long.parseLong(f[2]);
                    fsuid = Long.parseLong(f[4]);
                } else if (line.startsWith("Gid:") && f.length >= 5) {
                    egid = Long.parseLong(f[2]);
                    fsgid = Long.parseLong(f[4]);
                } else if (line.startsWith("Umask:") && f.length >= 2) {
                    umask = Integer.parseInt(f[1], 8);
                }
            }
        } catch (IOException | RuntimeException e) {
            return new ProcIds(-1, -1, -1, -1, -1); // no procfs: unknown
        }
        return new ProcIds(euid, egid, fsuid, fsgid, umask);
    }

    /** The effective UID from {@link #procIds} (no call stub); geteuid(2) when /proc/self/status cannot tell. */
    private static int procEuid() {
        long euid = procIds().euid();
        if (euid >= 0) {
            return (int) euid;
        }
        try {
            try (Arena arena = Arena.ofConfined()) {
                return (int) (long) GETEUID_.H.invokeExact(Libc.state(arena), 0L, 0L, 0L, 0L, 0L, 0L);
            }
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The permission bits {@code mode & 0777} as the JDK's set (unmodifiable, one per mode, made once). */
    public static java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions(int mode) {
        return PERMISSIONS.SETS.get(mode & 0777);
    }

    private static final class PERMISSIONS {
        static final List<java.util.Set<java.nio.file.attribute.PosixFilePermission>> SETS = sets();

        private static List<java.util.Set<java.nio.file.attribute.PosixFilePermission>> sets() {
            // PosixFilePermission's order is OWNER_READ ... OTHERS_EXECUTE: bit 8 down to bit 0
            java.nio.file.attribute.PosixFilePermission[] bits = java.nio.file.attribute.PosixFilePermission.values();
            List<java.util.Set<java.nio.file.attribute.PosixFilePermission>> out = new ArrayList<>(512);
            for (int m = 0; m < 512; m++) {
                java.util.EnumSet<java.nio.file.attribute.PosixFilePermission> set =
                        java.util.EnumSet.noneOf(java.nio.file.attribute.PosixFilePermission.class);
                for (int b = 0; b < 9; b++) {
                    if ((m & (0400 >> b)) != 0) {
                        set.add(bits[b]);
                    }
                }
                out.add(java.util.Collections.unmodifiableSet(set));
            }
            return List.copyOf(out);
        }
    }

    /** S_IFMT: the file type bits of a mode. */
    public static final int S_IFMT = 0170000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFLNK = 0120000;

    /**
     * The file type bits ({@link #S_IFMT}) of {@code p}, not following a final symbolic link, or 0 when nothing is
     * there (ENOENT, or ENOTDIR: a parent that is not a directory). One statx(2) asking for the type alone, and no
     * exception for a missing entry: the JDK's {@code Files.exists(p, NOFOLLOW_LINKS)} throws and catches one inside
     * for every path that does not exist, which is most entries of a layer being applied (~3 % of the apply's CPU).
     */
    public static int lstatType(Path p) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.state(arena);
            MemorySegment stx = arena.allocate(256, 8); // struct statx
            int r = (int) (long) STATX_.H.invokeExact(state, (long) AT_FDCWD, Libc.cstring(arena, p.toString()), (long) AT_SYMLINK_NOFOLLOW,
                    (long) STATX_TYPE, stx.address(), 0L);
            if (r != 0) {
                int errno = Libc.errno(state);
                if (errno == ENOENT || errno == ENOTDIR) {
                    return 0;
                }
                throw new ErrnoException("statx " + p + ": " + strerror(errno), errno);
            }
            return stx.get(ValueLayout.JAVA_SHORT, STX_MODE) & S_IFMT;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    private static final int STATX_TYPE = 0x1;
    /** offsetof(struct statx, stx_mode) (include/uapi/linux/stat.h). */
    private static final int STX_MODE = 28;
    private static final int ENOENT = 2;
    private static final int ENOTDIR = 20;

    /** lchown(2): one call for both IDs (the JDK's attribute view makes two). */
    public static void lchown(Path p, int uid, int gid) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.state(arena);
            int r = (int) (long) LCHOWN_.H.invokeExact(state, Libc.cstring(arena, p.toString()), (long) uid, (long) gid, 0L, 0L, 0L);
            if (r != 0) {
                int errno = Libc.errno(state);
                throw new ErrnoException("lchown " + p + ": " + strerror(errno), errno);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** utimensat(2) by path, not following symlinks: access and modification times in ns since the epoch. */
    public static void setTimes(Path p, long atimeNanos, long mtimeNanos) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.state(arena);
            MemorySegment ts = arena.allocate(ValueLayout.JAVA_LONG, 4);
            ts.setAtIndex(ValueLayout.JAVA_LONG, 0, Math.floorDiv(atimeNanos, 1_000_000_000L));
            ts.setAtIndex(ValueLayout.JAVA_LONG, 1, Math.floorMod(atimeNanos, 1_000_000_000L));
            ts.setAtIndex(ValueLayout.JAVA_LONG, 2, Math.floorDiv(mtimeNanos, 1_000_000_000L));
            ts.setAtIndex(ValueLayout.JAVA_LONG, 3, Math.floorMod(mtimeNanos, 1_000_000_000L));
            int r = (int) (long) UTIMENSAT_.H.invokeExact(state, (long) AT_FDCWD, Libc.cstring(arena, p.toString()), ts.address(),
                    (long) AT_SYMLINK_NOFOLLOW, 0L, 0L);
            if (r != 0) {
                throw new IOException("utimensat " + p + ": errno " + Libc.errno(state));
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /** The names of a file's extended attributes (not following symlinks); empty when unsupported. */
    public static List<String> listXattrs(Path p) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.state(arena);
            long path = Libc.cstring(arena, p.toString());
            long size = (long) LLISTXATTR_.H.invokeExact(state, path, 0L, 0L, 0L, 0L, 0L);
            if (size < 0) {
                int errno = Libc.errno(state);
                if (errno == ENOTSUP) {
                    return List.of();
                }
                throw new IOException("llistxattr " + p + ": errno " + errno);
            }
            if (size == 0) {
                return List.of();
            }
            MemorySegment buf = arena.allocate(size);
            long n = (long) LLISTXATTR_.H.invokeExact(state, path, buf.address(), size, 0L, 0L, 0L);
            if (n < 0) {
                throw new IOException("llistxattr " + p + ": errno " + Libc.errno(state));
            }
            List<String> out = new ArrayList<>();
            byte[] all = buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
            int start = 0;
            for (int i = 0; i < all.length; i++) {
                if (all[i] == 0) {
                    if (i > start) {
                        out.add(new String(all, start, i - start, StandardCharsets.UTF_8));
                    }
                    start = i + 1;
                }
            }
            return out;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /** An extended attribute's value, or null when absent. */
    public static byte[] getXattr(Path p, String name) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.state(arena);
            long path = Libc.cstring(arena, p.toString());
            long key = Libc.cstring(arena, name);
            long size = (long) LGETXATTR_.H.invokeExact(state, path, key, 0L, 0L, 0L, 0L);
            if (size < 0) {
                int errno = Libc.errno(state);
                if (errno == ENODATA || errno == ENOTSUP) {
                    return null;
                }
                throw new IOException("lgetxattr " + p + " " + name + ": errno " + errno);
            }
            MemorySegment buf = arena.allocate(Math.max(1, size));
            long n = (long) LGETXATTR_.H.invokeExact(state, path, key, buf.address(), size, 0L, 0L);
            if (n < 0) {
                throw new IOException("lgetxattr " + p + " " + name + ": errno " + Libc.errno(state));
            }
            return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    public static void setXattr(Path p, String name, byte[] value) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.state(arena);
            MemorySegment v = arena.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
            int r = (int) (long) LSETXATTR_.H.invokeExact(state, Libc.cstring(arena, p.toString()), Libc.cstring(arena, name), v.address(),
                    (long) value.length, 0L, 0L);
            if (r != 0) {
                int errno = Libc.errno(state);
                throw new ErrnoException("lsetxattr " + p + " " + name + ": " + strerror(errno), errno);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }
}
