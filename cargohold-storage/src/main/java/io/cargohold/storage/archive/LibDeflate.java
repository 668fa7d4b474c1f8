package io.cargohold.storage.archive;

import io.cargohold.fs.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The system's libdeflate (Debian package {@code libdeflate0}) through the FFM API: its whole-buffer
 * DEFLATE compressor, 2-3 times as fast as zlib per core and smaller at the same speed (on the large
 * test image's base layer, level 1: 313,885,840 bytes in 3.5 s of CPU; zlib level 3 324,695,336 bytes
 * in 8-9 s; bench/README.md section 20). No Java library ships it (the JDK has zlib only), hence
 * this binding of four calls. Absent (or switched off with {@code -Dcargohold.libdeflate=false}),
 * {@link #available()} is false and callers use zlib.
 */
final class LibDeflate {
    /** The system property that turns libdeflate off ({@code false}); read once. */
    static final String PROPERTY = "cargohold.libdeflate";

    /** The library's file name (the soname of Debian's libdeflate0, 1.x). */
    static final String LIBRARY = "libdeflate.so.0";

    /** The four calls of one loaded library. */
    record Calls(MethodHandle alloc, MethodHandle compress, MethodHandle bound, MethodHandle free) {
    }

    private static final Calls CALLS = "false".equals(System.getProperty(PROPERTY)) ? null : load(LIBRARY);
    private static final MethodHandle ALLOC = CALLS == null ? null : CALLS.alloc();
    private static final MethodHandle COMPRESS = CALLS == null ? null : CALLS.compress();
    private static final MethodHandle BOUND = CALLS == null ? null : CALLS.bound();
    private static final MethodHandle FREE = CALLS == null ? null : CALLS.free();

    /** The calls of the library {@code name}, or null when it cannot be loaded or lacks one of them. */
    static Calls load(String name) {
        try {
            Linker linker = Linker.nativeLinker();
            SymbolLookup lib = SymbolLookup.libraryLookup(name, Arena.global());
            // alloc, bound and free in Libc's shape (they share the process's one call stub); compress keeps its own,
            // critical: the arrays are passed in place (no copy off the heap); a call is a few ms of pure computation
            return new Calls(
                    Libc.function(lib, "libdeflate_alloc_compressor"),
                    linker.downcallHandle(lib.findOrThrow("libdeflate_deflate_compress"),
                            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                                    ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
                            Linker.Option.critical(true)),
                    Libc.function(lib, "libdeflate_deflate_compress_bound"),
                    Libc.function(lib, "libdeflate_free_compressor"));
        } catch (IllegalArgumentException | java.util.NoSuchElementException | IllegalCallerException e) {
            return null; // not installed, too old, or native access refused: zlib it is
        }
    }

    private LibDeflate() {
    }

    /** Whether libdeflate was found (and not switched off). */
    static boolean available() {
        return ALLOC != null;
    }

    /** A compressor at {@code level} (0-12); to be freed with {@link #free}. One thread at a time may use it. */
    static MemorySegment alloc(int level) {
        MemorySegment c;
        try (Arena arena = Arena.ofConfined()) {
            c = MemorySegment.ofAddress((long) ALLOC.invokeExact(Libc.state(arena), (long) level, 0L, 0L, 0L, 0L, 0L));
        } catch (Throwable t) {
            throw new IllegalStateException("libdeflate_alloc_compressor", t);
        }
        if (c.equals(MemorySegment.NULL)) {
            throw new OutOfMemoryError("libdeflate_alloc_compressor(" + level + ") returned NULL");
        }
        return c;
    }

    static void free(MemorySegment compressor) {
        try (Arena arena = Arena.ofConfined()) {
            long ignored = (long) FREE.invokeExact(Libc.state(arena), compressor.address(), 0L, 0L, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("libdeflate_free_compressor", t);
        }
    }

    /** The most bytes {@link #compress} can write for {@code n} bytes of input. */
    static long bound(MemorySegment compressor, long n) {
        try (Arena arena = Arena.ofConfined()) {
            return (long) BOUND.invokeExact(Libc.state(arena), compressor.address(), n, 0L, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("libdeflate_deflate_compress_bound", t);
        }
    }

    /**
     * Compresses {@code in[0, n)} into {@code out} from {@code outOff} as one complete raw DEFLATE
     * stream (its last block final); returns the bytes written, 0 when {@code out} was too small.
     */
    static int compress(MemorySegment compressor, byte[] in, int n, byte[] out, int outOff) {
        try {
            long k = (long) COMPRESS.invokeExact(compressor, MemorySegment.ofArray(in), (long) n,
                    MemorySegment.ofArray(out).asSlice(outOff), (long) (out.length - outOff));
            return (int) k;
        } catch (Throwable t) {
            throw new IllegalStateException("libdeflate_deflate_compress", t);
        }
    }
}
