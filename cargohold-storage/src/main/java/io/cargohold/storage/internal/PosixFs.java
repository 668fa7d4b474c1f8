package io.cargohold.storage.internal;

import java.io.IOException;
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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The POSIX calls the JDK lacks for layer trees, through the FFM API: {@code mknod} (FIFOs and
 * device nodes) and the {@code l*xattr} family (the JDK only reaches {@code user.*} attributes, and
 * layers carry {@code security.capability} and {@code trusted.overlay.opaque}).
 */
public final class PosixFs {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    /** Created at first use: each handle's call stub costs start-up time, and a command uses few of them. */
    private static final class MKNOD_ {
        static final MethodHandle H = handle("mknod",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    }
    private static final class LLISTXATTR_ {
        static final MethodHandle H = handle("llistxattr",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    }
    private static final class LGETXATTR_ {
        static final MethodHandle H = handle("lgetxattr",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    }
    private static final class LSETXATTR_ {
        static final MethodHandle H = handle("lsetxattr",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT));
    }
    private static final class LCHOWN_ {
        static final MethodHandle H = handle("lchown",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }
    private static final class SYMLINK_ {
        static final MethodHandle H = handle("symlink",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    }
    private static final class READLINK_ {
        static final MethodHandle H = handle("readlink",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    }
    private static final class OPEN_ {
        static final MethodHandle H = handle("open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    }
    private static final class SYNCFS_ {
        static final MethodHandle H = handle("syncfs", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }
    private static final class CLOSE_ {
        static final MethodHandle H = handle("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }
    private static final class GETEUID_ {
        static final MethodHandle H = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("geteuid"),
            FunctionDescriptor.of(ValueLayout.JAVA_INT));
    }
    private static final class CHMOD_ {
        static final MethodHandle H = handle("chmod",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    }
    private static final class UTIMENSAT_ {
        static final MethodHandle H = handle("utimensat",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
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

    private static MethodHandle handle(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), fd, Linker.Option.captureCallState("errno"));
    }

    /** mknod(2): {@code mode} includes the file type bits (S_IFIFO, S_IFCHR, S_IFBLK). */
    public static void mknod(Path p, int mode, long dev) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int r = (int) MKNOD_.H.invokeExact(state, arena.allocateFrom(p.toString()), mode, dev);
            if (r != 0) {
                int errno = (int) ERRNO.get(state, 0L);
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
            MemorySegment state = arena.allocate(CAPTURE);
            int r = (int) CHMOD_.H.invokeExact(state, arena.allocateFrom(p.toString()), mode);
            if (r != 0) {
                throw new IOException("chmod " + p + ": errno " + (int) ERRNO.get(state, 0L));
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /** symlink(2) with the target exactly as given (Path would normalise "a/" and "a//b"). */
    public static void symlink(byte[] target, Path link) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment t = arena.allocate(target.length + 1L);
            MemorySegment.copy(target, 0, t, ValueLayout.JAVA_BYTE, 0, target.length);
            int r = (int) SYMLINK_.H.invokeExact(state, t, arena.allocateFrom(link.toString()));
            if (r != 0) {
                int errno = (int) ERRNO.get(state, 0L);
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

    /** readlink(2): the target exactly as stored (the JDK's Path would normalise it). */
    public static String readlink(Path link) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment buf = arena.allocate(4097);
            long n = (long) READLINK_.H.invokeExact(state, arena.allocateFrom(link.toString()), buf, 4097L);
            if (n < 0) {
                int errno = (int) ERRNO.get(state, 0L);
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
            MemorySegment state = arena.allocate(CAPTURE);
            int fd = (int) OPEN_.H.invokeExact(state, arena.allocateFrom(dir.toString()), 0x10000 /* O_RDONLY|O_DIRECTORY */);
            if (fd < 0) {
                throw new IOException("open " + dir + ": errno " + (int) ERRNO.get(state, 0L));
            }
            int r = (int) SYNCFS_.H.invokeExact(state, fd);
            int errno = (int) ERRNO.get(state, 0L);
            int ignored = (int) CLOSE_.H.invokeExact(state, fd);
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
     * The effective UID from {@code /proc/self/status} ("Uid: real effective saved fs"), which costs no call
     * stub; geteuid(2) when that file cannot be read.
     */
    private static int procEuid() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Integer.parseUnsignedInt(line.substring(4).trim().split("\\s+")[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // no procfs: ask the kernel
        }
        try {
            return (int) GETEUID_.H.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** lchown(2): one call for both IDs (the JDK's attribute view makes two). */
    public static void lchown(Path p, int uid, int gid) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int r = (int) LCHOWN_.H.invokeExact(state, arena.allocateFrom(p.toString()), uid, gid);
            if (r != 0) {
                int errno = (int) ERRNO.get(state, 0L);
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
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment ts = arena.allocate(ValueLayout.JAVA_LONG, 4);
            ts.setAtIndex(ValueLayout.JAVA_LONG, 0, Math.floorDiv(atimeNanos, 1_000_000_000L));
            ts.setAtIndex(ValueLayout.JAVA_LONG, 1, Math.floorMod(atimeNanos, 1_000_000_000L));
            ts.setAtIndex(ValueLayout.JAVA_LONG, 2, Math.floorDiv(mtimeNanos, 1_000_000_000L));
            ts.setAtIndex(ValueLayout.JAVA_LONG, 3, Math.floorMod(mtimeNanos, 1_000_000_000L));
            int r = (int) UTIMENSAT_.H.invokeExact(state, AT_FDCWD, arena.allocateFrom(p.toString()), ts, AT_SYMLINK_NOFOLLOW);
            if (r != 0) {
                throw new IOException("utimensat " + p + ": errno " + (int) ERRNO.get(state, 0L));
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
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment path = arena.allocateFrom(p.toString());
            long size = (long) LLISTXATTR_.H.invokeExact(state, path, MemorySegment.NULL, 0L);
            if (size < 0) {
                int errno = (int) ERRNO.get(state, 0L);
                if (errno == ENOTSUP) {
                    return List.of();
                }
                throw new IOException("llistxattr " + p + ": errno " + errno);
            }
            if (size == 0) {
                return List.of();
            }
            MemorySegment buf = arena.allocate(size);
            long n = (long) LLISTXATTR_.H.invokeExact(state, path, buf, size);
            if (n < 0) {
                throw new IOException("llistxattr " + p + ": errno " + (int) ERRNO.get(state, 0L));
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
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment path = arena.allocateFrom(p.toString());
            MemorySegment key = arena.allocateFrom(name);
            long size = (long) LGETXATTR_.H.invokeExact(state, path, key, MemorySegment.NULL, 0L);
            if (size < 0) {
                int errno = (int) ERRNO.get(state, 0L);
                if (errno == ENODATA || errno == ENOTSUP) {
                    return null;
                }
                throw new IOException("lgetxattr " + p + " " + name + ": errno " + errno);
            }
            MemorySegment buf = arena.allocate(Math.max(1, size));
            long n = (long) LGETXATTR_.H.invokeExact(state, path, key, buf, size);
            if (n < 0) {
                throw new IOException("lgetxattr " + p + " " + name + ": errno " + (int) ERRNO.get(state, 0L));
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
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment v = arena.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
            int r = (int) LSETXATTR_.H.invokeExact(state, arena.allocateFrom(p.toString()), arena.allocateFrom(name), v, (long) value.length, 0);
            if (r != 0) {
                int errno = (int) ERRNO.get(state, 0L);
                throw new ErrnoException("lsetxattr " + p + " " + name + ": " + strerror(errno), errno);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }
}
