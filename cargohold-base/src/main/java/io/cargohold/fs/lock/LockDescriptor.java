package io.cargohold.fs.lock;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * The one never-closed descriptor of a lock file and the process-level calls on it. Two backends:
 * {@link Ffm} (default) calls fcntl/pread/pwrite through the FFM API; {@link Jdk} (system property
 * {@code cargohold.locks=jdk}) uses {@link FileChannel#lock} - the same fcntl record locks on Linux -
 * and positional channel I/O. The JDK backend saves the ~100 ms it takes to create FFM downcall stubs,
 * which matters for a command-line process started hundreds of times by scripts; but an interrupted
 * thread closes a FileChannel, which drops every lock of the process on the file, so it is only for
 * short-lived single-threaded processes (our CLI launchers).
 */
interface LockDescriptor {
    byte[] pread(int len, long offset) throws IOException;

    void pwrite(byte[] data, long offset) throws IOException;

    /** fcntl F_SETLK ({@code wait} false) / F_SETLKW; returns 0 or the errno (EAGAIN, EDEADLK, ...). */
    int setLock(boolean wait, short type, long start, long len) throws IOException;

    /** The pid of a process holding a conflicting lock, or 0 (unknown). */
    int holder(short type, long start, long len) throws IOException;

    boolean JDK = "jdk".equals(System.getProperty("cargohold.locks"));

    static LockDescriptor open(Path abs, boolean readOnly) throws IOException {
        if (JDK) {
            FileChannel ch = readOnly ? FileChannel.open(abs, StandardOpenOption.READ)
                    : FileChannel.open(abs, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE);
            return new Jdk(ch);
        }
        int fd = Posix.open(abs.toString(), (readOnly ? Posix.O_RDONLY : Posix.O_RDWR | Posix.O_CREAT) | Posix.O_CLOEXEC, 0644);
        return new Ffm(fd);
    }

    record Ffm(int fd) implements LockDescriptor {
        @Override
        public byte[] pread(int len, long offset) throws IOException {
            return Posix.pread(fd, len, offset);
        }

        @Override
        public void pwrite(byte[] data, long offset) throws IOException {
            Posix.pwrite(fd, data, offset);
        }

        @Override
        public int setLock(boolean wait, short type, long start, long len) throws IOException {
            return Posix.setLock(fd, wait ? Posix.F_SETLKW : Posix.F_SETLK, type, start, len);
        }

        @Override
        public int holder(short type, long start, long len) throws IOException {
            return Posix.holder(fd, type, start, len);
        }
    }

    final class Jdk implements LockDescriptor {
        private final FileChannel ch;
        private final Map<String, FileLock> held = new HashMap<>();

        Jdk(FileChannel ch) {
            this.ch = ch;
        }

        @Override
        public byte[] pread(int len, long offset) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(len);
            while (b.hasRemaining()) {
                if (ch.read(b, offset + b.position()) < 0) {
                    break;
                }
            }
            return java.util.Arrays.copyOf(b.array(), b.position());
        }

        @Override
        public void pwrite(byte[] data, long offset) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                ch.write(b, offset + b.position());
            }
        }

        @Override
        public synchronized int setLock(boolean wait, short type, long start, long len) throws IOException {
            String key = start + "+" + len;
            if (type == Posix.F_UNLCK) {
                FileLock l = held.remove(key);
                if (l != null) {
                    l.release();
                }
                return 0;
            }
            long size = len == 0 ? Long.MAX_VALUE : len; // the JDK passes Long.MAX_VALUE as l_len 0: to the end
            FileLock l;
            try {
                l = wait ? ch.lock(start, size, type == Posix.F_RDLCK) : ch.tryLock(start, size, type == Posix.F_RDLCK);
            } catch (IOException e) {
                if (String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("deadlock")) {
                    return Posix.EDEADLK;
                }
                throw e;
            }
            if (l == null) {
                return Posix.EAGAIN;
            }
            held.put(key, l);
            return 0;
        }

        @Override
        public int holder(short type, long start, long len) {
            return 0;
        }
    }
}
