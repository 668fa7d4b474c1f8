package io.cargohold.storage.internal.driver;

import io.cargohold.storage.internal.PosixFs;
import io.cargohold.fs.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The kernel's mount table through the FFM API: {@code mount(2)}, {@code umount2(2)}, and reading
 * {@code /proc/self/mountinfo}. {@link #mountIn} mounts with paths relative to a directory, as
 * upstream's {@code mountFrom} re-exec does when the overlay mount data would not fit in a page: the
 * call runs on a new platform thread that first leaves the process's shared cwd
 * ({@code unshare(CLONE_FS)}) and then changes into the directory, so no other thread of the JVM sees
 * a different working directory.
 */
public final class KernelMounts {
    /** Created at first use, in {@link Libc}'s one call shape (one call stub for every native call). */
    private static final class MOUNT_ {
        static final MethodHandle H = Libc.function("mount");
    }
    private static final class UMOUNT2_ {
        static final MethodHandle H = Libc.function("umount2");
    }
    private static final class UNSHARE_ {
        static final MethodHandle H = Libc.function("unshare");
    }
    private static final class CHDIR_ {
        static final MethodHandle H = Libc.function("chdir");
    }

    public static final int MNT_FORCE = 1;
    public static final int MNT_DETACH = 2;
    public static final long MS_RDONLY = 1;
    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;
    public static final long MS_NOEXEC = 8;
    public static final long MS_SYNCHRONOUS = 16;
    public static final long MS_REMOUNT = 32;
    public static final long MS_MANDLOCK = 64;
    public static final long MS_DIRSYNC = 128;
    public static final long MS_NOATIME = 1024;
    public static final long MS_NODIRATIME = 2048;
    public static final long MS_BIND = 4096;
    public static final long MS_REC = 16384;
    public static final long MS_PRIVATE = 1 << 18;
    public static final long MS_SLAVE = 1 << 19;
    public static final long MS_SHARED = 1 << 20;
    public static final long MS_RELATIME = 1 << 21;
    public static final long MS_STRICTATIME = 1 << 24;
    private static final int CLONE_FS = 0x00000200;
    public static final int EINVAL = 22;
    public static final int ENOENT = 2;
    public static final int EBUSY = 16;

    private KernelMounts() {
    }

    /** mount(2); {@code data} may be null. Fails with the errno in a {@link PosixFs.ErrnoException}. */
    public static void mount(String source, String target, String fstype, long flags, String data) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.state(arena);
            int r = (int) (long) MOUNT_.H.invokeExact(state, Libc.cstring(arena, source), Libc.cstring(arena, target),
                    Libc.cstring(arena, fstype), flags, Libc.cstring(arena, data), 0L);
            if (r != 0) {
                int errno = Libc.errno(state);
                throw new PosixFs.ErrnoException(errnoText(errno), errno);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /** umount2(2) with {@code flags} ({@link #MNT_DETACH}, {@link #MNT_FORCE}). */
    public static void unmount(String target, int flags) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.state(arena);
            int r = (int) (long) UMOUNT2_.H.invokeExact(state, Libc.cstring(arena, target), (long) flags, 0L, 0L, 0L, 0L);
            if (r != 0) {
                int errno = Libc.errno(state);
                throw new PosixFs.ErrnoException(errnoText(errno), errno);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }

    /**
     * mount(2) with {@code target} and the paths in {@code data} relative to {@code dir} (upstream's
     * {@code mountFrom}); runs on its own thread with a private working directory.
     */
    public static void mountIn(Path dir, String source, String target, String fstype, long flags, String data) throws IOException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("mountfrom").unstarted(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = Libc.state(arena);
                if ((int) (long) UNSHARE_.H.invokeExact(state, (long) CLONE_FS, 0L, 0L, 0L, 0L, 0L) != 0) {
                    int errno = Libc.errno(state);
                    throw new PosixFs.ErrnoException("unshare(CLONE_FS): " + errnoText(errno), errno);
                }
                if ((int) (long) CHDIR_.H.invokeExact(state, Libc.cstring(arena, dir.toString()), 0L, 0L, 0L, 0L, 0L) != 0) {
                    int errno = Libc.errno(state);
                    throw new PosixFs.ErrnoException("chdir " + dir + ": " + errnoText(errno), errno);
                }
                mount(source, target, fstype, flags, data);
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while mounting " + target, e);
        }
        Throwable e = failure.get();
        if (e instanceof IOException io) {
            throw io;
        } else if (e instanceof RuntimeException re) {
            throw re;
        } else if (e != null) {
            throw new IOException(e);
        }
    }

    /** Go's syscall.Errno texts for the errors mounts report. */
    public static String errnoText(int errno) {
        return switch (errno) {
            case 1 -> "operation not permitted";
            case 2 -> "no such file or directory";
            case 12 -> "cannot allocate memory";
            case 13 -> "permission denied";
            case 16 -> "device or resource busy";
            case 19 -> "no such device";
            case 20 -> "not a directory";
            case 22 -> "invalid argument";
            case 36 -> "file name too long";
            case 95 -> "operation not supported";
            default -> "errno " + errno;
        };
    }

    /**
     * One line of /proc/self/mountinfo; {@code optional} holds its optional fields (the propagation tags
     * {@code shared:N}, {@code master:N}, {@code propagate_from:N}, {@code unbindable}) separated by spaces,
     * empty for a private mount.
     */
    public record MountInfo(int id, int parent, String root, String mountPoint, String options, String fsType, String source,
                            String superOptions, String optional) {
        /** Whether the mount's propagation is private (no optional field). */
        public boolean isPrivate() {
            return optional.isEmpty();
        }
    }

    /** The current mount table of this process's mount namespace. */
    public static List<MountInfo> mountInfo() throws IOException {
        List<MountInfo> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
            String[] f = line.split(" ");
            int sep = -1;
            for (int i = 6; i < f.length; i++) {
                if (f[i].equals("-")) {
                    sep = i;
                    break;
                }
            }
            if (f.length < 10 || sep < 0 || sep + 3 > f.length) {
                continue;
            }
            out.add(new MountInfo(Integer.parseInt(f[0]), Integer.parseInt(f[1]), unescape(f[3]), unescape(f[4]), f[5], f[sep + 1],
                    unescape(f[sep + 2]), sep + 3 < f.length ? f[sep + 3] : "", String.join(" ", java.util.Arrays.copyOfRange(f, 6, sep))));
        }
        return out;
    }

    /** Whether {@code p} (absolute, normalised) is a mount point now. */
    public static boolean isMountPoint(Path p) throws IOException {
        return mountAt(p) != null;
    }

    /** The topmost mount on {@code p} (the last one mounted there), or null when {@code p} is not a mount point. */
    public static MountInfo mountAt(Path p) throws IOException {
        String s = p.toAbsolutePath().normalize().toString();
        MountInfo top = null;
        for (MountInfo m : mountInfo()) {
            if (m.mountPoint().equals(s)) {
                top = m;
            }
        }
        return top;
    }

    /** The mounts at or below {@code dir}. */
    public static List<MountInfo> mountsUnder(Path dir) throws IOException {
        String s = dir.toAbsolutePath().normalize().toString();
        List<MountInfo> out = new ArrayList<>();
        for (MountInfo m : mountInfo()) {
            if (m.mountPoint().equals(s) || m.mountPoint().startsWith(s.endsWith("/") ? s : s + "/")) {
                out.add(m);
            }
        }
        return out;
    }

    /** mountinfo escapes space, tab, newline and backslash as three octal digits. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }

    /** The result of {@link #parseOptions}: mount flags and the data string left for the file system. */
    public record ParsedOptions(long flags, String data) {
    }

    private static final long MS_UNBINDABLE = 1 << 17;
    private static final Map<String, long[]> FLAGS = Map.ofEntries(
            Map.entry("ro", new long[] {0, MS_RDONLY}), Map.entry("rw", new long[] {1, MS_RDONLY}),
            Map.entry("suid", new long[] {1, MS_NOSUID}), Map.entry("nosuid", new long[] {0, MS_NOSUID}),
            Map.entry("dev", new long[] {1, MS_NODEV}), Map.entry("nodev", new long[] {0, MS_NODEV}),
            Map.entry("exec", new long[] {1, MS_NOEXEC}), Map.entry("noexec", new long[] {0, MS_NOEXEC}),
            Map.entry("sync", new long[] {0, MS_SYNCHRONOUS}), Map.entry("async", new long[] {1, MS_SYNCHRONOUS}),
            Map.entry("dirsync", new long[] {0, MS_DIRSYNC}), Map.entry("remount", new long[] {0, MS_REMOUNT}),
            Map.entry("mand", new long[] {0, MS_MANDLOCK}), Map.entry("nomand", new long[] {1, MS_MANDLOCK}),
            Map.entry("atime", new long[] {1, MS_NOATIME}), Map.entry("noatime", new long[] {0, MS_NOATIME}),
            Map.entry("diratime", new long[] {1, MS_NODIRATIME}), Map.entry("nodiratime", new long[] {0, MS_NODIRATIME}),
            Map.entry("bind", new long[] {0, MS_BIND}), Map.entry("rbind", new long[] {0, MS_BIND | MS_REC}),
            Map.entry("unbindable", new long[] {0, MS_UNBINDABLE}), Map.entry("runbindable", new long[] {0, MS_UNBINDABLE | MS_REC}),
            Map.entry("private", new long[] {0, MS_PRIVATE}), Map.entry("rprivate", new long[] {0, MS_PRIVATE | MS_REC}),
            Map.entry("shared", new long[] {0, MS_SHARED}), Map.entry("rshared", new long[] {0, MS_SHARED | MS_REC}),
            Map.entry("slave", new long[] {0, MS_SLAVE}), Map.entry("rslave", new long[] {0, MS_SLAVE | MS_REC}),
            Map.entry("relatime", new long[] {0, MS_RELATIME}), Map.entry("norelatime", new long[] {1, MS_RELATIME}),
            Map.entry("strictatime", new long[] {0, MS_STRICTATIME}), Map.entry("nostrictatime", new long[] {1, MS_STRICTATIME}));

    /**
     * Upstream's {@code mount.ParseOptions}: comma-separated options; the flag names set or clear mount
     * flags, everything else (empty items and {@code defaults} included, as upstream) is kept, in order,
     * as file-system data.
     */
    public static ParsedOptions parseOptions(String options) {
        long flags = 0;
        List<String> data = new ArrayList<>();
        for (String o : options.split(",", -1)) {
            long[] f = FLAGS.get(o);
            if (f != null) {
                if (f[0] == 1) {
                    flags &= ~f[1];
                } else {
                    flags |= f[1];
                }
            } else {
                data.add(o);
            }
        }
        return new ParsedOptions(flags, String.join(",", data));
    }
}
