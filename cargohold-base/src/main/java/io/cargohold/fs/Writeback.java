package io.cargohold.fs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * Starts the kernel writing a file's dirty pages while more of the file is still being written
 * ({@code sync_file_range(2)} with {@code SYNC_FILE_RANGE_WRITE}: the write-out is queued, nothing is
 * waited for), so that the {@code fsync} after the last byte finds little left to write. A 313 MB blob
 * written in 1 MiB pieces: the final fsync 0.10-0.14 s without, 0.01-0.02 s with a hint every 8 MiB
 * (bench/README.md section 29.2); on a pull that fsync is the last step of the largest layer, after the
 * network is done. Only a hint: durability still comes from the caller's fsync, and any failure (no such
 * call, a file that cannot be opened) only turns the hints off. The cost: the write-out's CPU (block
 * allocation, submission) moves from that fsync to the hashing thread, and the writes beside it cost a
 * little more (~0.01-0.03 s of CPU per 313 MB here, for 0.03-0.1 s less wall). {@code -Dcargohold.writeback=false}
 * turns the hints off (to compare).
 */
final class Writeback implements AutoCloseable {
    /** Bytes written between two hints. */
    static final long STEP = 8L << 20;
    private static final int O_RDONLY = 0;
    private static final int O_NOFOLLOW = 0400000;
    private static final int O_CLOEXEC = 02000000;
    private static final int SYNC_FILE_RANGE_WRITE = 2;
    private static final boolean ENABLED = !"false".equals(System.getProperty("cargohold.writeback"));

    /** The handles, made at the first hint (the process's one FFM call stub, see {@link Libc}). */
    private static final class Calls {
        static final MethodHandle OPEN = Libc.function("open");
        static final MethodHandle SYNC_FILE_RANGE = Libc.function("sync_file_range");
        static final MethodHandle CLOSE = Libc.function("close");
    }

    private final Path file;
    private Arena arena;
    private MemorySegment state;
    /** The file's own read-only descriptor (the kernel writes back by inode); -1 before the first hint, -2 when off. */
    private int fd = -1;
    /** Where the next hint starts: the bytes before it were hinted already. */
    private long from;
    /** Hints the kernel took. */
    private int hints;

    /**
     * @param file the file being written ({@code null}: no hints)
     * @param start the offset the writing starts at
     */
    Writeback(Path file, long start) {
        this.file = file;
        this.from = start;
        if (file == null || !ENABLED) {
            fd = -2;
        }
    }

    /** The bytes up to {@code end} are written: a hint for those not hinted yet, once {@link #STEP} of them have gathered. */
    void written(long end) {
        if (fd == -2 || end - from < STEP) {
            return;
        }
        try {
            if (fd == -1) {
                arena = Arena.ofConfined();
                state = Libc.state(arena);
                long r = (long) Calls.OPEN.invokeExact(state, Libc.cstring(arena, file.toString()), (long) (O_RDONLY | O_NOFOLLOW | O_CLOEXEC),
                        0L, 0L, 0L, 0L);
                if ((int) r < 0) {
                    off();
                    return;
                }
                fd = (int) r;
            }
            long r = (long) Calls.SYNC_FILE_RANGE.invokeExact(state, (long) fd, from, end - from, (long) SYNC_FILE_RANGE_WRITE, 0L, 0L);
            if ((int) r != 0) {
                off();
                return;
            }
            from = end;
            hints++;
        } catch (Throwable e) {
            // no native access, or no such call: the caller's fsync does all the writing, as without hints
            off();
        }
    }

    /** How many hints the kernel took (for tests). */
    int hints() {
        return hints;
    }

    /** Whether hints are off for good (the file could not be opened, or the call failed). */
    boolean isOff() {
        return fd == -2;
    }

    private void off() {
        close();
        fd = -2;
    }

    @Override
    public void close() {
        if (fd >= 0) {
            try {
                long ignored = (long) Calls.CLOSE.invokeExact(state, (long) fd, 0L, 0L, 0L, 0L, 0L);
            } catch (Throwable e) {
                // a read-only descriptor: nothing to lose
            }
            fd = -1;
        }
        if (arena != null) {
            arena.close();
            arena = null;
        }
    }
}
