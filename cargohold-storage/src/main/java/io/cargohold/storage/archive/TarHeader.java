package io.cargohold.storage.archive;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One entry of a layer tar as Go's {@code archive/tar} reports it: GNU long names and PAX records
 * already applied. {@code name} and {@code linkName} are the raw bytes of the archive (Go strings);
 * {@code size} is the logical size (for sparse files the expanded size), {@code storedSize} the
 * number of data bytes that follow the header in the archive. Times are in ns since the epoch;
 * {@code atimeNanos} is {@link Long#MIN_VALUE} when the archive has none.
 */
public record TarHeader(byte[] name, byte[] linkName, char type, long mode, long uid, long gid, String uname, String gname,
                        long size, long storedSize, long mtimeNanos, long atimeNanos, long devMajor, long devMinor,
                        Map<String, byte[]> xattrs, List<long[]> sparse) {
    public static final char REG = '0', LINK = '1', SYMLINK = '2', CHAR = '3', BLOCK = '4', DIR = '5', FIFO = '6',
            CONT = '7', GLOBAL = 'g';

    public String nameString() {
        return new String(name, StandardCharsets.UTF_8);
    }

    public String linkString() {
        return new String(linkName, StandardCharsets.UTF_8);
    }

    public boolean isRegular() {
        return type == REG || type == CONT;
    }

    /** Types whose header size Go ignores: no data follows them. */
    public static boolean headerOnly(char type) {
        return type == LINK || type == SYMLINK || type == CHAR || type == BLOCK || type == DIR || type == FIFO;
    }
}
