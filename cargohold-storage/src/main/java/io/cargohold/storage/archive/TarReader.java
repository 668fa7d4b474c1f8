package io.cargohold.storage.archive;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tar reader with raw-byte accounting, following Go's {@code archive/tar} (as forked by tar-split):
 * every byte consumed outside entry contents (padding, headers, GNU long names, PAX records, sparse
 * maps, end-of-archive blocks) is kept until {@link #takeRaw()}, so the stream can be split into
 * segments and file contents and reassembled byte for byte.
 *
 * <p>Written by hand because Commons Compress hides the raw header bytes and decodes PAX values as
 * UTF-8 (which corrupts binary {@code SCHILY.xattr.security.capability} values) and names in one
 * charset; tar-split needs both exact.
 */
public final class TarReader {
    /** Go's limit for GNU long names and PAX headers. */
    static final int MAX_SPECIAL = 1 << 20;
    private static final byte[] ZERO = new byte[512];

    private final InputStream in;
    private final byte[] blk = new byte[512];
    private byte[] raw = new byte[4096];
    private int rawLen;
    private boolean recordContent;
    private long remaining;
    private long padding;
    /** The stream ended inside padding after a special entry: Go's reader reports the end of the archive next. */
    private boolean ended;
    private long offset;

    public TarReader(InputStream in) {
        this.in = in;
    }

    /** Bytes consumed so far. */
    public long offset() {
        return offset;
    }

    /** The raw bytes consumed since the last call (outside content unless {@link #recordContent}). */
    public byte[] takeRaw() {
        byte[] r = Arrays.copyOf(raw, rawLen);
        rawLen = 0;
        return r;
    }

    public int rawLength() {
        return rawLen;
    }

    /** When on, content bytes read by {@link #read} are also kept as raw bytes (sparse entries). */
    public void recordContent(boolean on) {
        recordContent = on;
    }

    /** The next entry, or null at the end of the archive (the end-of-archive blocks are consumed). */
    public TarHeader next() throws IOException {
        boolean was = recordContent;
        recordContent = true;
        try {
            return nextHeader();
        } finally {
            recordContent = was;
        }
    }

    private TarHeader nextHeader() throws IOException {
        skip(remaining);
        remaining = 0;
        long pad = padding;
        padding = 0;
        if (ended || !skipToEof(pad)) {
            return null; // Go's tryReadFull: a stream ending inside the last entry's padding ends the archive
        }
        byte[] longName = null;
        byte[] longLink = null;
        Map<String, byte[]> pax = new LinkedHashMap<>();
        while (true) {
            int n = readFullyOrEof(blk, 0, 512);
            if (n == 0) {
                return null; // a stream ending at a header boundary: Go's io.EOF
            }
            if (n < 512) {
                throw new TarFormatException("unexpected end of layer stream inside a tar header");
            }
            if (Arrays.equals(blk, ZERO)) {
                int m = readFullyOrEof(blk, 0, 512);
                if (m == 0 || (m == 512 && Arrays.equals(blk, ZERO))) {
                    return null;
                }
                if (m < 512) {
                    throw new TarFormatException("unexpected end of layer stream after a zero block");
                }
                throw new TarFormatException("invalid tar header (a zero block followed by data)");
            }
            verifyChecksum();
            char type = (char) (blk[156] & 0xFF);
            long size = numeric(124, 12, "size");
            if (size < 0) {
                throw new TarFormatException("invalid tar header (negative size)");
            }
            switch (type) {
                case 'L', 'K' -> {
                    byte[] data = special(size, type == 'L' ? "GNU long name" : "GNU long link name");
                    if (ended) {
                        return null;
                    }
                    if (type == 'L') {
                        longName = cstring(data, 0, data.length);
                    } else {
                        longLink = cstring(data, 0, data.length);
                    }
                    continue;
                }
                case 'x', 'X' -> {
                    parsePax(special(size, "PAX header"), pax);
                    if (ended) {
                        return null;
                    }
                    continue;
                }
                case 'g' -> {
                    Map<String, byte[]> global = new HashMap<>();
                    parsePax(special(size, "PAX global header"), global);
                    return new TarHeader(cstring(blk, 0, 100), new byte[0], 'g', 0, 0, 0, "", "", 0, 0, 0, Long.MIN_VALUE, 0, 0,
                            Map.of(), null);
                }
                default -> {
                    return header(type, size, longName, longLink, pax);
                }
            }
        }
    }

    private TarHeader header(char type, long size, byte[] longName, byte[] longLink, Map<String, byte[]> pax) throws IOException {
        boolean ustar = Arrays.equals(blk, 257, 263, "ustar\0".getBytes(StandardCharsets.US_ASCII), 0, 6);
        boolean gnu = Arrays.equals(blk, 257, 265, "ustar  \0".getBytes(StandardCharsets.US_ASCII), 0, 8);
        byte[] name = cstring(blk, 0, 100);
        if (ustar) {
            byte[] prefix = cstring(blk, 345, 155);
            if (prefix.length > 0) {
                byte[] joined = Arrays.copyOf(prefix, prefix.length + 1 + name.length);
                joined[prefix.length] = '/';
                System.arraycopy(name, 0, joined, prefix.length + 1, name.length);
                name = joined;
            }
        }
        byte[] link = cstring(blk, 157, 100);
        long mode = numeric(100, 8, "mode");
        long uid = numeric(108, 8, "uid");
        long gid = numeric(116, 8, "gid");
        long mtime = numeric(136, 12, "mtime") * 1_000_000_000L;
        long atime = Long.MIN_VALUE;
        String uname = "";
        String gname = "";
        long major = 0;
        long minor = 0;
        if (ustar || gnu) {
            uname = new String(cstring(blk, 265, 32), StandardCharsets.UTF_8);
            gname = new String(cstring(blk, 297, 32), StandardCharsets.UTF_8);
            if (type == TarHeader.CHAR || type == TarHeader.BLOCK) {
                major = numeric(329, 8, "devmajor");
                minor = numeric(337, 8, "devminor");
            }
        }
        if (gnu && blk[345] != 0) {
            atime = numeric(345, 12, "atime") * 1_000_000_000L;
        }
        List<long[]> sparse = null;
        long realSize = size;
        if (type == 'S' && gnu) {
            sparse = oldGnuSparse();
            realSize = numeric(483, 12, "realsize");
            type = TarHeader.REG;
        }
        if (longName != null) {
            name = longName;
        }
        if (longLink != null) {
            link = longLink;
        }
        Map<String, byte[]> xattrs = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : pax.entrySet()) {
            String k = e.getKey();
            byte[] v = e.getValue();
            switch (k) {
                case "path" -> name = v;
                case "linkpath" -> link = v;
                case "size" -> size = paxLong(k, v);
                case "uid" -> uid = paxLong(k, v);
                case "gid" -> gid = paxLong(k, v);
                case "uname" -> uname = new String(v, StandardCharsets.UTF_8);
                case "gname" -> gname = new String(v, StandardCharsets.UTF_8);
                case "mtime" -> mtime = paxTime(v);
                case "atime" -> atime = paxTime(v);
                default -> {
                    if (k.startsWith("SCHILY.xattr.")) {
                        xattrs.put(k.substring("SCHILY.xattr.".length()), v);
                    }
                }
            }
        }
        if (size < 0) {
            throw new TarFormatException("invalid tar header (negative size)");
        }
        if (pax.containsKey("GNU.sparse.major") || pax.containsKey("GNU.sparse.map") || pax.containsKey("GNU.sparse.offset")) {
            byte[] sname = pax.get("GNU.sparse.name");
            if (sname != null) {
                name = sname;
            }
            byte[] rs = pax.containsKey("GNU.sparse.realsize") ? pax.get("GNU.sparse.realsize") : pax.get("GNU.sparse.size");
            realSize = rs == null ? size : paxLong("GNU.sparse.realsize", rs);
            String major1 = pax.containsKey("GNU.sparse.major") ? new String(pax.get("GNU.sparse.major"), StandardCharsets.US_ASCII) : "";
            String minor1 = pax.containsKey("GNU.sparse.minor") ? new String(pax.get("GNU.sparse.minor"), StandardCharsets.US_ASCII) : "";
            if (major1.equals("1") && minor1.equals("0")) {
                remaining = size;
                sparse = pax1Sparse();
                size = remaining;
            } else if (pax.containsKey("GNU.sparse.map")) {
                sparse = pairs(split(new String(pax.get("GNU.sparse.map"), StandardCharsets.US_ASCII), ','));
            } else {
                throw new TarFormatException("unsupported GNU sparse format 0.0");
            }
        } else if (sparse == null) {
            realSize = size;
        }
        if (type == '\0') {
            type = name.length > 0 && name[name.length - 1] == '/' ? TarHeader.DIR : TarHeader.REG;
        }
        long stored = TarHeader.headerOnly(type) ? 0 : size;
        if (sparse != null) {
            validateSparse(sparse, realSize, stored);
        }
        remaining = stored;
        padding = (512 - stored % 512) % 512;
        return new TarHeader(name, link, type, mode, uid, gid, uname, gname, sparse != null ? realSize : size, stored, mtime, atime,
                major, minor, xattrs, sparse);
    }

    private List<long[]> oldGnuSparse() throws IOException {
        List<long[]> map = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int off = 386 + i * 24;
            if (blk[off] == 0) {
                break;
            }
            map.add(new long[] {numeric(off, 12, "sparse offset"), numeric(off + 12, 12, "sparse length")});
        }
        boolean extended = blk[482] != 0;
        byte[] ext = new byte[512];
        while (extended) {
            if (readFullyOrEof(ext, 0, 512) < 512) {
                throw new TarFormatException("unexpected end of layer stream in a GNU sparse header");
            }
            for (int i = 0; i < 21; i++) {
                int off = i * 24;
                if (ext[off] == 0) {
                    break;
                }
                map.add(new long[] {numeric(ext, off, 12, "sparse offset"), numeric(ext, off + 12, 12, "sparse length")});
            }
            extended = ext[504] != 0;
            if (map.size() > 1 << 20) {
                throw new TarFormatException("GNU sparse map too large");
            }
        }
        return map;
    }

    /** PAX 1.0 sparse: the map is at the start of the data, as decimal lines, padded to 512 bytes. */
    private List<long[]> pax1Sparse() throws IOException {
        List<Long> nums = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        long consumed = 0;
        long count = -1;
        byte[] one = new byte[1];
        while (count < 0 || nums.size() < 1 + 2 * count) {
            if (read(one, 0, 1) < 1) {
                throw new TarFormatException("unexpected end of layer stream in a PAX sparse map");
            }
            consumed++;
            if (one[0] == '\n') {
                nums.add(parseDecimal(cur.toString(), "sparse map"));
                cur.setLength(0);
                if (count < 0) {
                    count = nums.get(0);
                    if (count < 0 || count > 1 << 20) {
                        throw new TarFormatException("invalid PAX sparse map");
                    }
                }
            } else {
                cur.append((char) one[0]);
                if (cur.length() > 20) {
                    throw new TarFormatException("invalid PAX sparse map");
                }
            }
        }
        long pad = (512 - consumed % 512) % 512;
        byte[] p = new byte[(int) pad];
        if (pad > 0 && read(p, 0, p.length) < pad) {
            throw new TarFormatException("unexpected end of layer stream in a PAX sparse map");
        }
        List<long[]> map = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            map.add(new long[] {nums.get(1 + 2 * i), nums.get(2 + 2 * i)});
        }
        return map;
    }

    private static void validateSparse(List<long[]> map, long realSize, long stored) throws TarFormatException {
        long end = 0;
        long data = 0;
        for (long[] f : map) {
            if (f[0] < end || f[1] < 0 || f[0] + f[1] > realSize || f[0] + f[1] < f[0]) {
                throw new TarFormatException("invalid sparse map");
            }
            end = f[0] + f[1];
            data += f[1];
        }
        if (data != stored || realSize < 0) {
            throw new TarFormatException("invalid sparse map (data size " + data + " != stored size " + stored + ")");
        }
    }

    private static List<String> split(String s, char c) {
        List<String> out = new ArrayList<>();
        if (s.isEmpty()) {
            return out;
        }
        int start = 0;
        for (int i = 0; i <= s.length(); i++) {
            if (i == s.length() || s.charAt(i) == c) {
                out.add(s.substring(start, i));
                start = i + 1;
            }
        }
        return out;
    }

    private static List<long[]> pairs(List<String> parts) throws TarFormatException {
        if (parts.size() % 2 != 0) {
            throw new TarFormatException("invalid GNU.sparse.map");
        }
        List<long[]> map = new ArrayList<>();
        for (int i = 0; i < parts.size(); i += 2) {
            map.add(new long[] {parseDecimal(parts.get(i), "sparse map"), parseDecimal(parts.get(i + 1), "sparse map")});
        }
        return map;
    }

    // ------------------------------------------------------------------ content

    /** Reads content of the current entry; -1 at its end. */
    public int read(byte[] b, int off, int len) throws IOException {
        if (remaining <= 0) {
            return -1;
        }
        int want = (int) Math.min(len, remaining);
        int n = in.read(b, off, want);
        if (n < 0) {
            throw new TarFormatException("unexpected end of layer stream inside an entry's content");
        }
        remaining -= n;
        offset += n;
        if (recordContent) {
            record(b, off, n);
        }
        return n;
    }

    /** Content bytes of the current entry not read yet. */
    public long remaining() {
        return remaining;
    }

    /** Reads what follows the end of the archive (not recorded: the caller stores it as segments). */
    public int readTrailing(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            offset += n;
        }
        return n;
    }

    // ------------------------------------------------------------------ helpers

    private byte[] special(long size, String what) throws IOException {
        if (size > MAX_SPECIAL) {
            throw new TarFormatException(what + " of " + size + " bytes exceeds the limit of " + MAX_SPECIAL);
        }
        byte[] data = new byte[(int) size];
        if (readFullyOrEof(data, 0, data.length) < data.length) {
            throw new TarFormatException("unexpected end of layer stream in a " + what);
        }
        if (!skipToEof((512 - size % 512) % 512)) {
            ended = true; // Go: the stream ending in this padding is the end of the archive (the record is dropped)
        }
        return data;
    }

    private void parsePax(byte[] data, Map<String, byte[]> out) throws TarFormatException {
        int i = 0;
        while (i < data.length) {
            int sp = i;
            while (sp < data.length && data[sp] != ' ') {
                sp++;
            }
            if (sp >= data.length) {
                throw new TarFormatException("invalid PAX record");
            }
            long len = parseDecimal(new String(data, i, sp - i, StandardCharsets.US_ASCII), "PAX record length");
            if (len <= sp - i || i + len > data.length || data[(int) (i + len - 1)] != '\n') {
                throw new TarFormatException("invalid PAX record");
            }
            int end = (int) (i + len - 1);
            int eq = sp + 1;
            while (eq < end && data[eq] != '=') {
                eq++;
            }
            if (eq >= end) {
                throw new TarFormatException("invalid PAX record");
            }
            String key = new String(data, sp + 1, eq - sp - 1, StandardCharsets.UTF_8);
            byte[] value = Arrays.copyOfRange(data, eq + 1, end);
            if (key.equals("GNU.sparse.offset") || key.equals("GNU.sparse.numbytes")) {
                // PAX 0.0 sparse: repeated records, collected in order
                byte[] prev = out.get("GNU.sparse.map");
                String add = new String(value, StandardCharsets.US_ASCII);
                out.put("GNU.sparse.map", (prev == null || prev.length == 0 ? add
                        : new String(prev, StandardCharsets.US_ASCII) + "," + add).getBytes(StandardCharsets.US_ASCII));
                out.put("GNU.sparse.offset", new byte[0]);
            } else {
                out.put(key, value);
            }
            i = (int) (i + len);
        }
    }

    private static long paxLong(String key, byte[] v) throws TarFormatException {
        return parseDecimal(new String(v, StandardCharsets.US_ASCII), "PAX " + key);
    }

    private static long paxTime(byte[] v) throws TarFormatException {
        String s = new String(v, StandardCharsets.US_ASCII);
        boolean neg = s.startsWith("-");
        String body = neg ? s.substring(1) : s;
        int dot = body.indexOf('.');
        String secs = dot < 0 ? body : body.substring(0, dot);
        String frac = dot < 0 ? "" : body.substring(dot + 1);
        if (!frac.chars().allMatch(Character::isDigit)) {
            throw new TarFormatException("invalid PAX time " + s);
        }
        frac = (frac + "000000000").substring(0, 9);
        long sec = secs.isEmpty() ? 0 : parseDecimal(secs, "PAX time");
        long ns = Long.parseLong(frac);
        long total = Math.multiplyExact(sec, 1_000_000_000L) + ns;
        return neg ? -total : total;
    }

    private static long parseDecimal(String s, String what) throws TarFormatException {
        if (s.isEmpty() || s.length() > 19 || !s.chars().allMatch(Character::isDigit)) {
            throw new TarFormatException("invalid " + what + ": " + s);
        }
        return Long.parseLong(s);
    }

    private long numeric(int off, int len, String what) throws TarFormatException {
        return numeric(blk, off, len, what);
    }

    /** Go's parseNumeric: base-256 when the high bit is set, else octal with spaces and NULs trimmed. */
    static long numeric(byte[] b, int off, int len, String what) throws TarFormatException {
        if (len > 0 && (b[off] & 0x80) != 0) {
            boolean neg = (b[off] & 0x40) != 0;
            long x = 0;
            for (int i = 0; i < len; i++) {
                int c = b[off + i] & 0xFF;
                if (neg) {
                    c ^= 0xFF;
                }
                if (i == 0) {
                    c &= 0x7F;
                }
                if ((x >>> 56) > 0) {
                    throw new TarFormatException("invalid tar header (" + what + " overflows)");
                }
                x = x << 8 | c;
            }
            if ((x >>> 63) > 0) {
                throw new TarFormatException("invalid tar header (" + what + " overflows)");
            }
            return neg ? ~x : x;
        }
        int s = off;
        int e = off + len;
        while (s < e && (b[s] == ' ' || b[s] == 0)) {
            s++;
        }
        while (e > s && (b[e - 1] == ' ' || b[e - 1] == 0)) {
            e--;
        }
        long x = 0;
        for (int i = s; i < e; i++) {
            int c = b[i];
            if (c < '0' || c > '7') {
                throw new TarFormatException("invalid tar header (" + what + " is not an octal number)");
            }
            x = x * 8 + (c - '0');
        }
        return x;
    }

    private void verifyChecksum() throws TarFormatException {
        long want = numeric(148, 8, "checksum");
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < 512; i++) {
            byte c = (i >= 148 && i < 156) ? (byte) ' ' : blk[i];
            unsigned += c & 0xFF;
            signed += c;
        }
        if (want != unsigned && want != signed) {
            throw new TarFormatException("invalid tar header (checksum mismatch)");
        }
    }

    private static byte[] cstring(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return Arrays.copyOfRange(b, off, end);
    }

    private int readFullyOrEof(byte[] b, int off, int len) throws IOException {
        int total = 0;
        while (total < len) {
            int n = in.read(b, off + total, len - total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        offset += total;
        record(b, off, total);
        return total;
    }

    /** As {@link #skip}, but false (instead of an error) when the stream ends first. */
    private boolean skipToEof(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(Math.max(n, 1), 8192)];
        while (n > 0) {
            int k = in.read(buf, 0, (int) Math.min(n, buf.length));
            if (k < 0) {
                return false;
            }
            offset += k;
            record(buf, 0, k);
            n -= k;
        }
        return true;
    }

    private void skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(n, 8192)];
        while (n > 0) {
            int k = in.read(buf, 0, (int) Math.min(n, buf.length));
            if (k < 0) {
                throw new TarFormatException("unexpected end of layer stream");
            }
            offset += k;
            record(buf, 0, k);
            n -= k;
        }
    }

    private void record(byte[] b, int off, int len) {
        if (len <= 0) {
            return;
        }
        if (rawLen + len > raw.length) {
            raw = Arrays.copyOf(raw, Math.max(raw.length * 2, rawLen + len));
        }
        System.arraycopy(b, off, raw, rawLen, len);
        rawLen += len;
    }
}
