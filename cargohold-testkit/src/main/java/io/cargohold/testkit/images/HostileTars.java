package io.cargohold.testkit.images;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * A catalogue of hostile and malformed layer tars, built with {@link RawTar}, for testing that an
 * extractor (ApplyDiff) stays inside its root and fails cleanly on broken input.
 *
 * <p>Escapes point at a {@link Sandbox}: a temp directory with the extraction root three levels down
 * ({@code base/up2/up1/root}) and a sentinel directory {@code base/outside} holding one file
 * {@code secret}. Relative escapes climb out of the root; absolute names and symlink targets use the
 * sandbox's absolute path, so a broken extractor writes into the sandbox, never into {@code /etc} or
 * {@code /tmp}. After extracting {@link Hostile#tar()} into {@link Sandbox#root()}, a test checks
 * {@link Hostile#mustNotExist()} and {@link Sandbox#assertUntouched()} (nothing new anywhere outside
 * the root, {@code secret} unchanged and not hard-linked).
 *
 * <pre>{@code
 * Sandbox s = HostileTars.Sandbox.create(tempDir);
 * for (HostileTars.Case c : HostileTars.Case.values()) { ... }
 * Hostile h = HostileTars.Case.SYMLINK_ESCAPE_THEN_WRITE.build(s);
 * try { applyDiff(s.root(), h.tar()); } catch (IOException expected) { }
 * h.assertSafe(s);
 * }</pre>
 *
 * <p>Decompression bombs are written to files, streaming: {@link #gzipBomb} and {@link #zstdBomb}.
 */
public final class HostileTars {
    private HostileTars() {}

    /** What a safe extractor does with a case. */
    public enum Outcome {
        /** The apply must fail with an error (and, like every case, write nothing outside the root). */
        MUST_FAIL,
        /** The apply may fail or succeed, but nothing may be written or linked outside the root. */
        MUST_NOT_ESCAPE,
        /** The apply must succeed (the input is odd but valid). */
        MUST_SUCCEED
    }

    /**
     * A temp directory laid out for escape tests: {@code base/up2/up1/root} (empty; extract here) and
     * {@code base/outside/secret} ({@value #SECRET}).
     */
    public record Sandbox(Path base, Path root, Path outside) {
        public static final String SECRET = "secret\n";

        /** Lays out a sandbox in {@code dir} (a fresh, empty temp dir; made absolute and real). */
        public static Sandbox create(Path dir) {
            try {
                Path base = Files.createDirectories(dir).toRealPath();
                Path root = Files.createDirectories(base.resolve("up2/up1/root"));
                Path outside = Files.createDirectories(base.resolve("outside"));
                Files.writeString(outside.resolve("secret"), SECRET);
                return new Sandbox(base, root, outside);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** {@link #outside} as an absolute name. */
        public String outsideAbsolute() {
            return outside.toString();
        }

        /**
         * A relative symlink target from {@code entryDir} (a directory inside the root, "" for the root)
         * to {@code outside/rest}: more {@code ..} than needed (they stop at {@code /}), then the
         * absolute path without its leading {@code /}, like {@code ../../../../tmp/x}.
         */
        public String climbTo(String entryDir, String rest) {
            int depth = root.getNameCount() + (entryDir.isEmpty() ? 0 : entryDir.split("/").length) + 2;
            return "../".repeat(depth) + outside.toString().substring(1) + (rest.isEmpty() ? "" : "/" + rest);
        }

        /**
         * Fails unless everything outside the root is as {@link #create} left it: no new paths under
         * {@code base} outside {@code root}, {@code outside/secret} a regular file with its content
         * and a link count of 1 (nothing in the root hard-links to it), {@code base/up2/up1} and
         * {@code base/up2} holding only what they held.
         */
        public void assertUntouched() {
            List<String> problems = new ArrayList<>();
            try (Stream<Path> all = Files.walk(base)) {
                all.filter(p -> !p.startsWith(root))
                        .filter(p -> !List.of(base, base.resolve("up2"), base.resolve("up2/up1"), outside,
                                outside.resolve("secret")).contains(p))
                        .forEach(p -> problems.add("created outside the root: " + p));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Path secret = outside.resolve("secret");
            try {
                if (!Files.isRegularFile(secret, LinkOption.NOFOLLOW_LINKS)) {
                    problems.add(secret + " is no longer a regular file");
                } else {
                    if (!Files.readString(secret).equals(SECRET)) {
                        problems.add(secret + " content changed");
                    }
                    int nlink = (Integer) Files.getAttribute(secret, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
                    if (nlink != 1) {
                        problems.add(secret + " has " + nlink + " links: something hard-linked to it");
                    }
                }
                if (!Files.isDirectory(outside, LinkOption.NOFOLLOW_LINKS)) {
                    problems.add(outside + " is no longer a directory");
                }
            } catch (IOException e) {
                problems.add(secret + ": " + e);
            }
            if (!problems.isEmpty()) {
                throw new AssertionError("extraction escaped the root " + root + ":\n  " + String.join("\n  ", problems));
            }
        }
    }

    /**
     * One built case.
     *
     * @param kind         the case
     * @param tar          the uncompressed layer
     * @param mustNotExist host paths outside the root the hostile entries aim at
     */
    public record Hostile(Case kind, byte[] tar, List<Path> mustNotExist) {
        public Hostile {
            tar = tar.clone();
            mustNotExist = List.copyOf(mustNotExist);
        }

        @Override
        public byte[] tar() {
            return tar.clone();
        }

        public String description() {
            return kind.description();
        }

        public Outcome outcome() {
            return kind.outcome();
        }

        /** The tar gzip-compressed (java.util.zip, level 6). */
        public byte[] gzip() {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (GZIPOutputStream g = new GZIPOutputStream(b)) {
                g.write(tar);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return b.toByteArray();
        }

        /** The tar zstd-compressed (level 3). */
        public byte[] zstd() {
            return Zstd.compress(tar, 3);
        }

        /** Fails if any {@link #mustNotExist} path exists (not following symlinks) or the sandbox changed. */
        public void assertSafe(Sandbox s) {
            for (Path p : mustNotExist) {
                if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                    throw new AssertionError(kind + ": " + p + " exists (" + kind.description() + ")");
                }
            }
            s.assertUntouched();
        }

        @Override
        public String toString() {
            return kind + " (" + tar.length + " bytes)";
        }
    }

    /** The cases. Each builds its tar (ending with the end-of-archive marker unless it is cut short). */
    public enum Case {
        DOTDOT_NAME(Outcome.MUST_NOT_ESCAPE, "'../escape-1': must not create root/../escape-1 (reject or skip)",
                s -> one(s, RawTar.create().file("../escape-1", "x"), s.root().getParent().resolve("escape-1"))),
        DOTDOT_INSIDE_NAME(Outcome.MUST_NOT_ESCAPE, "'a/../../escape-2' cleans to '../escape-2': must not create it outside",
                s -> one(s, RawTar.create().file("a/../../escape-2", "x"), s.root().getParent().resolve("escape-2"))),
        DOT_DOTDOT_NAME(Outcome.MUST_NOT_ESCAPE, "'./../escape-3': must not create root/../escape-3",
                s -> one(s, RawTar.create().file("./../escape-3", "x"), s.root().getParent().resolve("escape-3"))),
        DEEP_DOTDOT_NAME(Outcome.MUST_NOT_ESCAPE, "'../../../outside/escape-4' climbs into the sandbox's outside dir: must not",
                s -> one(s, RawTar.create().file("../../../outside/escape-4", "x"), s.outside().resolve("escape-4"))),
        PAX_PATH_DOTDOT(Outcome.MUST_NOT_ESCAPE, "harmless ustar name, PAX path '../escape-pax': the PAX path counts; must not escape",
                s -> one(s, RawTar.create().pax(Map.of("path", "../escape-pax")).file("harmless-pax", "x"),
                        s.root().getParent().resolve("escape-pax"))),
        GNU_LONGNAME_DOTDOT(Outcome.MUST_NOT_ESCAPE, "GNU ././@LongLink name '../escape-long…' (>100 bytes): must not escape",
                s -> {
                    String n = "escape-long-" + "x".repeat(120);
                    return one(s, RawTar.create().gnuLongName("../" + n).entry(RawTar.header("harmless-long", '0').gnu(), "x".getBytes()),
                            s.root().getParent().resolve(n));
                }),
        ABSOLUTE_NAME(Outcome.MUST_NOT_ESCAPE,
                "absolute name '/<outside>/abs-name': must land inside the root (root/<outside>/abs-name, as containers/storage does) or be rejected",
                s -> one(s, RawTar.create().file(s.outsideAbsolute() + "/abs-name", "x"), s.outside().resolve("abs-name"))),
        SYMLINK_ESCAPE_THEN_WRITE(Outcome.MUST_NOT_ESCAPE,
                "'evil -> ../../(…)/<outside>' then 'evil/x': the symlink may be created, x must not be written through it",
                s -> one(s, RawTar.create().symlink("evil", s.climbTo("", "")).file("evil/x", "x"), s.outside().resolve("x"))),
        SYMLINK_ABSOLUTE_THEN_WRITE(Outcome.MUST_NOT_ESCAPE,
                "'abs -> /<outside>' then 'abs/y': y must land inside the root (resolved against it) or be rejected, never outside/y",
                s -> one(s, RawTar.create().symlink("abs", s.outsideAbsolute()).file("abs/y", "y"), s.outside().resolve("y"))),
        DIR_REPLACED_BY_SYMLINK(Outcome.MUST_NOT_ESCAPE,
                "dir 'd/', 'd/ok', then 'd -> /<outside>' replacing it, then 'd/z': z must not be written outside",
                s -> one(s, RawTar.create().dir("d/").file("d/ok", "ok").symlink("d", s.outsideAbsolute()).file("d/z", "z"),
                        s.outside().resolve("z"))),
        HARDLINK_ESCAPE(Outcome.MUST_NOT_ESCAPE,
                "hard link 'passwd' -> '../../(…)/<outside>/secret': must not link to the host file (reject)",
                s -> one(s, RawTar.create().hardlink("passwd", s.climbTo("", "secret")))),
        HARDLINK_ABSOLUTE(Outcome.MUST_NOT_ESCAPE,
                "hard link 'abs-link' -> '/<outside>/secret': the target is relative to the root (missing there): must not link the host file",
                s -> one(s, RawTar.create().hardlink("abs-link", s.outsideAbsolute() + "/secret"))),
        HARDLINK_THROUGH_SYMLINK(Outcome.MUST_NOT_ESCAPE,
                "'lnk -> /<outside>' then hard link 'h' -> 'lnk/secret': must not link to the host file through the symlinked parent",
                s -> one(s, RawTar.create().symlink("lnk", s.outsideAbsolute()).hardlink("h", "lnk/secret"))),
        HARDLINK_TO_SYMLINK(Outcome.MUST_NOT_ESCAPE,
                "'s -> /<outside>/secret' then hard link 'h' -> 's': h is a second name of the symlink itself (link(2) does not follow), never of secret",
                s -> one(s, RawTar.create().symlink("s", s.outsideAbsolute() + "/secret").hardlink("h", "s"))),
        TRUNCATED_CONTENT(Outcome.MUST_FAIL, "header says 4096 bytes, the stream ends after 100: must fail (unexpected EOF), not apply a short file",
                s -> cut(s, RawTar.create().entry(RawTar.header("short", '0').size(4096), new byte[100]))),
        TRUNCATED_HEADER(Outcome.MUST_FAIL, "one good file, then the stream ends 200 bytes into the next header: must fail",
                s -> cut(s, RawTar.create().file("good", "good\n").raw(Arrays.copyOf(RawTar.header("cut", '0').bytes(), 200)))),
        BAD_CHECKSUM(Outcome.MUST_FAIL, "a header whose checksum is off by one: must fail (not skip it silently)",
                s -> one(s, RawTar.create().entry(RawTar.header("bad-sum", '0').corruptChecksum(), "x".getBytes()))),
        HUGE_SIZE(Outcome.MUST_FAIL, "base-256 size 2^62 with 512 bytes behind it: must fail at EOF, without allocating or preallocating the size",
                s -> one(s, RawTar.create().entry(RawTar.header("huge", '0').base256(RawTar.Field.SIZE, 1L << 62), new byte[512]))),
        NEGATIVE_SIZE(Outcome.MUST_FAIL, "base-256 size -1: must fail (invalid header)",
                s -> one(s, RawTar.create().entry(RawTar.header("negative", '0').base256(RawTar.Field.SIZE, -1), new byte[512]))),
        DUPLICATE_PATH(Outcome.MUST_SUCCEED, "'dup' twice ('first\\n' then 'second\\n'): must succeed, the later entry wins",
                s -> one(s, RawTar.create().file("dup", "first\n").file("dup", "second\n")));

        private final Outcome outcome;
        private final String description;
        private final Function<Sandbox, Built> build;

        Case(Outcome outcome, String description, Function<Sandbox, Built> build) {
            this.outcome = outcome;
            this.description = description;
            this.build = build;
        }

        public String description() {
            return description;
        }

        public Outcome outcome() {
            return outcome;
        }

        /** Builds the tar aimed at {@code s}. */
        public Hostile build(Sandbox s) {
            Built b = build.apply(s);
            return new Hostile(this, b.tar(), b.mustNotExist());
        }
    }

    private record Built(byte[] tar, List<Path> mustNotExist) {}

    /** Ends the archive like GNU tar: two zero blocks, zeros to a 10240-byte record. */
    private static Built one(Sandbox s, RawTar t, Path... mustNotExist) {
        return new Built(t.end().padTo(10240).toByteArray(), List.of(mustNotExist));
    }

    /** As cut: no end-of-archive marker. */
    private static Built cut(Sandbox s, RawTar t) {
        return new Built(t.toByteArray(), List.of());
    }

    // ------------------------------------------------------------------------------ bombs

    /**
     * What a bomb file holds.
     *
     * @param file             the compressed layer
     * @param compressedSize   its size
     * @param uncompressedSize the tar's size
     * @param entrySize        the size of its one entry ({@code bomb}, all zeros)
     */
    public record Bomb(Path file, long compressedSize, long uncompressedSize, long entrySize) {
        /** The ratio uncompressed : compressed. */
        public double ratio() {
            return (double) uncompressedSize / compressedSize;
        }

        /** What a safe extractor must do. */
        public static final String DESCRIPTION = "a tiny layer expanding to a huge file of zeros: the extractor must stream with "
                + "bounded memory (never buffer an entry) and honour a size/disk limit if it has one";
    }

    /** {@value} bytes: the default bomb entry size (2 GiB). */
    public static final long DEFAULT_BOMB_SIZE = 2L << 30;

    private static final int CHUNK = 1 << 20;

    /**
     * A gzip layer with one regular file {@code bomb} of {@code entrySize} zeros (about 1000:1). One gzip
     * member, generated in constant memory and about a second for 2 GiB: a 1 MiB block of zeros is
     * deflated once (full flush: no references before it) and its bytes repeated.
     */
    public static Bomb gzipBomb(Path file, long entrySize) throws IOException {
        byte[] header = RawTar.header("bomb", '0').size(entrySize).bytes(entrySize);
        long total = tarSize(entrySize);
        long zerosAfterHeader = total - RawTar.BLOCK; // content, padding, end marker, record padding
        CRC32 crc = new CRC32();
        crc.update(header);
        byte[] zeros = new byte[CHUNK];
        for (long left = zerosAfterHeader; left > 0; left -= CHUNK) {
            crc.update(zeros, 0, (int) Math.min(CHUNK, left));
        }
        byte[] chunk = deflate(zeros, Deflater.FULL_FLUSH);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            out.write(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff}); // no name, no mtime, OS unknown
            out.write(deflate(header, Deflater.FULL_FLUSH));
            for (long i = 0; i < zerosAfterHeader / CHUNK; i++) {
                out.write(chunk);
            }
            out.write(deflate(new byte[(int) (zerosAfterHeader % CHUNK)], FINISH));
            writeLe32(out, crc.getValue());
            writeLe32(out, total); // ISIZE: the size mod 2^32
        }
        return new Bomb(file, Files.size(file), total, entrySize);
    }

    /**
     * A zstd layer with one regular file {@code bomb} of {@code entrySize} zeros (about 30000:1):
     * concatenated zstd frames (a valid zstd stream), the middle ones one 128 MiB frame of zeros
     * compressed once and repeated. Sizes of 8 GiB and more get a base-256 size field.
     */
    public static Bomb zstdBomb(Path file, long entrySize) throws IOException {
        int chunk = 128 << 20;
        byte[] header = RawTar.header("bomb", '0').size(entrySize).bytes(entrySize);
        long total = tarSize(entrySize);
        long zerosAfterHeader = total - RawTar.BLOCK;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            out.write(Zstd.compress(header, 19));
            if (zerosAfterHeader >= chunk) {
                byte[] frame = Zstd.compress(new byte[chunk], 19);
                for (long i = 0; i < zerosAfterHeader / chunk; i++) {
                    out.write(frame);
                }
            }
            try (ZstdOutputStream z = new ZstdOutputStream(new NonClosing(out), 19)) {
                byte[] zeros = new byte[CHUNK];
                for (long left = zerosAfterHeader % chunk; left > 0; left -= CHUNK) {
                    z.write(zeros, 0, (int) Math.min(CHUNK, left));
                }
            }
        }
        return new Bomb(file, Files.size(file), total, entrySize);
    }

    /** Header, content padded to 512, two zero blocks, padded to a 10240-byte record. */
    private static long tarSize(long entrySize) {
        long n = RawTar.BLOCK + (entrySize + RawTar.BLOCK - 1) / RawTar.BLOCK * RawTar.BLOCK + 2 * RawTar.BLOCK;
        return (n + 10239) / 10240 * 10240;
    }

    private static final int FINISH = -1; // not a Deflater flush mode: finish() the stream

    /** Raw deflate of {@code in}, ending with a full flush (byte-aligned, no references before it) or FINISH. */
    private static byte[] deflate(byte[] in, int mode) {
        Deflater d = new Deflater(9, true);
        try {
            d.setInput(in);
            if (mode == FINISH) {
                d.finish();
            }
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            byte[] buf = new byte[1 << 16];
            while (true) {
                int n = d.deflate(buf, 0, buf.length, mode == FINISH ? Deflater.NO_FLUSH : mode);
                b.write(buf, 0, n);
                if (mode == FINISH ? d.finished() : n < buf.length && d.needsInput()) {
                    break;
                }
            }
            return b.toByteArray();
        } finally {
            d.end();
        }
    }

    private static void writeLe32(OutputStream out, long v) throws IOException {
        out.write(new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)});
    }

    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }

}
