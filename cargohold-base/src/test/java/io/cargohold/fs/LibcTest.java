package io.cargohold.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Libc's one call shape against real C library functions: int and pointer arguments, int and long results, errno. */
class LibcTest {
    @Test
    void negativeIntArgumentsAndIntResultsSurviveTheWideShape() throws Throwable {
        MethodHandle abs = Libc.function("abs");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.state(arena);
            for (int v : new int[] {-5, 7, Integer.MIN_VALUE + 1, -1, 0}) {
                assertEquals(Math.abs(v), (int) (long) abs.invokeExact(state, (long) v, 0L, 0L, 0L, 0L, 0L));
            }
        }
    }

    @Test
    void pointersAndLongResults() throws Throwable {
        MethodHandle strlen = Libc.function("strlen");
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(11L, (long) strlen.invokeExact(Libc.state(arena), Libc.cstring(arena, "hello world"), 0L, 0L, 0L, 0L, 0L));
        }
    }

    @Test
    void errnoIsCaptured() throws Throwable {
        MethodHandle close = Libc.function("close");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.state(arena);
            assertEquals(-1, (int) (long) close.invokeExact(state, -1L, 0L, 0L, 0L, 0L, 0L));
            assertEquals(9, Libc.errno(state)); // EBADF
        }
    }

    @Test
    void variadicOpenPassesTheModeAndReturnsTheDescriptor(@TempDir Path dir) throws Throwable {
        MethodHandle open = Libc.function("open");
        MethodHandle close = Libc.function("close");
        MethodHandle umask = Libc.function("umask");
        Path file = dir.resolve("f");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.state(arena);
            int old = (int) (long) umask.invokeExact(state, 0L, 0L, 0L, 0L, 0L, 0L);
            int fd;
            try {
                fd = (int) (long) open.invokeExact(state, Libc.cstring(arena, file.toString()), 0101L /* O_WRONLY|O_CREAT */, 0604L, 0L, 0L, 0L);
            } finally {
                long ignored = (long) umask.invokeExact(state, (long) old, 0L, 0L, 0L, 0L, 0L);
            }
            assertTrue(fd >= 0, "errno " + Libc.errno(state));
            assertEquals(0, (int) (long) close.invokeExact(state, (long) fd, 0L, 0L, 0L, 0L, 0L));
            assertEquals("rw----r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            int missing = (int) (long) open.invokeExact(state, Libc.cstring(arena, dir.resolve("none").toString()), 0L, 0L, 0L, 0L, 0L);
            assertEquals(-1, missing);
            assertEquals(2, Libc.errno(state)); // ENOENT
        }
    }
}
