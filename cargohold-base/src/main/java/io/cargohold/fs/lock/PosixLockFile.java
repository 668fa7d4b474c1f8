package io.cargohold.fs.lock;

import io.cargohold.errors.UnavailableException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * POSIX record locks (fcntl F_SETLK/F_SETLKW) on byte ranges of a lock file, usable from many threads.
 *
 * <p>A POSIX record lock belongs to the process, not to a thread or a descriptor: two threads of one
 * JVM never conflict with each other at the kernel, and closing <em>any</em> descriptor of the file
 * drops every lock the process holds on it. So this class keeps one JVM-wide instance per file (by
 * inode), opens exactly one descriptor that is never closed, and serialises threads in the JVM first
 * (a fair read/write lock per range) before it takes the process-level lock. Shared holders in the JVM
 * share one process-level read lock, taken by the first and dropped by the last.
 *
 * <p>Ranges must be used consistently: the same (start, length) pairs, never partially overlapping
 * ones. Length 0 means "to the end of the file", i.e. the whole file when start is 0, which is what
 * containers/storage uses on its lock files. Locks are not reentrant; taking a lock a thread already
 * holds (or upgrading shared to exclusive) is a programming error and throws.
 */
public final class PosixLockFile {
    /** The one sanctioned static: descriptors per inode, because POSIX locks are per process. */
    private static final Map<Object, PosixLockFile> OPEN = new HashMap<>();
    /** rwx------ and rw-r--r-- (plain sets: PosixFilePermissions.fromString's EnumSet reads the enum's constants reflectively) */
    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> DIR_MODE = java.util.Set.of(
            java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE,
            java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE);
    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> FILE_MODE = java.util.Set.of(
            java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE,
            java.nio.file.attribute.PosixFilePermission.GROUP_READ, java.nio.file.attribute.PosixFilePermission.OTHERS_READ);

    private final Path path;
    private final LockDescriptor fd;
    private final boolean readOnly;
    private final ConcurrentHashMap<Range, RangeState> ranges = new ConcurrentHashMap<>();

    private PosixLockFile(Path path, LockDescriptor fd, boolean readOnly) {
        this.path = path;
        this.fd = fd;
        this.readOnly = readOnly;
    }

    /** Returns the JVM's instance for this file, creating the file (empty) when it does not exist. */
    public static PosixLockFile of(Path path) throws IOException {
        return of(path, false);
    }

    /**
     * Returns the JVM's instance for this file. With {@code readOnly} the file must exist and is
     * opened read-only (only shared locks can be taken), as for the lock files of additional
     * read-only image stores; otherwise it is created (mode 0644, parents 0700) when absent.
     */
    public static PosixLockFile of(Path path, boolean readOnly) throws IOException {
        Path abs = path.toAbsolutePath().normalize();
        synchronized (OPEN) {
            // lock files are created once and never replaced: look first, rather than have a create fail (a short
            // command opens ~12 lock files, and each failed create cost an exception)
            if (!readOnly && !Files.exists(abs)) {
                if (!Files.isDirectory(abs.getParent())) {
                    Files.createDirectories(abs.getParent(), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(DIR_MODE));
                }
                try {
                    Files.createFile(abs, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(FILE_MODE));
                } catch (FileAlreadyExistsException e) {
                    // fine: another process created it meanwhile
                }
            }
            Object key = Files.readAttributes(abs, BasicFileAttributes.class).fileKey();
            PosixLockFile existing = OPEN.get(key);
            if (existing != null) {
                return existing;
            }
            LockDescriptor fd = LockDescriptor.open(abs, readOnly);
            PosixLockFile f = new PosixLockFile(abs, fd, readOnly);
            OPEN.put(key, f);
            return f;
        }
    }

    /**
     * Reads up to {@code len} bytes at {@code offset} through the locked descriptor (never open the
     * file another way while it is locked: closing that descriptor would drop the process's locks).
     */
    public byte[] readAt(long offset, int len) throws IOException {
        return fd.pread(len, offset);
    }

    /** Writes bytes at {@code offset} through the locked descriptor, without truncating. */
    public void writeAt(long offset, byte[] data) throws IOException {
        if (readOnly) {
            throw new IllegalStateException(path + " is open read-only");
        }
        fd.pwrite(data, offset);
    }

    public Path path() {
        return path;
    }

    /** Blocks until the lock on [start, start+len) is held in the given mode. */
    public Held lock(long start, long len, LockMode mode) throws IOException {
        return acquire(new Range(start, len), mode, null);
    }

    /** Like {@link #lock} but gives up after {@code timeout} with an {@link UnavailableException}. */
    public Held lock(long start, long len, LockMode mode, Duration timeout) throws IOException {
        return acquire(new Range(start, len), mode, timeout);
    }

    /** The whole file, as containers/storage locks it. */
    public Held lockWholeFile(LockMode mode) throws IOException {
        return lock(0, 0, mode);
    }

    private Held acquire(Range range, LockMode mode, Duration timeout) throws IOException {
        if (readOnly && mode == LockMode.EXCLUSIVE) {
            throw new IllegalStateException(path + " is open read-only; it can only be locked shared");
        }
        RangeState st = ranges.computeIfAbsent(range, r -> new RangeState());
        if (st.rw.isWriteLockedByCurrentThread() || (mode == LockMode.EXCLUSIVE && st.rw.getReadHoldCount() > 0)) {
            throw new IllegalStateException("lock " + path + " " + range + " is already held by this thread");
        }
        long deadline = timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
        Lock jvmLock = mode == LockMode.SHARED ? st.rw.readLock() : st.rw.writeLock();
        inJvm(jvmLock, timeout, deadline, range);
        boolean ok = false;
        try {
            if (mode == LockMode.SHARED) {
                inJvm(st.sharedGate, timeout, deadline, range);
                try {
                    if (st.sharedHolders == 0) {
                        processLock(range, Posix.F_RDLCK, timeout, deadline);
                    }
                    st.sharedHolders++;
                } finally {
                    st.sharedGate.unlock();
                }
            } else {
                processLock(range, Posix.F_WRLCK, timeout, deadline);
            }
            ok = true;
        } finally {
            if (!ok) {
                jvmLock.unlock();
            }
        }
        return new Held(this, st, range, mode);
    }

    private void inJvm(Lock l, Duration timeout, long deadline, Range range) throws IOException {
        try {
            if (timeout == null) {
                l.lockInterruptibly();
            } else if (!l.tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new UnavailableException("timed out after " + timeout.toMillis() + "ms waiting for lock "
                        + path + " " + range + " held by another thread of this process");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for lock " + path);
        }
    }

    private void processLock(Range range, short type, Duration timeout, long deadline) throws IOException {
        if (timeout == null) {
            while (true) {
                int err = fd.setLock(true, type, range.start(), range.len());
                if (err == 0) {
                    return;
                }
                if (err != Posix.EDEADLK) {
                    throw new IOException("fcntl(F_SETLKW) on " + path + ": errno " + err);
                }
                // The kernel's deadlock detector sees processes, not threads: thread A1 holding range 1
                // while A2 waits for range 2, and B1 holding 2 while B2 waits for 1, looks like a cycle
                // although neither holder waits. Callers that take ranges in one declared order cannot
                // really deadlock, so EDEADLK is spurious here: back off briefly and try again.
                backOff();
            }
        }
        long sleep = 1;
        while (true) {
            int err = fd.setLock(false, type, range.start(), range.len());
            if (err == 0) {
                return;
            }
            if (err != Posix.EAGAIN && err != Posix.EACCES && err != Posix.EDEADLK) {
                throw new IOException("fcntl(F_SETLK) on " + path + ": errno " + err);
            }
            if (System.nanoTime() >= deadline) {
                int pid = fd.holder(type, range.start(), range.len());
                throw new UnavailableException("timed out after " + timeout.toMillis() + "ms waiting for lock "
                        + path + " " + range + (pid > 0 ? ", held by process " + pid : ""));
            }
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for lock " + path);
            }
            sleep = Math.min(sleep * 2, 50);
        }
    }

    private static void backOff() throws InterruptedIOException {
        try {
            Thread.sleep(1 + java.util.concurrent.ThreadLocalRandom.current().nextInt(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a lock");
        }
    }

    private void release(RangeState st, Range range, LockMode mode) throws IOException {
        try {
            if (mode == LockMode.SHARED) {
                st.sharedGate.lock();
                try {
                    if (--st.sharedHolders == 0) {
                        unlockProcess(range);
                    }
                } finally {
                    st.sharedGate.unlock();
                }
            } else {
                unlockProcess(range);
            }
        } finally {
            (mode == LockMode.SHARED ? st.rw.readLock() : st.rw.writeLock()).unlock();
        }
    }

    private void unlockProcess(Range range) throws IOException {
        int err = fd.setLock(false, Posix.F_UNLCK, range.start(), range.len());
        if (err != 0) {
            throw new IOException("fcntl(F_UNLCK) on " + path + ": errno " + err);
        }
    }

    /** Test hook: the pid of another process holding a lock that conflicts with {@code mode}, or 0. */
    int conflictingHolder(long start, long len, LockMode mode) throws IOException {
        return fd.holder(mode == LockMode.SHARED ? Posix.F_RDLCK : Posix.F_WRLCK, start, len);
    }

    /**
     * A map key, so equals and hashCode are written out: a record's generated ones are linked at their first
     * call through an invokedynamic bootstrap (ObjectMethods) that the AOT cache does not keep, which spun
     * ~10 method-handle classes (~5-10 ms of CPU) at the first lock of every CLI process.
     */
    private record Range(long start, long len) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Range r && r.start == start && r.len == len;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(start) * 31 + Long.hashCode(len);
        }

        @Override
        public String toString() {
            return len == 0 && start == 0 ? "(whole file)" : "[" + start + "+" + len + "]";
        }
    }

    private static final class RangeState {
        final ReentrantReadWriteLock rw = new ReentrantReadWriteLock(true);
        final ReentrantLock sharedGate = new ReentrantLock();
        int sharedHolders;
    }

    /** A held lock; {@link #close()} releases it (once). */
    public static final class Held implements AutoCloseable {
        private final PosixLockFile file;
        private final RangeState state;
        private final Range range;
        private final LockMode mode;
        private boolean released;

        private Held(PosixLockFile file, RangeState state, Range range, LockMode mode) {
            this.file = file;
            this.state = state;
            this.range = range;
            this.mode = mode;
        }

        public LockMode mode() {
            return mode;
        }

        @Override
        public void close() throws IOException {
            if (!released) {
                released = true;
                file.release(state, range, mode);
            }
        }
    }
}
