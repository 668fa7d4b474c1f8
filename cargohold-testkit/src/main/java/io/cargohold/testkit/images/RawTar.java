package io.cargohold.testkit.images;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A byte-exact tar writer for hand-made archives, including ones no tar library would write: every
 * header field is set as given (names with {@code ..}, absolute or non-UTF-8 names, any typeflag
 * byte, octal or base-256 numbers, a size field that lies about the content), and the stream is
 * exactly the sequence of calls: nothing is added, sorted or normalised.
 *
 * <pre>{@code
 * byte[] tar = RawTar.create()
 *         .pax(Map.of("path", "../escape"))                       // typeflag x before the entry
 *         .entry(RawTar.header("harmless", '0'), "data".getBytes())
 *         .entry(RawTar.header("big", '0').base256(RawTar.Field.SIZE, 1L << 62), new byte[10])
 *         .end()                                                   // two zero blocks
 *         .toByteArray();
 * }</pre>
 *
 * <p>A {@link Header} starts as a POSIX ustar header ({@code ustar\0} + {@code 00}): mode 0644, ids 0,
 * mtime 0, empty names; {@link Header#gnu()} switches to the GNU magic {@code ustar  \0}. Numeric setters
 * write octal ({@code width-1} zero-padded digits and a NUL, as Go and GNU tar do) and switch to
 * base-256 when the value does not fit; {@link Header#base256}/{@link Header#octal} force one form and
 * {@link Header#raw} overwrites any bytes. The size field, unless set, is the length of the content
 * passed with the header; the checksum, unless set, is computed last ({@code %06o\0 }).
 *
 * <p>Writing methods throw {@link UncheckedIOException}: the target is usually memory.
 */
public final class RawTar {
    public static final int BLOCK = 512;

    /** Header fields of the ustar layout (offset, length). */
    public enum Field {
        NAME(0, 100), MODE(100, 8), UID(108, 8), GID(116, 8), SIZE(124, 12), MTIME(136, 12), CHKSUM(148, 8),
        TYPEFLAG(156, 1), LINKNAME(157, 100), MAGIC(257, 6), VERSION(263, 2), UNAME(265, 32), GNAME(297, 32),
        DEVMAJOR(329, 8), DEVMINOR(337, 8), PREFIX(345, 155),
        /** Old GNU only (overlaps PREFIX): access and change times, sparse map, real size. */
        GNU_ATIME(345, 12), GNU_CTIME(357, 12), GNU_SPARSE(386, 96), GNU_ISEXTENDED(482, 1), GNU_REALSIZE(483, 12);

        public final int offset;
        public final int length;

        Field(int offset, int length) {
            this.offset = offset;
            this.length = length;
        }
    }

    /** How {@link #sparse} encodes a sparse file. */
    public enum SparseFormat {
        /** Typeflag {@code S}, the map in the old GNU header (4 entries) and extension blocks (21 each). */
        OLD_GNU,
        /** PAX {@code GNU.sparse.map} (format 0.1) with {@code GNU.sparse.name} and {@code GNU.sparse.size}. */
        PAX_0_1,
        /** PAX {@code GNU.sparse.major=1 minor=0}: the map as decimal lines at the start of the content. */
        PAX_1_0
    }

    /** A data region of a sparse file: {@code data} at {@code offset}; the rest of the file is a hole. */
    public record Region(long offset, byte[] data) {
        public Region {
            if (offset < 0) {
                throw new IllegalArgumentException("offset < 0");
            }
            data = data.clone();
        }

        public long length() {
            return data.length;
        }

        @Override
        public byte[] data() {
            return data.clone();
        }
    }

    private final OutputStream out;
    private final ByteArrayOutputStream memory;
    private long count;

    private RawTar(OutputStream out, ByteArrayOutputStream memory) {
        this.out = out;
        this.memory = memory;
    }

    /** An archive built in memory; see {@link #toByteArray()}. */
    public static RawTar create() {
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        return new RawTar(m, m);
    }

    /** An archive streamed to {@code out} (not closed by this class). */
    public static RawTar to(OutputStream out) {
        return new RawTar(out, null);
    }

    /** A fresh POSIX ustar header; {@code type} is the typeflag character ({@code '0'}, {@code '5'}, ...). */
    public static Header header(String name, char type) {
        return new Header().name(name).type(type);
    }

    // ------------------------------------------------------------------------------- entries

    /** The header (its size field, unless set, {@code content.length}), the content, zeros to 512. */
    public RawTar entry(Header h, byte[] content) {
        return entry(h, Content.bytes(content));
    }

    /** A header without content (size field 0 unless set). */
    public RawTar entry(Header h) {
        return entry(h, new byte[0]);
    }

    /** As {@link #entry(Header, byte[])}, streaming generated content (for multi-GiB entries). */
    public RawTar entry(Header h, Content content) {
        write(h.bytes(content.size()));
        try {
            content.writeTo(new Counting());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pad();
    }

    /** A regular file (typeflag {@code 0}, mode 0644). */
    public RawTar file(String name, byte[] content) {
        return entry(header(name, '0'), content);
    }

    public RawTar file(String name, String utf8) {
        return file(name, utf8.getBytes(StandardCharsets.UTF_8));
    }

    /** A directory (typeflag {@code 5}, mode 0755); the name is written as given (add the {@code /}). */
    public RawTar dir(String name) {
        return entry(header(name, '5').mode(0755));
    }

    /** A symlink (typeflag {@code 2}, mode 0777). */
    public RawTar symlink(String name, String target) {
        return entry(header(name, '2').mode(0777).linkname(target));
    }

    /** A hard link (typeflag {@code 1}). */
    public RawTar hardlink(String name, String target) {
        return entry(header(name, '1').linkname(target));
    }

    /**
     * A PAX extended header (typeflag {@code x}) for the next entry, records in map order (use a
     * {@link java.util.LinkedHashMap} for a fixed order). Values are UTF-8; see {@link #paxRecords}
     * for raw bytes.
     */
    public RawTar pax(Map<String, String> records) {
        return entry(header("PaxHeaders.0/entry", 'x'), paxRecords(records));
    }

    /** A PAX global header (typeflag {@code g}): applies to all following entries. */
    public RawTar globalPax(Map<String, String> records) {
        return entry(header("GlobalHead.0.0", 'g'), paxRecords(records));
    }

    /** A GNU long name entry ({@code ././@LongLink}, typeflag {@code L}): the next entry's name. */
    public RawTar gnuLongName(byte[] name) {
        return gnuLong('L', name);
    }

    public RawTar gnuLongName(String name) {
        return gnuLongName(name.getBytes(StandardCharsets.UTF_8));
    }

    /** A GNU long link entry (typeflag {@code K}): the next entry's link target. */
    public RawTar gnuLongLink(byte[] target) {
        return gnuLong('K', target);
    }

    public RawTar gnuLongLink(String target) {
        return gnuLongLink(target.getBytes(StandardCharsets.UTF_8));
    }

    private RawTar gnuLong(char type, byte[] value) {
        byte[] data = Arrays.copyOf(value, value.length + 1); // NUL-terminated, as GNU tar writes it
        return entry(header("././@LongLink", type).gnu().mode(0644), data);
    }

    /**
     * A sparse file of logical size {@code realSize} with the given data regions (in offset order), in
     * {@code format}. {@code h} carries the name and other fields; its typeflag, size and (for PAX) name
     * are set here. Readers that understand the format return {@code realSize} bytes: zeros in holes.
     * As GNU tar does, an empty region at {@code realSize} ends the map when the file ends in a hole.
     * The regions' data is written packed, one after the other, as given: GNU tar reads each region
     * from a 512-byte boundary, Go's archive/tar and commons-compress read them packed, so readers
     * agree only when offsets and lengths are multiples of 512 (but for the last region), as GNU tar
     * writes them; unaligned regions make a tar those readers disagree on.
     */
    public RawTar sparse(SparseFormat format, Header h, long realSize, List<Region> regions) {
        return sparse(format, h, realSize, regions, h.nameString(), Map.of());
    }

    /** As above, with the full name (for PAX) and more PAX records merged into the sparse header. */
    RawTar sparse(SparseFormat format, Header h, long realSize, List<Region> regions, String realName, Map<String, String> extra) {
        Region lastRegion = regions.isEmpty() ? null : regions.get(regions.size() - 1);
        if (lastRegion == null || lastRegion.offset() + lastRegion.length() < realSize) {
            // a file ending in a hole: GNU tar ends the map with an empty region at the end, and
            // commons-compress needs it (Go does not)
            regions = new ArrayList<>(regions);
            regions.add(new Region(realSize, new byte[0]));
        }
        long stored = 0;
        for (Region r : regions) {
            stored += r.length();
        }
        switch (format) {
            case OLD_GNU -> {
                h.gnu().type('S').size(stored).number(Field.GNU_REALSIZE, realSize, false);
                List<long[]> map = new ArrayList<>();
                for (Region r : regions) {
                    map.add(new long[] {r.offset(), r.length()});
                }
                for (int i = 0; i < Math.min(4, map.size()); i++) {
                    h.sparseEntry(Field.GNU_SPARSE.offset + i * 24, map.get(i));
                }
                h.bytes[Field.GNU_ISEXTENDED.offset] = (byte) (map.size() > 4 ? 1 : 0);
                write(h.bytes(stored));
                for (int i = 4; i < map.size(); i += 21) {
                    Header ext = new Header(); // a bare block: 21 entries of 24 bytes, isextended at 504
                    Arrays.fill(ext.bytes, (byte) 0);
                    for (int k = 0; k < 21 && i + k < map.size(); k++) {
                        ext.sparseEntry(k * 24, map.get(i + k));
                    }
                    ext.bytes[504] = (byte) (i + 21 < map.size() ? 1 : 0);
                    write(ext.bytes);
                }
                for (Region r : regions) {
                    write(r.data);
                }
                return pad();
            }
            case PAX_0_1 -> {
                StringBuilder m = new StringBuilder();
                for (Region r : regions) {
                    m.append(m.isEmpty() ? "" : ",").append(r.offset()).append(',').append(r.length());
                }
                var recs = new java.util.LinkedHashMap<String, String>(extra);
                recs.remove("path");
                recs.put("GNU.sparse.size", Long.toString(realSize));
                recs.put("GNU.sparse.numblocks", Integer.toString(regions.size()));
                recs.put("GNU.sparse.map", m.toString());
                recs.put("GNU.sparse.name", realName);
                pax(recs);
                h.name(sparseName(realName)).type('0').size(stored);
                write(h.bytes(stored));
                for (Region r : regions) {
                    write(r.data);
                }
                return pad();
            }
            case PAX_1_0 -> {
                StringBuilder m = new StringBuilder().append(regions.size()).append('\n');
                for (Region r : regions) {
                    m.append(r.offset()).append('\n').append(r.length()).append('\n');
                }
                byte[] map = m.toString().getBytes(StandardCharsets.US_ASCII);
                byte[] mapBlock = Arrays.copyOf(map, (map.length + BLOCK - 1) / BLOCK * BLOCK);
                var recs = new java.util.LinkedHashMap<String, String>(extra);
                recs.remove("path");
                recs.put("GNU.sparse.major", "1");
                recs.put("GNU.sparse.minor", "0");
                recs.put("GNU.sparse.name", realName);
                recs.put("GNU.sparse.realsize", Long.toString(realSize));
                pax(recs);
                long size = mapBlock.length + stored;
                h.name(sparseName(realName)).type('0').size(size);
                write(h.bytes(size));
                write(mapBlock);
                for (Region r : regions) {
                    write(r.data);
                }
                return pad();
            }
            default -> throw new AssertionError(format);
        }
    }

    /** GNU tar's name for the stored entry of a PAX sparse file: {@code dir/GNUSparseFile.0/base}. */
    private static byte[] sparseName(String name) {
        int slash = name.lastIndexOf('/');
        String n = name.substring(0, slash + 1) + "GNUSparseFile.0/" + name.substring(slash + 1);
        byte[] b = n.getBytes(StandardCharsets.UTF_8);
        return Arrays.copyOf(b, Math.min(100, b.length)); // cut if need be: GNU.sparse.name has it all
    }

    // ------------------------------------------------------------------------------- stream

    /** Raw bytes into the stream (a cut-off header, garbage after the end, ...). */
    public RawTar raw(byte[] bytes) {
        write(bytes);
        return this;
    }

    /** The end-of-archive marker: two zero blocks. */
    public RawTar end() {
        write(new byte[2 * BLOCK]);
        return this;
    }

    /** Zeros up to a multiple of {@code recordSize} (10240 for GNU tar's default records). */
    public RawTar padTo(int recordSize) {
        long rest = count % recordSize;
        if (rest != 0) {
            write(new byte[(int) (recordSize - rest)]);
        }
        return this;
    }

    /** Bytes written so far. */
    public long count() {
        return count;
    }

    /** The archive, for {@link #create()}. */
    public byte[] toByteArray() {
        if (memory == null) {
            throw new IllegalStateException("streaming RawTar: the bytes went to the stream");
        }
        return memory.toByteArray();
    }

    private RawTar pad() {
        long rest = count % BLOCK;
        if (rest != 0) {
            write(new byte[(int) (BLOCK - rest)]);
        }
        return this;
    }

    private void write(byte[] b) {
        try {
            out.write(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        count += b.length;
    }

    private final class Counting extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }

    /** PAX records {@code "%d %s=%s\n"}, the length counting itself. */
    public static byte[] paxRecords(Map<String, String> records) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (Map.Entry<String, String> r : records.entrySet()) {
            b.writeBytes(paxRecord(r.getKey(), r.getValue().getBytes(StandardCharsets.UTF_8)));
        }
        return b.toByteArray();
    }

    /** One PAX record with a raw value (e.g. a binary {@code SCHILY.xattr.*} value). */
    public static byte[] paxRecord(String key, byte[] value) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        int body = 1 + k.length + 1 + value.length + 1; // ' ' key '=' value '\n'
        int len = body + Integer.toString(body).length();
        if (Integer.toString(len).length() != Integer.toString(body).length()) {
            len = body + Integer.toString(len).length();
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream(len);
        b.writeBytes((len + " ").getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(k);
        b.write('=');
        b.writeBytes(value);
        b.write('\n');
        return b.toByteArray();
    }

    // ------------------------------------------------------------------------------- header

    /** One 512-byte header, edited in place by its fluent setters. */
    public static final class Header {
        private final byte[] bytes = new byte[BLOCK];
        private boolean sizeSet;
        private Integer checksum;
        private int checksumDelta;

        private Header() {
            mode(0644).uid(0).gid(0).mtime(0);
            set(Field.MAGIC, "ustar\0".getBytes(StandardCharsets.US_ASCII));
            set(Field.VERSION, "00".getBytes(StandardCharsets.US_ASCII));
            octal(Field.DEVMAJOR, 0).octal(Field.DEVMINOR, 0);
        }

        public Header name(String name) {
            return name(name.getBytes(StandardCharsets.UTF_8));
        }

        /** Name bytes as given (non-UTF-8, {@code ..}, absolute); longer than 100 bytes is an error. */
        public Header name(byte[] name) {
            return set(Field.NAME, name);
        }

        public Header type(char flag) {
            return type((byte) flag);
        }

        /** Any typeflag byte. */
        public Header type(byte flag) {
            bytes[Field.TYPEFLAG.offset] = flag;
            return this;
        }

        public Header linkname(String target) {
            return linkname(target.getBytes(StandardCharsets.UTF_8));
        }

        public Header linkname(byte[] target) {
            return set(Field.LINKNAME, target);
        }

        /** The ustar prefix field (POSIX: name = prefix + "/" + name). */
        public Header prefix(String prefix) {
            return set(Field.PREFIX, prefix.getBytes(StandardCharsets.UTF_8));
        }

        public Header mode(long mode) {
            return number(Field.MODE, mode, false);
        }

        public Header uid(long uid) {
            return number(Field.UID, uid, false);
        }

        public Header gid(long gid) {
            return number(Field.GID, gid, false);
        }

        /** The size field; content written with the header may have another length (a lying header). */
        public Header size(long size) {
            sizeSet = true;
            return number(Field.SIZE, size, false);
        }

        /** Seconds since the epoch. */
        public Header mtime(long epochSecond) {
            return number(Field.MTIME, epochSecond, false);
        }

        public Header uname(String u) {
            return set(Field.UNAME, u.getBytes(StandardCharsets.UTF_8));
        }

        public Header gname(String g) {
            return set(Field.GNAME, g.getBytes(StandardCharsets.UTF_8));
        }

        public Header dev(long major, long minor) {
            return number(Field.DEVMAJOR, major, false).number(Field.DEVMINOR, minor, false);
        }

        /** GNU magic {@code ustar  \0} (magic {@code ustar }, version {@code " \0"}). */
        public Header gnu() {
            set(Field.MAGIC, "ustar ".getBytes(StandardCharsets.US_ASCII));
            return set(Field.VERSION, " \0".getBytes(StandardCharsets.US_ASCII));
        }

        /** Octal: {@code length-1} zero-padded digits and a NUL; fails if it does not fit. */
        public Header octal(Field f, long value) {
            String s = Long.toOctalString(value);
            if (value < 0 || s.length() > f.length - 1) {
                throw new IllegalArgumentException(value + " does not fit " + f + " in octal");
            }
            if (f == Field.SIZE) {
                sizeSet = true;
            }
            byte[] b = new byte[f.length];
            byte[] digits = ("0".repeat(f.length - 1 - s.length()) + s).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(digits, 0, b, 0, digits.length);
            System.arraycopy(b, 0, bytes, f.offset, f.length);
            return this;
        }

        /** Base-256 (GNU): first byte 0x80 (0xff for negatives), big-endian two's complement. */
        public Header base256(Field f, long value) {
            if (f == Field.SIZE) {
                sizeSet = true;
            }
            long v = value;
            for (int i = f.length - 1; i >= 1; i--) {
                bytes[f.offset + i] = (byte) v;
                v >>= 8; // arithmetic shift: a negative value fills with 0xff
            }
            bytes[f.offset] = (byte) (value < 0 ? 0xff : 0x80);
            return this;
        }

        /** Overwrites {@code data.length} bytes at {@code offset} (any header bytes, padding included). */
        public Header raw(int offset, byte[] data) {
            System.arraycopy(data, 0, bytes, offset, data.length);
            if (offset < Field.SIZE.offset + Field.SIZE.length && offset + data.length > Field.SIZE.offset) {
                sizeSet = true;
            }
            return this;
        }

        /** Writes this checksum value instead of the computed one. */
        public Header checksum(int value) {
            this.checksum = value;
            return this;
        }

        /** Writes the computed checksum minus one: an invalid header for every reader. */
        public Header corruptChecksum() {
            this.checksumDelta = -1; // below: commons-compress accepts any stored sum above the real one (COMPRESS-117)
            return this;
        }

        /** The header as written with content of {@code contentLength} bytes (for cutting by hand). */
        public byte[] bytes(long contentLength) {
            if (!sizeSet) {
                number(Field.SIZE, contentLength, false);
                sizeSet = false;
            }
            byte[] b = bytes.clone();
            Arrays.fill(b, Field.CHKSUM.offset, Field.CHKSUM.offset + 8, (byte) ' ');
            int sum = 0;
            for (byte x : b) {
                sum += x & 0xff;
            }
            int value = checksum != null ? checksum : sum + checksumDelta;
            byte[] digits = String.format("%06o", value).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(digits, Math.max(0, digits.length - 6), b, Field.CHKSUM.offset, 6);
            b[Field.CHKSUM.offset + 6] = 0;
            b[Field.CHKSUM.offset + 7] = ' ';
            return b;
        }

        /** The header of an entry without content. */
        public byte[] bytes() {
            return bytes(0);
        }

        Header number(Field f, long value, boolean forceBase256) {
            if (!forceBase256 && value >= 0 && Long.toOctalString(value).length() <= f.length - 1) {
                return octal(f, value);
            }
            return base256(f, value);
        }

        private void sparseEntry(int at, long[] offsetLength) {
            // 12-byte offset and numbytes fields: octal with 11 digits, as the size field
            for (int k = 0; k < 2; k++) {
                long v = offsetLength[k];
                String s = Long.toOctalString(v);
                if (s.length() <= 11) {
                    byte[] d = ("0".repeat(11 - s.length()) + s).getBytes(StandardCharsets.US_ASCII);
                    System.arraycopy(d, 0, bytes, at + k * 12, 11);
                    bytes[at + k * 12 + 11] = 0;
                } else {
                    long x = v;
                    for (int i = 11; i >= 1; i--) {
                        bytes[at + k * 12 + i] = (byte) x;
                        x >>= 8;
                    }
                    bytes[at + k * 12] = (byte) 0x80;
                }
            }
        }

        private Header set(Field f, byte[] value) {
            if (value.length > f.length) {
                throw new IllegalArgumentException(f + " is " + f.length + " bytes, got " + value.length);
            }
            Arrays.fill(bytes, f.offset, f.offset + f.length, (byte) 0);
            System.arraycopy(value, 0, bytes, f.offset, value.length);
            return this;
        }

        String nameString() {
            int end = 0;
            while (end < 100 && bytes[end] != 0) {
                end++;
            }
            return new String(bytes, 0, end, StandardCharsets.UTF_8);
        }
    }
}
