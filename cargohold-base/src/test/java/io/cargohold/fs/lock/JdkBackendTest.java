package io.cargohold.fs.lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.errors.UnavailableException;
import io.cargohold.testkit.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The FileChannel backend ({@code -Dcargohold.locks=jdk}, used by the CLI launchers) takes the same
 * kernel record locks as the FFM backend: a child on the JDK backend excludes us (and F_GETLK names
 * it), and we exclude it; its token writes are read through our descriptor.
 */
class JdkBackendTest {
    @TempDir
    Path dir;

    @Test
    void jdkBackendLocksExcludeFfmBackendLocksAndBack() throws Exception {
        Path p = dir.resolve("layers.lock");
        PosixLockFile f = PosixLockFile.of(p);
        try (ChildJvm child = ChildJvm.start(List.of("-Dcargohold.locks=jdk"), LockHolder.class, p.toString(), "0", "0", "EXCLUSIVE")) {
            child.await("locked", 60);
            var e = assertThrows(UnavailableException.class, () -> f.lock(0, 0, LockMode.SHARED, Duration.ofMillis(150)));
            assertTrue(e.getMessage().contains("held by process " + child.pid()), e.getMessage());
            child.send("go");
            child.await("released", 30);
        }
        try (var mine = f.lock(0, 0, LockMode.SHARED, Duration.ofSeconds(10));
                ChildJvm child = ChildJvm.start(List.of("-Dcargohold.locks=jdk"), LockHolder.class, p.toString(), "0", "0", "EXCLUSIVE")) {
            Thread.sleep(1500);
            assertEquals(null, child.nextLine(10, java.util.concurrent.TimeUnit.MILLISECONDS), "the child must wait for our shared lock");
            mine.close();
            child.await("locked", 30);
            child.send("go");
            child.await("released", 30);
        }
    }
}
