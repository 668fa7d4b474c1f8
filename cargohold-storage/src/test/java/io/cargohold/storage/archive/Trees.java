package io.cargohold.storage.archive;

import io.cargohold.storage.internal.PosixFs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Helpers for building trees and reading tar streams back byte for byte. */
final class Trees {
    private Trees() {
    }

    static Path file(Path p, String content) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        return p;
    }

    static void mtime(Path p, long sec, int nsec) throws IOException {
        PosixFs.setTimes(p, sec * 1_000_000_000L + nsec, sec * 1_000_000_000L + nsec);
    }

    static void times(Path p, long atimeSec, int atimeNsec, long mtimeSec, int mtimeNsec) throws IOException {
        PosixFs.setTimes(p, atimeSec * 1_000_000_000L + atimeNsec, mtimeSec * 1_000_000_000L + mtimeNsec);
    }

    static FsStat lstat(Path p) throws IOException {
        return FsStat.lstat(p);
    }

    static void cpA(Path from, Path to) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("cp", "-a", "--preserve=all", from.toString(), to.toString()).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IOException("cp failed");
        }
    }

    /** One raw tar entry: header fields and the PAX records that preceded it (values as bytes). */
    record RawEntry(String name, char type, int mode, long uid, long gid, String uname, String gname, long mtime,
            long size, String linkname, int devMajor, int devMinor, Map<String, byte[]> pax, byte[] content) {
        String xattr(String name) {
            byte[] v = pax.get("SCHILY.xattr." + name);
            return v == null ? null : new String(v, StandardCharsets.UTF_8);
        }
    }

    /** A minimal USTAR/PAX reader keeping PAX values as bytes (commons-compress decodes them as UTF-8). */
    static List<RawEntry> readTar(byte[] tar) throws IOException {
        List<RawEntry> out = new ArrayList<>();
        InputStream in = new ByteArrayInputStream(tar);
        Map<String, byte[]> pax = new LinkedHashMap<>();
        int zeros = 0;
        while (true) {
            byte[] h = in.readNBytes(512);
            if (h.length < 512) {
                throw new IOException("short tar: no end-of-archive blocks");
            }
            if (isZero(h)) {
                if (++zeros == 2) {
                    if (in.available() != 0) {
                        throw new IOException("data after the end-of-archive blocks");
                    }
                    return out;
                }
                continue;
            }
            String magic = str(h, 257, 6);
            if (!magic.equals("ustar")) {
                throw new IOException("not ustar: " + magic);
            }
            long size = num(h, 124, 12);
            byte[] data = in.readNBytes((int) size);
            in.readNBytes((int) ((512 - size % 512) % 512));
            char type = (char) h[156];
            if (type == 'x') {
                parsePax(data, pax);
                continue;
            }
            String prefix = str(h, 345, 155);
            String name = prefix.isEmpty() ? str(h, 0, 100) : prefix + "/" + str(h, 0, 100);
            String link = str(h, 157, 100);
            String uname = str(h, 265, 32);
            String gname = str(h, 297, 32);
            long uid = num(h, 108, 8);
            long gid = num(h, 116, 8);
            if (pax.containsKey("path")) {
                name = new String(pax.get("path"), StandardCharsets.UTF_8);
            }
            if (pax.containsKey("linkpath")) {
                link = new String(pax.get("linkpath"), StandardCharsets.UTF_8);
            }
            if (pax.containsKey("uname")) {
                uname = new String(pax.get("uname"), StandardCharsets.UTF_8);
            }
            if (pax.containsKey("gname")) {
                gname = new String(pax.get("gname"), StandardCharsets.UTF_8);
            }
            if (pax.containsKey("uid")) {
                uid = Long.parseLong(new String(pax.get("uid"), StandardCharsets.UTF_8));
            }
            if (pax.containsKey("gid")) {
                gid = Long.parseLong(new String(pax.get("gid"), StandardCharsets.UTF_8));
            }
            out.add(new RawEntry(name, type, (int) num(h, 100, 8), uid, gid, uname, gname, num(h, 136, 12), size, link,
                    (int) num(h, 329, 8), (int) num(h, 337, 8), pax, data));
            pax = new LinkedHashMap<>();
        }
    }

    private static void parsePax(byte[] d, Map<String, byte[]> pax) {
        int i = 0;
        while (i < d.length) {
            int sp = i;
            while (d[sp] != ' ') {
                sp++;
            }
            int len = Integer.parseInt(new String(d, i, sp - i, StandardCharsets.US_ASCII));
            int eq = sp + 1;
            while (d[eq] != '=') {
                eq++;
            }
            String key = new String(d, sp + 1, eq - sp - 1, StandardCharsets.UTF_8);
            byte[] value = java.util.Arrays.copyOfRange(d, eq + 1, i + len - 1);
            pax.put(key, value);
            i += len;
        }
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static String str(byte[] h, int off, int len) {
        int end = off;
        while (end < off + len && h[end] != 0) {
            end++;
        }
        return new String(h, off, end - off, StandardCharsets.UTF_8);
    }

    private static long num(byte[] h, int off, int len) {
        if ((h[off] & 0x80) != 0) {
            long v = 0;
            for (int i = off + 1; i < off + len; i++) {
                v = (v << 8) | (h[i] & 0xff);
            }
            return v;
        }
        String s = str(h, off, len).trim();
        return s.isEmpty() ? 0 : Long.parseLong(s, 8);
    }
}
