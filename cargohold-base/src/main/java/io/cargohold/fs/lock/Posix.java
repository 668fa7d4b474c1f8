package io.cargohold.fs.lock;

import io.cargohold.fs.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
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

    // Libc's one call shape (one call stub for all; open and fcntl are variadic, which that shape allows)
    private static final MethodHandle OPEN = Libc.function("open");
    private static final MethodHandle FCNTL = Libc.function("fcntl");
    private static final MethodHandle PREAD = Libc.function("pread");
    private static final MethodHandle PWRITE = Libc.function("pwrite");

    private Posix() {
    }

    /** pread(2) of up to {@code len} bytes at {@code offset}; returns the bytes read (maybe fewer). */
    static byte[] pread(int fd, int len, long offset) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.state(arena);
            MemorySegment buf = arena.allocate(len);
            while (true) {
                long n = (long) PREAD.invokeExact(state, (long) fd, buf.address(), (long) len, offset, 0L, 0L);
                if (n >= 0) {
                    return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
                }
                int errno = Libc.errno(state);
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
            MemorySegment state = Libc.state(arena);
            MemorySegment buf = arena.allocateFrom(ValueLayout.JAVA_BYTE, data);
            long done = 0;
            while (done < data.length) {
                long n = (long) PWRITE.invokeExact(state, (long) fd, buf.address() + done, (long) data.length - done, offset + done, 0L, 0L);
                if (n < 0) {
                    int errno = Libc.errno(state);
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
            MemorySegment state = Libc.state(arena);
            int fd = (int) (long) OPEN.invokeExact(state, Libc.cstring(arena, path), (long) flags, (long) mode, 0L, 0L, 0L);
            if (fd < 0) {
                throw new IOException("open " + path + ": errno " + Libc.errno(state));
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
            MemorySegment state = Libc.state(arena);
            MemorySegment fl = flock(arena, type, start, len);
            while (true) {
                int r = (int) (long) FCNTL.invokeExact(state, (long) fd, (long) cmd, fl.address(), 0L, 0L, 0L);
                if (r == 0) {
                    return 0;
                }
                int errno = Libc.errno(state);
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
            MemorySegment state = Libc.state(arena);
            MemorySegment fl = flock(arena, type, start, len);
            int r = (int) (long) FCNTL.invokeExact(state, (long) fd, (long) F_GETLK, fl.address(), 0L, 0L, 0L);
            if (r != 0) {
                throw new IOException("fcntl(F_GETLK): errno " + Libc.errno(state));
            }
            return (short) L_TYPE.get(fl, 0L) == F_UNLCK ? 0 : (int) L_PID.get(fl, 0L);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }
}
