package io.cargohold.fs.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.errors.UnavailableException;
import io.cargohold.testkit.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PosixLockFileTest {
    @TempDir
    Path dir;

    @Test
    void oneInstancePerFile() throws Exception {
        Path p = dir.resolve("a.lock");
        assertSame(PosixLockFile.of(p), PosixLockFile.of(dir.resolve("x/../a.lock")));
    }

    @Test
    void anotherProcessIsExcludedAndNamedUntilItReleases() throws Exception {
        Path p = dir.resolve("store.lock");
        PosixLockFile f = PosixLockFile.of(p);
        try (ChildJvm child = ChildJvm.start(LockHolder.class, p.toString(), "0", "1", "EXCLUSIVE")) {
            child.await("locked", 60);
            var e = assertThrows(UnavailableException.class, () -> f.lock(0, 1, LockMode.SHARED, Duration.ofMillis(100)));
            assertTrue(e.getMessage().contains("held by process " + child.pid()), e.getMessage());
            assertEquals(child.pid(), f.conflictingHolder(0, 1, LockMode.SHARED));
            // another byte range is independent
            try (var other = f.lock(5, 1, LockMode.EXCLUSIVE, Duration.ofSeconds(5))) {
                assertEquals(LockMode.EXCLUSIVE, other.mode());
            }
            child.send("go");
            child.await("released", 30);
            try (var mine = f.lock(0, 1, LockMode.EXCLUSIVE, Duration.ofSeconds(10))) {
                assertEquals(0, f.conflictingHolder(0, 1, LockMode.EXCLUSIVE));
            }
        }
    }

    @Test
    void exclusiveIsRefusedWhileAnotherProcessShares() throws Exception {
        Path p = dir.resolve("shared2.lock");
        PosixLockFile f = PosixLockFile.of(p);
        try (ChildJvm child = ChildJvm.start(LockHolder.class, p.toString(), "0", "0", "SHARED")) {
            child.await("locked", 60);
            try (var s = f.lock(0, 0, LockMode.SHARED, Duration.ofSeconds(5))) {
                assertEquals(LockMode.SHARED, s.mode());
            }
            assertThrows(UnavailableException.class, () -> f.lock(0, 0, LockMode.EXCLUSIVE, Duration.ofMillis(200)));
            child.send("go");
            child.await("released", 30);
            f.lock(0, 0, LockMode.EXCLUSIVE, Duration.ofSeconds(10)).close();
        }
    }

    @Test
    void threadsOfOneJvmAreSerialisedOnExclusive() throws Exception {
        PosixLockFile f = PosixLockFile.of(dir.resolve("threads.lock"));
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        int threads = 8;
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < 200; i++) {
                        try (var h = f.lock(3, 1, LockMode.EXCLUSIVE)) {
                            int n = inside.incrementAndGet();
                            maxInside.accumulateAndGet(n, Math::max);
                            Thread.onSpinWait();
                            inside.decrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                } finally {
                    done.countDown();
                }
            });
        }
        assertTrue(done.await(60, TimeUnit.SECONDS));
        assertEquals(1, maxInside.get());
    }

    @Test
    void sharedHoldersInOneJvmShareAndTheLastOneReleasesTheProcessLock() throws Exception {
        Path p = dir.resolve("count.lock");
        PosixLockFile f = PosixLockFile.of(p);
        var a = f.lock(0, 1, LockMode.SHARED);
        CountDownLatch second = new CountDownLatch(1);
        Thread t = Thread.ofPlatform().start(() -> {
            try (var b = f.lock(0, 1, LockMode.SHARED, Duration.ofSeconds(5))) {
                second.countDown();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(second.await(10, TimeUnit.SECONDS), "a second shared holder must not wait for the first");
        t.join();
        // still held (by a): another process cannot take it exclusively
        try (ChildJvm child = ChildJvm.start(LockHolder.class, p.toString(), "0", "1", "EXCLUSIVE")) {
            assertEquals(null, child.nextLine(700, TimeUnit.MILLISECONDS));
            a.close();
            child.await("locked", 30);
            child.send("go");
            child.await("released", 30);
        }
    }

    @Test
    void reentryIsAProgrammingError() throws Exception {
        PosixLockFile f = PosixLockFile.of(dir.resolve("re.lock"));
        try (var h = f.lock(0, 1, LockMode.EXCLUSIVE)) {
            assertThrows(IllegalStateException.class, () -> f.lock(0, 1, LockMode.SHARED));
        }
        try (var h = f.lock(0, 1, LockMode.SHARED)) {
            assertThrows(IllegalStateException.class, () -> f.lock(0, 1, LockMode.EXCLUSIVE));
        }
    }

    @Test
    void interruptingAWaiterDoesNotDropTheProcessLock() throws Exception {
        Path p = dir.resolve("intr.lock");
        PosixLockFile f = PosixLockFile.of(p);
        var held = f.lock(0, 1, LockMode.EXCLUSIVE);
        Thread waiter = Thread.ofPlatform().start(() -> {
            try (var h = f.lock(0, 1, LockMode.EXCLUSIVE)) {
                throw new AssertionError("must not get the lock");
            } catch (java.io.InterruptedIOException expected) {
                // fine
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(100);
        waiter.interrupt();
        waiter.join(5000);
        // The process lock is still held: another process is kept out.
        try (ChildJvm child = ChildJvm.start(LockHolder.class, p.toString(), "0", "1", "EXCLUSIVE")) {
            assertEquals(null, child.nextLine(700, TimeUnit.MILLISECONDS));
            held.close();
            child.await("locked", 30);
            child.send("go");
            child.await("released", 30);
        }
    }

    @Test
    void tokensAreReadAndWrittenThroughTheLockedDescriptor() throws Exception {
        Path p = dir.resolve("layers.lock");
        PosixLockFile f = PosixLockFile.of(p);
        try (var h = f.lockWholeFile(LockMode.EXCLUSIVE)) {
            assertEquals(0, f.readAt(0, 64).length, "a fresh lock file is empty");
            byte[] token = new byte[64];
            new java.util.Random(1).nextBytes(token);
            f.writeAt(0, token);
            org.junit.jupiter.api.Assertions.assertArrayEquals(token, f.readAt(0, 64));
            f.writeAt(0, new byte[] {1, 2});
            assertEquals(64, f.readAt(0, 64).length, "no truncation");
        }
        assertEquals(64, java.nio.file.Files.size(p));
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(java.nio.file.Files.getPosixFilePermissions(p)));
    }

    @Test
    void readOnlyLockFilesTakeOnlySharedLocks() throws Exception {
        Path p = dir.resolve("ro/images.lock");
        assertThrows(java.nio.file.NoSuchFileException.class, () -> PosixLockFile.of(p, true));
        java.nio.file.Files.createDirectories(p.getParent());
        java.nio.file.Files.write(p, new byte[64]);
        PosixLockFile f = PosixLockFile.of(p, true);
        try (var h = f.lockWholeFile(LockMode.SHARED)) {
            assertEquals(64, f.readAt(0, 64).length);
            assertThrows(IllegalStateException.class, () -> f.writeAt(0, new byte[1]));
        }
        assertThrows(IllegalStateException.class, () -> f.lockWholeFile(LockMode.EXCLUSIVE));
    }
}
