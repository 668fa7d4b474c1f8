package io.cargohold.fs.lock;

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

/**
 * The few POSIX calls behind {@link PosixLockFile}, through the FFM API. We call fcntl(2) ourselves
 * rather than use {@code FileChannel.lock}: a thread interrupted while blocked in (or entering)
 * {@code FileChannel.lock} closes the channel, and closing any descriptor of a file drops every POSIX
 * lock the process holds on it, which would silently unlock the whole store for all threads. A native
 * descriptor that only this class owns cannot be closed by an interrupt. Linux x86-64/aarch64 layout.
 */
final class Posix {
    static final int O_RDONLY = 0;
    static final int O_RDWR = 02;
    static final int O_CREAT = 0100;
    static final int O_CLOEXEC = 02000000;
    static final int F_GETLK = 5;
    static final int F_SETLK = 6;
    static final int F_SETLKW = 7;
    static final short F_RDLCK = 0;
    static final short F_WRLCK = 1;
    static final short F_UNLCK = 2;
    static final short SEEK_SET = 0;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EACCES = 13;
    static final int EDEADLK = 35;

    /** struct flock on 64-bit Linux: short l_type, short l_whence, off_t l_start, off_t l_len, pid_t l_pid. */
    static final StructLayout FLOCK = MemoryLayout.structLayout(
            ValueLayout.JAVA_SHORT.withName("l_type"),
            ValueLayout.JAVA_SHORT.withName("l_whence"),
            MemoryLayout.paddingLayout(4),
            ValueLayout.JAVA_LONG.withName("l_start"),
            ValueLayout.JAVA_LONG.withName("l_len"),
            ValueLayout.JAVA_INT.withName("l_pid"),
            MemoryLayout.paddingLayout(4));
    private static final VarHandle L_TYPE = FLOCK.varHandle(MemoryLayout.PathElement.groupElement("l_type"));
    private static final VarHandle L_WHENCE = FLOCK.varHandle(MemoryLayout.PathElement.groupElement("l_whence"));
    private static final VarHandle L_START = FLOCK.varHandle(MemoryLayout.PathElement.groupElement("l_start"));
    private static final VarHandle L_LEN = FLOCK.varHandle(MemoryLayout.PathElement.groupElement("l_len"));
    private static final VarHandle L_PID = FLOCK.varHandle(MemoryLayout.PathElement.groupElement("l_pid"));

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("open"),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
            Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FCNTL = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("fcntl"),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS),
            Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));

    private static final MethodHandle PREAD = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("pread"),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle PWRITE = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("pwrite"),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
            Linker.Option.captureCallState("errno"));

    private Posix() {
    }

    /** pread(2) of up to {@code len} bytes at {@code offset}; returns the bytes read (maybe fewer). */
    static byte[] pread(int fd, int len, long offset) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment buf = arena.allocate(len);
            while (true) {
                long n = (long) PREAD.invokeExact(state, fd, buf, (long) len, offset);
                if (n >= 0) {
                    return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                }
                int errno = (int) ERRNO.get(state, 0L);
                if (errno != EINTR) {
                    throw new IOException("pread: errno " + errno);
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /** pwrite(2) of all of {@code data} at {@code offset}. */
    static void pwrite(int fd, byte[] data, long offset) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment buf = arena.allocateFrom(ValueLayout.JAVA_BYTE, data);
            long done = 0;
            while (done < data.length) {
                long n = (long) PWRITE.invokeExact(state, fd, buf.asSlice(done), (long) data.length - done, offset + done);
                if (n < 0) {
                    int errno = (int) ERRNO.get(state, 0L);
                    if (errno == EINTR) {
                        continue;
                    }
                    throw new IOException("pwrite: errno " + errno);
                }
                done += n;
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    static int open(String path, int flags, int mode) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), flags, mode);
            if (fd < 0) {
                throw new IOException("open " + path + ": errno " + (int) ERRNO.get(state, 0L));
            }
            return fd;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    private static MemorySegment flock(Arena arena, short type, long start, long len) {
        MemorySegment fl = arena.allocate(FLOCK);
        L_TYPE.set(fl, 0L, type);
        L_WHENCE.set(fl, 0L, SEEK_SET);
        L_START.set(fl, 0L, start);
        L_LEN.set(fl, 0L, len);
        return fl;
    }

    /**
     * fcntl F_SETLK/F_SETLKW on one byte range. Returns 0 on success or the errno (EAGAIN/EACCES when
     * a non-blocking request conflicts). EINTR is retried for blocking requests.
     */
    static int setLock(int fd, int cmd, short type, long start, long len) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment fl = flock(arena, type, start, len);
            while (true) {
                int r = (int) FCNTL.invokeExact(state, fd, cmd, fl);
                if (r == 0) {
                    return 0;
                }
                int errno = (int) ERRNO.get(state, 0L);
                if (errno == EINTR && cmd == F_SETLKW) {
                    continue;
                }
                return errno;
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /** F_GETLK: the pid of a process holding a conflicting lock, or 0 when none. */
    static int holder(int fd, short type, long start, long len) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment fl = flock(arena, type, start, len);
            int r = (int) FCNTL.invokeExact(state, fd, F_GETLK, fl);
            if (r != 0) {
                throw new IOException("fcntl(F_GETLK): errno " + (int) ERRNO.get(state, 0L));
            }
            return (short) L_TYPE.get(fl, 0L) == F_UNLCK ? 0 : (int) L_PID.get(fl, 0L);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }
}
