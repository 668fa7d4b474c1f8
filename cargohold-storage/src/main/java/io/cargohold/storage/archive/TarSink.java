package io.cargohold.storage.archive;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes {@link Entry} headers as Go's {@code archive/tar} writer does with an unspecified format: USTAR
 * when everything fits, otherwise a PAX extended header first. The PAX records are written here rather than
 * through commons-compress, which encodes record values as UTF-8 text: extended attribute values
 * ({@code security.capability}) are binary and Go writes them byte for byte. Numbers that do not fit the
 * octal fields get a PAX record and commons-compress's base-256 form in the field. The stream ends with two
 * zero blocks, as Go's; the underlying stream is not closed.
 */
final class TarSink {
    private static final long MAX_OCTAL_7 = 07777777L;
    private static final long MAX_OCTAL_11 = 077777777777L;
    private final TarArchiveOutputStream tar;

    TarSink(OutputStream out) {
        OutputStream shield = new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                out.flush();
            }
        };
        tar = new TarArchiveOutputStream(shield, 512, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_TRUNCATE);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_STAR);
    }

    void finish() throws IOException {
        tar.finish();
        tar.flush();
    }

    /** Writes the header, then for a regular entry with a size its content (from {@code content}). */
    void write(Entry h, InputStream content) throws IOException {
        Map<String, byte[]> pax = new LinkedHashMap<>();
        String ustarName = h.name;
        String ustarLink = h.linkname;
        String uname = h.uname;
        String gname = h.gname;
        long uid = h.uid;
        long gid = h.gid;
        if (!fits(h.name, 100)) {
            pax.put("path", utf8(h.name));
            ustarName = asciiPrefix(h.name, 100);
        }
        if (!fits(h.linkname, 100)) {
            pax.put("linkpath", utf8(h.linkname));
            ustarLink = asciiPrefix(h.linkname, 100);
        }
        if (!fits(h.uname, 32)) {
            pax.put("uname", utf8(h.uname));
            uname = asciiPrefix(h.uname, 32);
        }
        if (!fits(h.gname, 32)) {
            pax.put("gname", utf8(h.gname));
            gname = asciiPrefix(h.gname, 32);
        }
        if (uid < 0 || uid > MAX_OCTAL_7) {
            pax.put("uid", utf8(Long.toString(uid)));
        }
        if (gid < 0 || gid > MAX_OCTAL_7) {
            pax.put("gid", utf8(Long.toString(gid)));
        }
        if (h.size > MAX_OCTAL_11) {
            pax.put("size", utf8(Long.toString(h.size)));
        }
        if (h.mtimeSec < 0 || h.mtimeSec > MAX_OCTAL_11) {
            pax.put("mtime", utf8(Long.toString(h.mtimeSec)));
        }
        for (Map.Entry<String, byte[]> x : h.xattrs.entrySet()) {
            pax.put("SCHILY.xattr." + x.getKey(), x.getValue());
        }
        if (!pax.isEmpty()) {
            writePax(h.name, pax);
        }
        TarArchiveEntry e = new TarArchiveEntry(ustarName, h.type, true);
        e.setMode(h.mode);
        e.setUserId(uid);
        e.setGroupId(gid);
        e.setUserName(uname);
        e.setGroupName(gname);
        e.setModTime(FileTime.from(h.mtimeSec, TimeUnit.SECONDS));
        e.setSize(h.type == Entry.REG ? h.size : 0);
        e.setLinkName(ustarLink);
        e.setDevMajor((int) h.devMajor);
        e.setDevMinor((int) h.devMinor);
        tar.putArchiveEntry(e);
        if (h.type == Entry.REG && h.size > 0) {
            copyExactly(content, h.size);
        }
        tar.closeArchiveEntry();
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
                tar.write(buf, 0, n);
                left -= n;
            }
        }
        Arrays.fill(buf, (byte) 0);
        while (left > 0) {
            int n = (int) Math.min(buf.length, left);
            tar.write(buf, 0, n);
            left -= n;
        }
    }

    /** A PAX extended header ({@code x}) named as Go names it: {@code DIR/PaxHeaders.0/BASE}. */
    private void writePax(String realName, Map<String, byte[]> records) throws IOException {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        records.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(r -> {
            byte[] rec = paxRecord(r.getKey(), r.getValue());
            data.write(rec, 0, rec.length);
        });
        byte[] bytes = data.toByteArray();
        int slash = realName.lastIndexOf('/');
        String dir = realName.substring(0, slash + 1);
        String file = realName.substring(slash + 1);
        String name = dir + "PaxHeaders.0" + (file.isEmpty() ? "" : "/" + file);
        name = asciiPrefix(name, 100);
        while (name.endsWith("/")) {
            name = name.substring(0, name.length() - 1);
        }
        TarArchiveEntry pex = new TarArchiveEntry(name, TarConstants.LF_PAX_EXTENDED_HEADER_LC, true);
        pex.setMode(0);
        pex.setUserId(0);
        pex.setGroupId(0);
        pex.setUserName("");
        pex.setGroupName("");
        pex.setModTime(FileTime.fromMillis(0));
        pex.setSize(bytes.length);
        tar.putArchiveEntry(pex);
        tar.write(bytes);
        tar.closeArchiveEntry();
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

    private static boolean fits(String s, int max) {
        if (s.length() > max) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0 || c >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** Go's toASCII (non-ASCII characters dropped), cut to the field. */
    private static String asciiPrefix(String s, int max) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < max; i++) {
            char c = s.charAt(i);
            if (c != 0 && c < 0x80) {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Opens a regular entry's source for its content. */
    static InputStream open(Entry h) throws IOException {
        return Files.newInputStream(h.source);
    }
}
