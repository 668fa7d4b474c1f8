package io.cargohold.storage.archive;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes {@link Entry} headers byte for byte as Go's {@code archive/tar} writer does with an unspecified
 * format (what upstream's {@code tarAppender} uses): USTAR when every field fits (a long name split into
 * prefix and name when it can be), else a PAX extended header ({@code DIR/PaxHeaders.0/BASE}, records
 * sorted by key) and a main header whose fields that do not fit are zero (names cut to their field,
 * non-ASCII characters dropped). Numbers are octal, zero-padded and NUL-terminated; the checksum is
 * {@code %06o\0 }. Hand-written rather than through commons-compress: its numeric fields end in a space,
 * it writes base-256 where Go writes zero, and it encodes PAX values as text (binary xattr values such as
 * {@code security.capability} must travel byte for byte) - a digest computed over our diff must equal
 * podman's. The stream ends with two zero blocks, as Go's; the underlying stream is not closed.
 */
final class TarSink {
    private static final int BLOCK = 512;
    private static final int NAME_SIZE = 100;
    private static final int PREFIX_SIZE = 155;
    private final OutputStream out;
    private final byte[] zeros = new byte[BLOCK];

    TarSink(OutputStream out) {
        this.out = out;
    }

    void finish() throws IOException {
        out.write(zeros);
        out.write(zeros);
        out.flush();
    }

    /** Writes the header, then for a regular entry with a size its content (from {@code content}). */
    void write(Entry h, InputStream content) throws IOException {
        // Go's Header.allowedFormats, for the fields upstream sets
        Map<String, byte[]> pax = new TreeMap<>();
        boolean ustar = true;
        byte[] name = utf8(h.name);
        if (!isAscii(name) || name.length > NAME_SIZE) {
            if (splitUstarPath(name) == null) {
                ustar = false;
            }
            pax.put("path", name);
        }
        byte[] link = utf8(h.linkname);
        if (!isAscii(link) || link.length > NAME_SIZE) {
            ustar = false;
            pax.put("linkpath", link);
        }
        byte[] uname = utf8(h.uname);
        if (!isAscii(uname) || uname.length > 32) {
            ustar = false;
            pax.put("uname", uname);
        }
        byte[] gname = utf8(h.gname);
        if (!isAscii(gname) || gname.length > 32) {
            ustar = false;
            pax.put("gname", gname);
        }
        long size = h.type == Entry.REG ? h.size : 0;
        if (!fitsInOctal(8, h.uid)) {
            ustar = false;
            pax.put("uid", utf8(Long.toString(h.uid)));
        }
        if (!fitsInOctal(8, h.gid)) {
            ustar = false;
            pax.put("gid", utf8(Long.toString(h.gid)));
        }
        if (!fitsInOctal(12, size)) {
            ustar = false;
            pax.put("size", utf8(Long.toString(size)));
        }
        if (!fitsInOctal(12, h.mtimeSec)) {
            ustar = false;
            pax.put("mtime", utf8(Long.toString(h.mtimeSec)));
        }
        if (!h.xattrs.isEmpty()) {
            ustar = false;
            for (Map.Entry<String, byte[]> x : h.xattrs.entrySet()) {
                pax.put("SCHILY.xattr." + x.getKey(), x.getValue());
            }
        }
        byte[] blk = new byte[BLOCK];
        if (ustar) {
            byte[][] split = splitUstarPath(name);
            template(blk, h, split != null ? split[1] : name, link, uname, gname, size);
            if (split != null) {
                formatString(blk, 345, PREFIX_SIZE, split[0]);
            }
        } else {
            if (!pax.isEmpty()) {
                writePax(h.name, pax);
            }
            template(blk, h, toAscii(name), toAscii(link), toAscii(uname), toAscii(gname), size);
        }
        setFormat(blk);
        out.write(blk);
        if (h.type == Entry.REG && size > 0) {
            copyExactly(content, size);
            pad(size);
        }
    }

    /** Go's templateV7Plus: name, link, mode, IDs, size, time, user and group names, device numbers. */
    private static void template(byte[] b, Entry h, byte[] name, byte[] link, byte[] uname, byte[] gname, long size) {
        b[156] = h.type;
        formatString(b, 0, NAME_SIZE, name);
        formatString(b, 157, NAME_SIZE, link);
        formatOctal(b, 100, 8, h.mode);
        formatOctal(b, 108, 8, h.uid);
        formatOctal(b, 116, 8, h.gid);
        formatOctal(b, 124, 12, size);
        formatOctal(b, 136, 12, h.mtimeSec);
        formatString(b, 265, 32, uname);
        formatString(b, 297, 32, gname);
        formatOctal(b, 329, 8, h.devMajor);
        formatOctal(b, 337, 8, h.devMinor);
    }

    /** Go's block.SetFormat for USTAR and PAX: the magic, then the checksum ({@code %06o\0 }). */
    private static void setFormat(byte[] b) {
        System.arraycopy("ustar\0".getBytes(StandardCharsets.US_ASCII), 0, b, 257, 6);
        b[263] = '0';
        b[264] = '0';
        java.util.Arrays.fill(b, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte x : b) {
            sum += x & 0xff;
        }
        formatOctal(b, 148, 7, sum);
        b[155] = ' ';
    }

    /** Go's formatter.formatString: copied, NUL-terminated when shorter; a cut name's trailing slashes become NUL. */
    private static void formatString(byte[] b, int off, int len, byte[] s) {
        System.arraycopy(s, 0, b, off, Math.min(len, s.length));
        if (s.length < len) {
            b[off + s.length] = 0;
        }
        if (s.length > len && b[off + len - 1] == '/') {
            int n = len;
            while (n > 0 && b[off + n - 1] == '/') {
                n--;
            }
            b[off + n] = 0;
        }
    }

    /** Go's formatter.formatOctal: zero-padded octal leaving room for a NUL; zero when it does not fit. */
    private static void formatOctal(byte[] b, int off, int len, long x) {
        if (!fitsInOctal(len, x)) {
            x = 0;
        }
        String s = Long.toOctalString(x);
        int pad = len - s.length() - 1;
        if (pad > 0) {
            s = "0".repeat(pad) + s;
        }
        formatString(b, off, len, s.getBytes(StandardCharsets.US_ASCII));
    }

    private static boolean fitsInOctal(int n, long x) {
        long octBits = (long) (n - 1) * 3;
        return x >= 0 && (n >= 22 || x < 1L << octBits);
    }

    /** Go's splitUSTARPath: {prefix, name}, or null. */
    private static byte[][] splitUstarPath(byte[] name) {
        int length = name.length;
        if (length <= NAME_SIZE || !isAscii(name)) {
            return null;
        } else if (length > PREFIX_SIZE + 1) {
            length = PREFIX_SIZE + 1;
        } else if (name[length - 1] == '/') {
            length--;
        }
        int i = -1;
        for (int k = length - 1; k >= 0; k--) {
            if (name[k] == '/') {
                i = k;
                break;
            }
        }
        int nlen = name.length - i - 1;
        if (i <= 0 || nlen > NAME_SIZE || nlen == 0 || i > PREFIX_SIZE) {
            return null;
        }
        return new byte[][] {java.util.Arrays.copyOfRange(name, 0, i), java.util.Arrays.copyOfRange(name, i + 1, name.length)};
    }

    private static boolean isAscii(byte[] s) {
        for (byte c : s) {
            if (c < 0 || c >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** Go's toASCII: bytes of non-ASCII characters dropped. */
    private static byte[] toAscii(byte[] s) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(s.length);
        for (byte c : s) {
            if (c >= 0) {
                b.write(c);
            }
        }
        return b.toByteArray();
    }

    private void pad(long size) throws IOException {
        int rest = (int) (size % BLOCK);
        if (rest != 0) {
            out.write(zeros, 0, BLOCK - rest);
        }
    }

    /** The content as the header announced it: cut if the file grew, zero-padded if it shrank. */
    private void copyExactly(InputStream in, long size) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long left = size;
        if (in != null) {
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    break;
                }
                out.write(buf, 0, n);
                left -= n;
            }
        }
        Arrays.fill(buf, (byte) 0);
        while (left > 0) {
            int n = (int) Math.min(buf.length, left);
            out.write(buf, 0, n);
            left -= n;
        }
    }

    /** Go's writeRawFile for a PAX extended header ({@code x}) named {@code DIR/PaxHeaders.0/BASE}. */
    private void writePax(String realName, Map<String, byte[]> records) throws IOException {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> r : records.entrySet()) {
            byte[] rec = paxRecord(r.getKey(), r.getValue());
            data.write(rec, 0, rec.length);
        }
        byte[] bytes = data.toByteArray();
        int slash = realName.lastIndexOf('/');
        String dir = realName.substring(0, slash + 1);
        String file = realName.substring(slash + 1);
        byte[] name = toAscii(utf8(dir + "PaxHeaders.0" + (file.isEmpty() ? "" : "/" + file)));
        int n = Math.min(name.length, NAME_SIZE);
        while (n > 0 && name[n - 1] == '/') {
            n--;
        }
        byte[] blk = new byte[BLOCK];
        blk[156] = 'x';
        formatString(blk, 0, NAME_SIZE, java.util.Arrays.copyOf(name, n));
        formatOctal(blk, 100, 8, 0);
        formatOctal(blk, 108, 8, 0);
        formatOctal(blk, 116, 8, 0);
        formatOctal(blk, 124, 12, bytes.length);
        formatOctal(blk, 136, 12, 0);
        setFormat(blk);
        out.write(blk);
        out.write(bytes);
        pad(bytes.length);
    }

    /** {@code "LEN KEY=VALUE\n"}, LEN counting the whole record, VALUE raw bytes. */
    static byte[] paxRecord(String key, byte[] value) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        int rest = 1 + k.length + 1 + value.length + 1;
        int len = rest + Integer.toString(rest).length();
        if (Integer.toString(len).length() + rest != len) {
            len = rest + Integer.toString(len).length();
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream(len);
        byte[] head = (len + " " + key + "=").getBytes(StandardCharsets.UTF_8);
        b.write(head, 0, head.length);
        b.write(value, 0, value.length);
        b.write('\n');
        return b.toByteArray();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Opens a regular entry's source for its content. */
    static InputStream open(Entry h) throws IOException {
        return Files.newInputStream(h.source);
    }
}
