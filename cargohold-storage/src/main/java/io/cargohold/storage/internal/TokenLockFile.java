package io.cargohold.storage.internal;

import io.cargohold.fs.lock.LockMode;
import io.cargohold.fs.lock.PosixLockFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A containers/storage lock file ({@code pkg/lockfile}): a whole-file fcntl record lock, and the
 * 64-byte "last writer" token at offset 0 that every writer rewrites after changing the data the lock
 * guards, so other processes know to reload. Token layout as upstream writes it: Unix time in ns
 * (LE u64), a per-process counter (LE u64), the PID (LE u32), 44 random bytes; only inequality matters.
 * The token is read and written only through the locked descriptor ({@link PosixLockFile#readAt}).
 */
final class TokenLockFile {
    static final int TOKEN = 64;
    private static final AtomicLong COUNTER = new AtomicLong();

    private final PosixLockFile file;
    /** What this instance last wrote or saw; null at first, so the first check reports a change. */
    private byte[] lastSeen;

    private TokenLockFile(PosixLockFile file) {
        this.file = file;
    }

    static TokenLockFile open(Path path, boolean readOnly) throws IOException {
        return new TokenLockFile(PosixLockFile.of(path, readOnly));
    }

    Path path() {
        return file.path();
    }

    PosixLockFile.Held lock(LockMode mode) throws IOException {
        return file.lockWholeFile(mode);
    }

    /**
     * Compares the token on disk with the last one seen (lock held) and remembers it; true when it
     * differs or is shorter than 64 bytes (a never-touched file), as upstream's {@code Modified()}.
     */
    synchronized boolean modified() throws IOException {
        byte[] now = file.readAt(0, TOKEN);
        boolean changed = lastSeen == null || now.length < TOKEN || !Arrays.equals(now, lastSeen);
        lastSeen = now.length < TOKEN ? Arrays.copyOf(now, TOKEN) : now;
        return changed;
    }

    /** The last-writer token on disk (lock held), as hex; empty for a never-touched file. */
    String token() throws IOException {
        return java.util.HexFormat.of().formatHex(file.readAt(0, TOKEN));
    }

    /** Writes a fresh token (write lock held): tells other processes to reload. */
    synchronized void touch() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(TOKEN).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(System.currentTimeMillis() * 1_000_000L + System.nanoTime() % 1_000_000L);
        b.putLong(COUNTER.incrementAndGet());
        b.putInt((int) ProcessHandle.current().pid());
        byte[] rnd = new byte[TOKEN - 20];
        KernelRandom.fill(rnd);
        b.put(rnd);
        byte[] token = b.array();
        file.writeAt(0, token);
        lastSeen = token;
    }
}
