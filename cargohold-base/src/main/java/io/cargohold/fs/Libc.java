package io.cargohold.fs;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Locale;

/**
 * Native calls (the C library's, or another library's) through the FFM API, all in one call shape, so
 * that a process generates one call stub for all of them.
 *
 * <p>Why: the JDK generates a call stub (a hidden class, spun through the class-file API at first use,
 * never kept by the AOT cache) for each distinct {@link FunctionDescriptor} and linker options, and
 * shares it between every handle of that shape. Measured here on JDK 25 with an AOT cache (bench/README.md
 * section 27.1): the first stub of a process costs ~15 ms, each further distinct one ~4.5 ms, a further
 * handle of a shape already made next to nothing. A {@code containers-storage create-layer} with a parent
 * made four stubs (lchown, llistxattr, utimensat, chmod), a {@code cargohold copy} eight or more.
 *
 * <p>The shape: {@link #function} describes every function as taking six 64-bit integers and returning
 * one; pointers are passed as their {@linkplain MemorySegment#address() addresses}. On the two ABIs
 * Cargohold runs on (System V x86-64 and AAPCS64, Linux) the first six integer arguments travel in
 * registers, so arguments a function does not declare are never read, an {@code int} parameter reads
 * the low 32 bits of its register (so a negative Java {@code int} widened to {@code long} arrives intact),
 * and an {@code int} result is the low 32 bits of the returned register: callers narrow it with
 * {@code (int)}. Variadic functions ({@code open}, {@code fcntl}) take the same shape: on x86-64 a variadic
 * callee also reads {@code %al}, the number of vector registers holding arguments, and the JDK's System V
 * downcalls always set it (0 here: no floating-point argument); on AAPCS64 Linux variadic arguments travel
 * exactly as named ones.
 *
 * <p>Every handle captures {@code errno} into a state segment ({@link #state}) passed first.
 */
public final class Libc {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    /** One instance, so every handle asks for the same linker options (the stub cache's key). */
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final FunctionDescriptor SIX = FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG);

    static {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
            throw new UnsupportedOperationException("native calls assume Linux on x86-64 or aarch64, not " + os + " " + arch);
        }
    }

    private Libc() {
    }

    /**
     * The C library's function {@code name} as a handle of type
     * {@code (MemorySegment state, long, long, long, long, long, long) -> long}: pass the function's
     * arguments first and zeros for the rest.
     */
    public static MethodHandle function(String name) {
        return function(LINKER.defaultLookup(), name);
    }

    /** {@link #function(String)} for a function of another library. */
    public static MethodHandle function(SymbolLookup library, String name) {
        return LINKER.downcallHandle(library.findOrThrow(name), SIX, CAPTURE_ERRNO);
    }

    /** A segment for the handles' captured call state, allocated in {@code arena}. */
    public static MemorySegment state(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    /** The {@code errno} the last call through a handle left in {@code state}. */
    public static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** A NUL-terminated copy of {@code s} (UTF-8) in {@code arena}, as the address to pass; 0 for null. */
    public static long cstring(Arena arena, String s) {
        return s == null ? 0L : arena.allocateFrom(s).address();
    }
}
