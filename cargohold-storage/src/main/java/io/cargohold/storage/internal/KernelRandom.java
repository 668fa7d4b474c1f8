package io.cargohold.storage.internal;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.util.Random;

/**
 * Random bytes from the kernel's generator, read from {@code /dev/urandom}: what upstream's IDs and lock
 * tokens come from (Go's {@code crypto/rand}, the same generator through getrandom(2)), and what the JDK's
 * default {@link SecureRandom} (NativePRNG) reads too. Not through {@code SecureRandom} itself: its first
 * instance in a process sets up the JDK's security providers, ~20-25 ms of CPU (measured with an AOT cache,
 * bench/README.md section 26.2) in a CLI process that needs 32 random bytes, and every write command needs
 * some (the last-writer token of a lock file). Where {@code /dev/urandom} cannot be read, {@code SecureRandom}.
 */
public final class KernelRandom {
    private static final String URANDOM = "/dev/urandom";

    private KernelRandom() {
    }

    private static final class Fallback {
        static final SecureRandom INSTANCE = new SecureRandom();
    }

    /** Fills {@code b} with random bytes. */
    public static void fill(byte[] b) {
        try (InputStream in = new FileInputStream(URANDOM)) {
            if (in.readNBytes(b, 0, b.length) == b.length) {
                return;
            }
        } catch (IOException e) {
            // below
        }
        Fallback.INSTANCE.nextBytes(b);
    }

    /** A {@link Random} that draws every bit from {@link #fill} (for APIs that take one). */
    public static Random asRandom() {
        return new Random() {
            @Override
            public void nextBytes(byte[] bytes) {
                fill(bytes);
            }

            @Override
            protected int next(int bits) {
                byte[] b = new byte[4];
                fill(b);
                int v = (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
                return v >>> (32 - bits);
            }
        };
    }
}
