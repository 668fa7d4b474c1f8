package io.cargohold.storage.internal.driver.vfs;

import io.cargohold.fs.Libc;
import io.cargohold.storage.IdMap;
import io.cargohold.storage.internal.PosixFs;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The vfs driver's copy of a parent layer's tree into a new layer (upstream: {@code drivers/copy.DirCopy}
 * with xattrs, v1.43.0), made with as few system calls per file as the result allows.
 *
 * <p>What is kept, for every entry: type, contents, owners (mapped from the parent's ID maps to the
 * layer's), permission bits with setuid/setgid/sticky, access and modification times to the nanosecond,
 * the extended attributes {@code security.capability}, {@code user.*} and {@code trusted.overlay.opaque},
 * device numbers, symlink targets byte for byte, hard links within the tree (as links), and holes of sparse
 * files. Sockets are made again as socket files (mknod).
 *
 * <p>How: one thread walks the source with directory descriptors ({@code getdents64}, one
 * {@code statx(AT_SYMLINK_NOFOLLOW)} per entry, every later call relative to the entry's directory, no path
 * resolved twice and no link followed: {@code O_NOFOLLOW} opens, {@code AT_SYMLINK_NOFOLLOW} calls). It
 * makes directories, symlinks, device nodes, FIFOs and hard links in order; regular files go to worker
 * threads, each copied by: open source, create target ({@code O_CREAT|O_EXCL}, mode as given), copy_file_range
 * up to the size the walk saw (no call that returns 0), flistxattr, futimens, two closes; {@code fchown} only
 * when the mapped owner differs from the one a new file gets, {@code fchmod} only when the mode differs from
 * the one the umask left. A directory's own owner, xattrs, mode and times are set once every entry in it
 * exists (its walk and all its files' copies are done), so filling it never changes its times afterwards.
 *
 * <p>Durability is the caller's, as before (the layer store syncs the file system before it commits a
 * layer's record); a failure leaves a partial tree for the caller to remove.
 */
final class VfsTreeCopy {
    // ---- linux x86-64 / aarch64 constants (the generic ABI values are the same on both)
    private static final long AT_FDCWD = -100;
    private static final long AT_SYMLINK_NOFOLLOW = 0x100;
    private static final long AT_EMPTY_PATH = 0x1000;
    private static final long O_RDONLY = 0;
    private static final long O_WRONLY = 01;
    private static final long O_CREAT = 0100;
    private static final long O_EXCL = 0200;
    private static final long O_NOFOLLOW = 0400000;
    private static final long O_DIRECTORY = 0200000;
    private static final long O_CLOEXEC = 02000000;
    private static final long STATX_BASIC_STATS = 0x7ff;
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;
    private static final int S_ISGID = 02000;
    private static final long SEEK_DATA = 3;
    private static final long SEEK_HOLE = 4;
    private static final int EINTR = 4;
    private static final int ENXIO = 6;
    private static final int EXDEV = 18;
    private static final int EINVAL = 22;
    private static final int ENOSYS = 38;
    private static final int ENODATA = 61;
    private static final int EOPNOTSUPP = 95;
    private static final int ERANGE = 34;

    // struct statx offsets (include/uapi/linux/stat.h)
    private static final long STX_NLINK = 16;
    private static final long STX_UID = 20;
    private static final long STX_GID = 24;
    private static final long STX_MODE = 28;
    private static final long STX_INO = 32;
    private static final long STX_SIZE = 40;
    private static final long STX_BLOCKS = 48;
    private static final long STX_ATIME = 64;
    private static final long STX_MTIME = 112;
    private static final long STX_RDEV_MAJOR = 128;
    private static final long STX_RDEV_MINOR = 132;
    private static final long STX_DEV_MAJOR = 136;
    private static final long STX_DEV_MINOR = 140;
    private static final long STATX_SIZE = 256;

    /** Handles, made at first use, all in Libc's one shape (one call stub for every function). */
    private static final class H {
        static final MethodHandle OPENAT = Libc.function("openat");
        static final MethodHandle STATX = Libc.function("statx");
        static final MethodHandle GETDENTS64 = Libc.function("getdents64");
        static final MethodHandle CLOSE = Libc.function("close");
        static final MethodHandle COPY_FILE_RANGE = Libc.function("copy_file_range");
        static final MethodHandle READ = Libc.function("read");
        static final MethodHandle WRITE = Libc.function("write");
        static final MethodHandle LSEEK = Libc.function("lseek");
        static final MethodHandle FTRUNCATE = Libc.function("ftruncate");
        static final MethodHandle MKDIRAT = Libc.function("mkdirat");
        static final MethodHandle SYMLINKAT = Libc.function("symlinkat");
        static final MethodHandle READLINKAT = Libc.function("readlinkat");
        static final MethodHandle MKNODAT = Libc.function("mknodat");
        static final MethodHandle LINKAT = Libc.function("linkat");
        static final MethodHandle FCHOWN = Libc.function("fchown");
        static final MethodHandle FCHOWNAT = Libc.function("fchownat");
        static final MethodHandle FCHMOD = Libc.function("fchmod");
        static final MethodHandle FCHMODAT = Libc.function("fchmodat");
        static final MethodHandle FUTIMENS = Libc.function("futimens");
        static final MethodHandle UTIMENSAT = Libc.function("utimensat");
        static final MethodHandle FLISTXATTR = Libc.function("flistxattr");
        static final MethodHandle FGETXATTR = Libc.function("fgetxattr");
        static final MethodHandle FSETXATTR = Libc.function("fsetxattr");
        static final MethodHandle LLISTXATTR = Libc.function("llistxattr");
        static final MethodHandle LGETXATTR = Libc.function("lgetxattr");
        static final MethodHandle LSETXATTR = Libc.function("lsetxattr");
    }

    /**
     * Threads that copy regular files besides the walking one (which makes directories and links), from
     * {@code -Dcargohold.vfs.copyThreads}; default one when the process may use more than one core, else none.
     * A tree copy waits for the disk while the kernel reads inode tables and directory blocks (~40 % of the cores
     * idle during the large image's copy into containers-storage): on the 2-core machine, quiet, one copy thread
     * took that copy from 22.2-22.6 s to 18.1-18.2 s, two to 18.2-19.1 s (bench/README.md section 31). Under load
     * (other processes busy on both cores, section 26.1) the same threads cost 30-60 % more CPU (kernel time) and
     * were no faster: {@code -Dcargohold.vfs.copyThreads=0} turns them off.
     */
    static final int COPY_THREADS = Math.max(0, Math.min(16, Integer.getInteger("cargohold.vfs.copyThreads",
            Runtime.getRuntime().availableProcessors() > 1 ? 1 : 0)));

    private final byte[] srcRoot;
    private final byte[] dstRoot;
    private final List<IdMap> fromUid;
    private final List<IdMap> fromGid;
    private final List<IdMap> toUid;
    private final List<IdMap> toGid;
    private final Arena arena = Arena.ofShared();
    private final ThreadLocal<Ctx> ctx = ThreadLocal.withInitial(() -> new Ctx(arena));
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** First target (relative to the target root) of each (dev, ino) with more than one link. */
    private final Map<FileKey, byte[]> linked = new HashMap<>();
    private ThreadPoolExecutor pool;
    /** The owner and the permission bits a file created now gets, or -1 when not known (then set every time). */
    private long newUid = -1;
    private long newGid = -1;
    private int umask = -1;
    private volatile boolean copyFileRange = true;
    private long dstRootFd = -1;

    private record FileKey(long dev, long ino) {
    }

    private final int threads;

    private VfsTreeCopy(Path src, Path dst, List<IdMap> fromUid, List<IdMap> fromGid, List<IdMap> toUid, List<IdMap> toGid,
            int threads) {
        this.threads = threads;
        this.srcRoot = src.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8);
        this.dstRoot = dst.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8);
        this.fromUid = fromUid;
        this.fromGid = fromGid;
        this.toUid = toUid;
        this.toGid = toGid;
    }

    /**
     * Copies the tree {@code src} (a directory, not followed if a link) to the new directory {@code dst}, owners
     * shifted from the {@code from} maps to the {@code to} maps, with {@code threads} copy threads besides this one.
     */
    static void copy(Path src, Path dst, List<IdMap> fromUid, List<IdMap> fromGid, List<IdMap> toUid, List<IdMap> toGid,
            int threads) throws IOException {
        new VfsTreeCopy(src, dst, fromUid, fromGid, toUid, toGid, threads).run();
    }

    /** A file's metadata from one statx. */
    private record Stat(int mode, long uid, long gid, long nlink, long ino, long dev, long size, long blocks,
            long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec, long rdev) {
        int type() {
            return mode & S_IFMT;
        }
    }

    /**
     * A directory being copied: both descriptors, open while the walk is in it or a copy of one of its files
     * runs; the last to let go sets the target's own metadata and closes both.
     */
    private final class Dir {
        final long srcFd;
        final long dstFd;
        final byte[] rel; // relative to the roots, "" for the roots, else ending in '/'
        final Stat st;
        final AtomicInteger refs = new AtomicInteger(1);

        Dir(long srcFd, long dstFd, byte[] rel, Stat st) {
            this.srcFd = srcFd;
            this.dstFd = dstFd;
            this.rel = rel;
            this.st = st;
        }

        void retain() {
            refs.incrementAndGet();
        }

        void release(Ctx c) {
            if (refs.decrementAndGet() != 0) {
                return;
            }
            try {
                if (failure.get() == null) {
                    c.fdMetadata(srcFd, dstFd, st, true, this, EMPTY);
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            } finally {
                c.close(srcFd);
                c.close(dstFd);
            }
        }
    }

    private static final byte[] EMPTY = new byte[0];

    private void run() throws IOException {
        readIds();
        Ctx c = ctx.get();
        Dir root = null;
        try {
            long srcFd = c.openat(AT_FDCWD, srcRoot, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0, EMPTY, true);
            Stat st;
            try {
                st = c.statFd(srcFd, EMPTY);
                c.check(c.call(H.MKDIRAT, AT_FDCWD, c.cstr(c.path, dstRoot), 0700), "mkdir", dstRoot, EMPTY);
                dstRootFd = c.openat(AT_FDCWD, dstRoot, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0, EMPTY, false);
            } catch (IOException | RuntimeException e) {
                c.close(srcFd);
                throw e;
            }
            root = new Dir(srcFd, dstRootFd, EMPTY, st);
            learnNewOwner(c);
            if (threads > 0) {
                pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(256), r -> {
                    Thread t = new Thread(r, "vfs-copy");
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.CallerRunsPolicy());
            }
            // the root's own metadata is set by its last release, as every directory's; one more reference
            // keeps it (and its descriptor, which hard links are made relative to) until every copy is done
            root.retain();
            try {
                walk(c, root);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            } finally {
                root.release(c);
            }
        } finally {
            try {
                awaitWorkers();
            } finally {
                if (root != null) {
                    root.release(c); // the last reference: the root's metadata now that every copy is done
                }
                ctx.remove();
                arena.close();
            }
        }
        Throwable t = failure.get();
        if (t instanceof IOException io) {
            throw io;
        } else if (t instanceof RuntimeException re) {
            throw re;
        } else if (t instanceof Error er) {
            throw er;
        } else if (t != null) {
            throw new IOException(t);
        }
    }

    private void awaitWorkers() throws IOException {
        if (pool == null) {
            return;
        }
        pool.shutdown();
        try {
            while (!pool.awaitTermination(1, TimeUnit.MINUTES)) {
                // a file copy still running (a large file on a slow disk): wait for it, never leave it behind
            }
        } catch (InterruptedException e) {
            failure.compareAndSet(null, new InterruptedIOException("interrupted while copying " + str(srcRoot)));
            pool.shutdownNow();
            try {
                while (!pool.awaitTermination(1, TimeUnit.MINUTES)) {
                    // the running copies finish their file (a descriptor is closed only by its last user)
                }
            } catch (InterruptedException again) {
                // give up waiting
            }
            Thread.currentThread().interrupt();
        }
    }

    /** The walk of one directory, on the calling thread; subdirectories depth first. */
    private void walk(Ctx c, Dir d) throws IOException {
        List<byte[]> names = c.list(d.srcFd, d.rel);
        for (byte[] name : names) {
            if (failure.get() != null) {
                return;
            }
            Stat st = c.stat(d.srcFd, name, d.rel);
            int type = st.type();
            if (type == S_IFDIR) {
                c.check(c.call(H.MKDIRAT, d.dstFd, c.cstr(c.name, name), 0700), "mkdir", d.rel, name);
                long sfd = c.openat(d.srcFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0, d.rel, true);
                long dfd;
                try {
                    dfd = c.openat(d.dstFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0, d.rel, false);
                } catch (IOException | RuntimeException e) {
                    c.close(sfd);
                    throw e;
                }
                Dir sub = new Dir(sfd, dfd, concat(d.rel, name, (byte) '/'), st);
                try {
                    walk(c, sub);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t); // before the release below, which then leaves the metadata alone
                    throw t;
                } finally {
                    sub.release(c);
                }
                continue;
            }
            if (type != S_IFLNK && st.nlink() > 1) {
                FileKey key = new FileKey(st.dev(), st.ino());
                byte[] first = linked.get(key);
                if (first != null) {
                    c.check(c.call(H.LINKAT, dstRootFd, c.cstr(c.path, first), d.dstFd, c.cstr(c.name, name), 0), "link", d.rel, name);
                    continue;
                }
                linked.put(key, concat(d.rel, name, (byte) 0));
                // the first of a hard-linked group is made here, so that it exists for its later links
                if (type == S_IFREG) {
                    c.copyRegular(d, name, st);
                    continue;
                }
            }
            if (type == S_IFREG) {
                if (pool == null) {
                    c.copyRegular(d, name, st);
                    continue;
                }
                d.retain();
                pool.execute(() -> {
                    Ctx w = ctx.get();
                    try {
                        if (failure.get() == null) {
                            w.copyRegular(d, name, st);
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    } finally {
                        d.release(w);
                    }
                });
                continue;
            }
            c.copySpecial(d, name, st);
        }
    }

    /** The owner and mode bits a new entry gets (the fs IDs and umask in /proc/self/status); unknown leaves them -1. */
    private void readIds() {
        PosixFs.ProcIds ids = PosixFs.procIds();
        newUid = ids.fsuid();
        newGid = ids.fsgid();
        umask = ids.umask();
    }

    /**
     * Entries made in the target get the group of a setgid target root (directories made in it inherit the
     * bit), and a default ACL there would decide their modes instead of the umask: then the mode is set always.
     */
    private void learnNewOwner(Ctx c) throws IOException {
        Stat root = c.statFd(dstRootFd, EMPTY);
        if ((root.mode() & S_ISGID) != 0) {
            newGid = root.gid();
        }
        long n = c.call(H.FGETXATTR, dstRootFd, c.cstr(c.xname, ACL_DEFAULT), 0, 0);
        if (n >= 0 || (c.errno() != ENODATA && c.errno() != EOPNOTSUPP)) {
            umask = -1;
        }
    }

    private static final byte[] ACL_DEFAULT = "system.posix_acl_default".getBytes(StandardCharsets.US_ASCII);

    private static boolean copiedXattr(byte[] b, int off, int len) {
        return startsWith(b, off, len, USER) || equalsAt(b, off, len, CAPABILITY) || equalsAt(b, off, len, OPAQUE);
    }

    private static final byte[] USER = "user.".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CAPABILITY = "security.capability".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OPAQUE = "trusted.overlay.opaque".getBytes(StandardCharsets.US_ASCII);

    private static boolean startsWith(byte[] b, int off, int len, byte[] prefix) {
        if (len < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[off + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean equalsAt(byte[] b, int off, int len, byte[] s) {
        return len == s.length && startsWith(b, off, len, s);
    }

    private static byte[] concat(byte[] a, byte[] b, byte sep) {
        byte[] r = new byte[a.length + b.length + (sep == 0 ? 0 : 1)];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        if (sep != 0) {
            r[r.length - 1] = sep;
        }
        return r;
    }

    /** {@code root/rel name} ({@code rel} is empty or ends in '/'). */
    private static byte[] full(byte[] root, byte[] rel, byte[] name) {
        byte[] r = new byte[root.length + 1 + rel.length + name.length];
        System.arraycopy(root, 0, r, 0, root.length);
        r[root.length] = '/';
        System.arraycopy(rel, 0, r, root.length + 1, rel.length);
        System.arraycopy(name, 0, r, root.length + 1 + rel.length, name.length);
        return r;
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** One thread's buffers and calls. */
    private final class Ctx {
        final MemorySegment state;
        final MemorySegment stx;
        final MemorySegment name;
        final MemorySegment path;
        final MemorySegment path2;
        final MemorySegment xlist;
        final MemorySegment xname;
        final MemorySegment xval;
        final MemorySegment ts;
        final MemorySegment offs;
        MemorySegment dents;
        MemorySegment buf;
        final byte[] xbytes = new byte[XATTR_LIST_MAX];

        static final int XATTR_LIST_MAX = 65536;
        static final int XATTR_SIZE_MAX = 65536;

        Ctx(Arena arena) {
            state = Libc.state(arena);
            stx = arena.allocate(STATX_SIZE, 8);
            name = arena.allocate(256);
            path = arena.allocate(8192);
            path2 = arena.allocate(8192);
            xlist = arena.allocate(XATTR_LIST_MAX);
            xname = arena.allocate(256);
            xval = arena.allocate(XATTR_SIZE_MAX);
            ts = arena.allocate(32, 8);
            offs = arena.allocate(16, 8);
        }

        long call(MethodHandle h, long a, long b, long c) {
            return call(h, a, b, c, 0, 0, 0);
        }

        long call(MethodHandle h, long a, long b, long c, long d, long e) {
            return call(h, a, b, c, d, e, 0);
        }

        long call(MethodHandle h, long a, long b, long c, long d) {
            try {
                return (long) h.invokeExact(state, a, b, c, d, 0L, 0L);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        long call(MethodHandle h, long a, long b, long c, long d, long e, long f) {
            try {
                return (long) h.invokeExact(state, a, b, c, d, e, f);
            } catch (RuntimeException | Error x) {
                throw x;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        int errno() {
            return Libc.errno(state);
        }

        /** {@code s} NUL-terminated in {@code seg}; its address. */
        long cstr(MemorySegment seg, byte[] s) throws IOException {
            if (s.length + 1 > seg.byteSize()) {
                throw new IOException("path too long: " + str(s));
            }
            MemorySegment.copy(s, 0, seg, ValueLayout.JAVA_BYTE, 0, s.length);
            seg.set(ValueLayout.JAVA_BYTE, s.length, (byte) 0);
            return seg.address();
        }

        long check(long r, String what, byte[] rel, byte[] name) throws IOException {
            if (r < 0) {
                throw error(what, rel, name, errno());
            }
            return r;
        }

        IOException error(String what, byte[] rel, byte[] name, int errno) {
            String p = str(dstRoot) + "/" + str(rel) + str(name);
            if (errno == 17) {
                return new FileAlreadyExistsException(p);
            }
            return new io.cargohold.storage.internal.PosixFs.ErrnoException(what + " " + p + " (copy of "
                    + str(srcRoot) + "/" + str(rel) + str(name) + "): errno " + errno, errno);
        }

        long openat(long dirFd, byte[] name, long flags, long mode, byte[] rel, boolean source) throws IOException {
            try {
                long fd = (long) H.OPENAT.invokeExact(state, dirFd, cstr(name.length < this.name.byteSize() ? this.name : path, name),
                        flags, mode, 0L, 0L);
                if ((int) fd < 0) {
                    throw error(source ? "open" : "create", rel, name, errno());
                }
                return (int) fd;
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        void close(long fd) {
            if (fd >= 0) {
                call(H.CLOSE, fd, 0, 0, 0);
            }
        }

        Stat stat(long dirFd, byte[] name, byte[] rel) throws IOException {
            check(call(H.STATX, dirFd, cstr(this.name, name), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, stx.address(), 0), "statx", rel, name);
            return stat();
        }

        Stat statFd(long fd, byte[] rel) throws IOException {
            name.set(ValueLayout.JAVA_BYTE, 0, (byte) 0);
            check(call(H.STATX, fd, name.address(), AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, stx.address(), 0),
                    "statx", rel, EMPTY);
            return stat();
        }

        private Stat stat() {
            long major = Integer.toUnsignedLong(stx.get(ValueLayout.JAVA_INT, STX_RDEV_MAJOR));
            long minor = Integer.toUnsignedLong(stx.get(ValueLayout.JAVA_INT, STX_RDEV_MINOR));
            // glibc's makedev
            long rdev = ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
            long dev = (Integer.toUnsignedLong(stx.get(ValueLayout.JAVA_INT, STX_DEV_MAJOR)) << 32)
                    | Integer.toUnsignedLong(stx.get(ValueLayout.JAVA_INT, STX_DEV_MINOR));
            return new Stat(Short.toUnsignedInt(stx.get(ValueLayout.JAVA_SHORT, STX_MODE)),
                    Integer.toUnsignedLong(stx.get(ValueLayout.JAVA_INT, STX_UID)),
                    Integer.toUnsignedLong(stx.get(ValueLayout.JAVA_INT, STX_GID)),
                    Integer.toUnsignedLong(stx.get(ValueLayout.JAVA_INT, STX_NLINK)),
                    stx.get(ValueLayout.JAVA_LONG, STX_INO), dev,
                    stx.get(ValueLayout.JAVA_LONG, STX_SIZE), stx.get(ValueLayout.JAVA_LONG, STX_BLOCKS),
                    stx.get(ValueLayout.JAVA_LONG, STX_ATIME), Integer.toUnsignedLong(stx.get(ValueLayout.JAVA_INT, STX_ATIME + 8)),
                    stx.get(ValueLayout.JAVA_LONG, STX_MTIME), Integer.toUnsignedLong(stx.get(ValueLayout.JAVA_INT, STX_MTIME + 8)),
                    rdev);
        }

        /** The names in a directory (not "." and ".."), in the order the file system gives them. */
        List<byte[]> list(long fd, byte[] rel) throws IOException {
            if (dents == null) {
                dents = arena.allocate(32 * 1024, 8);
            }
            List<byte[]> out = new ArrayList<>();
            while (true) {
                long n = check(call(H.GETDENTS64, fd, dents.address(), dents.byteSize(), 0), "getdents64", rel, EMPTY);
                if (n == 0) {
                    return out;
                }
                long off = 0;
                while (off < n) {
                    int reclen = Short.toUnsignedInt(dents.get(ValueLayout.JAVA_SHORT, off + 16));
                    long nameAt = off + 19;
                    int len = 0;
                    while (dents.get(ValueLayout.JAVA_BYTE, nameAt + len) != 0) {
                        len++;
                    }
                    if (!(len == 1 && dents.get(ValueLayout.JAVA_BYTE, nameAt) == '.')
                            && !(len == 2 && dents.get(ValueLayout.JAVA_BYTE, nameAt) == '.' && dents.get(ValueLayout.JAVA_BYTE, nameAt + 1) == '.')) {
                        byte[] b = new byte[len];
                        MemorySegment.copy(dents, ValueLayout.JAVA_BYTE, nameAt, b, 0, len);
                        out.add(b);
                    }
                    off += reclen;
                }
            }
        }

        /** A regular file: contents (holes kept), then owner, xattrs, mode, times through the new descriptor. */
        void copyRegular(Dir d, byte[] name, Stat st) throws IOException {
            long in = openat(d.srcFd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0, d.rel, true);
            long out = -1;
            try {
                out = openat(d.dstFd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st.mode() & 0777, d.rel, false);
                if (st.size() > 0) {
                    if (st.blocks() * 512 < st.size()) {
                        copySparse(in, out, st.size(), d.rel, name);
                    } else {
                        copyRange(in, out, st.size(), d.rel, name);
                    }
                }
                fdMetadata(in, out, st, false, d, name);
            } finally {
                close(in);
                close(out);
            }
        }

        /** {@code size} bytes from the descriptors' current offsets: copy_file_range, or read/write where it cannot. */
        private void copyRange(long in, long out, long size, byte[] rel, byte[] name) throws IOException {
            long left = size;
            while (left > 0 && copyFileRange) {
                long n = call(H.COPY_FILE_RANGE, in, 0, out, 0, Math.min(left, 1L << 30), 0);
                if (n < 0) {
                    int e = errno();
                    if (e == EINTR) {
                        continue;
                    }
                    if (e == EXDEV || e == ENOSYS || e == EOPNOTSUPP || e == EINVAL) {
                        copyFileRange = false; // another file system, or none that can: read and write
                        break;
                    }
                    throw error("copy_file_range", rel, name, e);
                }
                if (n == 0) {
                    return; // the file shrank since the walk saw it
                }
                left -= n;
            }
            if (left > 0) {
                readWrite(in, out, left, rel, name);
            }
        }

        private void readWrite(long in, long out, long left, byte[] rel, byte[] name) throws IOException {
            if (buf == null) {
                buf = arena.allocate(1 << 20, 8);
            }
            while (left > 0) {
                long n = call(H.READ, in, buf.address(), Math.min(left, buf.byteSize()), 0);
                if (n < 0) {
                    if (errno() == EINTR) {
                        continue;
                    }
                    throw error("read", rel, name, errno());
                }
                if (n == 0) {
                    return;
                }
                long done = 0;
                while (done < n) {
                    long w = call(H.WRITE, out, buf.address() + done, n - done, 0);
                    if (w < 0) {
                        if (errno() == EINTR) {
                            continue;
                        }
                        throw error("write", rel, name, errno());
                    }
                    done += w;
                }
                left -= n;
            }
        }

        /** A file with holes: only its data ranges (SEEK_DATA/SEEK_HOLE), then its length. */
        private void copySparse(long in, long out, long size, byte[] rel, byte[] name) throws IOException {
            long off = 0;
            while (off < size) {
                long data = call(H.LSEEK, in, off, SEEK_DATA, 0);
                if (data < 0) {
                    int e = errno();
                    if (e == ENXIO) {
                        break; // only a hole is left
                    }
                    if (e == EINVAL) {
                        // no SEEK_DATA here: copy it whole from the offset reached
                        check(call(H.LSEEK, in, off, 0, 0), "lseek", rel, name);
                        check(call(H.LSEEK, out, off, 0, 0), "lseek", rel, name);
                        copyRange(in, out, size - off, rel, name);
                        return;
                    }
                    throw error("lseek", rel, name, e);
                }
                if (data >= size) {
                    break;
                }
                long hole = check(call(H.LSEEK, in, data, SEEK_HOLE, 0), "lseek", rel, name);
                long end = Math.min(hole, size);
                check(call(H.LSEEK, in, data, 0, 0), "lseek", rel, name);
                check(call(H.LSEEK, out, data, 0, 0), "lseek", rel, name);
                copyRange(in, out, end - data, rel, name);
                off = end;
            }
            check(call(H.FTRUNCATE, out, size, 0, 0), "ftruncate", rel, name);
        }

        /**
         * Owner (mapped; only when it differs from a new entry's), the xattrs upstream copies, mode (after
         * chown, which clears setuid/setgid; only when the umask changed it, always for directories), times.
         */
        void fdMetadata(long from, long to, Stat st, boolean dir, Dir d, byte[] name) throws IOException {
            long uid = VfsDriver.mapId(st.uid(), fromUid, toUid);
            long gid = VfsDriver.mapId(st.gid(), fromGid, toGid);
            if (uid != newUid || gid != newGid) {
                check(call(H.FCHOWN, to, uid, gid, 0), "chown", d.rel, name);
            }
            long n = call(H.FLISTXATTR, from, xlist.address(), xlist.byteSize(), 0);
            if (n < 0 && errno() != EOPNOTSUPP) {
                throw error("flistxattr", d.rel, name, errno());
            }
            if (n > 0) {
                copyXattrs(n, from, to, null, null, d, name);
            }
            int mode = st.mode() & 07777;
            if (dir || umask < 0 || mode != (mode & 0777 & ~umask)) {
                check(call(H.FCHMOD, to, mode, 0, 0), "chmod", d.rel, name);
            }
            setTimes(st);
            check(call(H.FUTIMENS, to, ts.address(), 0, 0), "futimens", d.rel, name);
        }

        private void setTimes(Stat st) {
            ts.set(ValueLayout.JAVA_LONG, 0, st.atimeSec());
            ts.set(ValueLayout.JAVA_LONG, 8, st.atimeNsec());
            ts.set(ValueLayout.JAVA_LONG, 16, st.mtimeSec());
            ts.set(ValueLayout.JAVA_LONG, 24, st.mtimeNsec());
        }

        /** The listed ({@code n} bytes in {@link #xlist}) xattrs that are copied: by descriptor, or by path when {@code fromPath} is given. */
        private void copyXattrs(long n, long from, long to, byte[] fromPath, byte[] toPath, Dir d, byte[] name) throws IOException {
            MemorySegment.copy(xlist, ValueLayout.JAVA_BYTE, 0, xbytes, 0, (int) n);
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (xbytes[i] != 0) {
                    continue;
                }
                int len = i - start;
                if (len > 0 && copiedXattr(xbytes, start, len)) {
                    MemorySegment.copy(xlist, start, xname, 0, len + 1L);
                    long v = fromPath == null ? call(H.FGETXATTR, from, xname.address(), xval.address(), xval.byteSize())
                            : call(H.LGETXATTR, cstr(path, fromPath), xname.address(), xval.address(), xval.byteSize());
                    if (v < 0) {
                        if (errno() != ENODATA) { // removed since listed: nothing to copy
                            throw error("getxattr " + new String(xbytes, start, len, StandardCharsets.UTF_8), d.rel, name, errno());
                        }
                    } else {
                        long r = fromPath == null ? call(H.FSETXATTR, to, xname.address(), xval.address(), v, 0, 0)
                                : call(H.LSETXATTR, cstr(path2, toPath), xname.address(), xval.address(), v, 0, 0);
                        check(r, "setxattr " + new String(xbytes, start, len, StandardCharsets.UTF_8), d.rel, name);
                    }
                }
                start = i + 1;
            }
        }

        /** A symlink (target byte for byte), device node, FIFO or socket, and its metadata by name. */
        void copySpecial(Dir d, byte[] name, Stat st) throws IOException {
            long nm = cstr(this.name, name);
            boolean link = st.type() == S_IFLNK;
            if (link) {
                long n = check(call(H.READLINKAT, d.srcFd, nm, path.address(), path.byteSize() - 1), "readlink", d.rel, name);
                path.set(ValueLayout.JAVA_BYTE, n, (byte) 0);
                check(call(H.SYMLINKAT, path.address(), d.dstFd, nm, 0), "symlink", d.rel, name);
            } else {
                check(call(H.MKNODAT, d.dstFd, nm, st.mode(), st.rdev()), "mknod", d.rel, name);
            }
            long uid = VfsDriver.mapId(st.uid(), fromUid, toUid);
            long gid = VfsDriver.mapId(st.gid(), fromGid, toGid);
            if (uid != newUid || gid != newGid) {
                check(call(H.FCHOWNAT, d.dstFd, nm, uid, gid, AT_SYMLINK_NOFOLLOW, 0), "chown", d.rel, name);
            }
            // xattrs by path: there is no descriptor of a symlink or a FIFO to ask
            byte[] from = full(srcRoot, d.rel, name);
            long n = call(H.LLISTXATTR, cstr(path, from), xlist.address(), xlist.byteSize(), 0);
            if (n < 0 && errno() != EOPNOTSUPP) {
                throw error("llistxattr", d.rel, name, errno());
            }
            if (n > 0) {
                byte[] to = full(dstRoot, d.rel, name);
                copyXattrs(n, -1, -1, from, to, d, name);
            }
            nm = cstr(this.name, name);
            if (!link) {
                // by name, never opened (a FIFO would block)
                check(call(H.FCHMODAT, d.dstFd, nm, st.mode() & 07777, 0), "chmod", d.rel, name);
            }
            setTimes(st);
            check(call(H.UTIMENSAT, d.dstFd, nm, ts.address(), AT_SYMLINK_NOFOLLOW), "utimensat", d.rel, name);
        }
    }
}
