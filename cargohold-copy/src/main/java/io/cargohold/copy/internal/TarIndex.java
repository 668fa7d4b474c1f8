package io.cargohold.copy.internal;

import io.cargohold.errors.CargoholdException;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.storage.archive.Compression;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * Random access to the files of an image archive (docker-archive, oci-archive), for hostile input:
 * the tar's headers are read once; only regular files are ever read; a symbolic or hard link is
 * followed only to a regular file inside the archive (never out of it, at most {@value #MAX_HOPS}
 * hops); names are cleaned as Go's {@code path.Clean} does, and the first entry of a name wins (as
 * containers/image's {@code findTarComponent}); at most {@value #MAX_ENTRIES} entries. A compressed
 * archive (gzip, zstd) is first decompressed into a temp file, as upstream does.
 */
public final class TarIndex implements Closeable {
    public static final int MAX_ENTRIES = 100_000;
    static final int MAX_HOPS = 16;

    private final Path file;
    private final String what;
    private final TarFile tar;
    private final Path tarPath;
    private final Path decompressed;
    private final Map<String, TarArchiveEntry> files = new HashMap<>();
    private final Map<String, String> links = new HashMap<>();
    private final List<String> order = new ArrayList<>();

    private TarIndex(Path file, String what, TarFile tar, Path tarPath, Path decompressed) throws CorruptException {
        this.file = file;
        this.tarPath = tarPath;
        this.what = what;
        this.tar = tar;
        this.decompressed = decompressed;
        List<TarArchiveEntry> entries = tar.getEntries();
        if (entries.size() > MAX_ENTRIES) {
            throw new CorruptException(what + " has " + entries.size() + " entries, more than " + MAX_ENTRIES);
        }
        for (TarArchiveEntry e : entries) {
            String name = clean(e.getName());
            if (files.containsKey(name) || links.containsKey(name)) {
                continue;
            }
            if (e.isSymbolicLink()) {
                links.put(name, resolve(name, e.getLinkName()));
            } else if (e.isLink()) {
                links.put(name, clean(e.getLinkName()));
            } else if (e.isFile() && !e.isSparse()) {
                files.put(name, e);
                order.add(name);
            }
        }
    }

    /** Opens an archive; {@code what} names it in messages ("docker archive /x.tar"); temp files go to {@code tmpDir}. */
    public static TarIndex open(Path file, String what, Path tmpDir) throws IOException {
        Path plain = null;
        try {
            // A FIFO, device or directory would block or fail obscurely: refuse it before opening it.
            var attrs = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
            if (!attrs.isRegularFile()) {
                throw new io.cargohold.errors.InvalidArgumentException(what + ": " + file + " is not a regular file ("
                        + (attrs.isDirectory() ? "a directory" : "a FIFO, socket or device") + "); give an archive file");
            }
            Compression c;
            try (InputStream in = Files.newInputStream(file)) {
                byte[] magic = in.readNBytes(8);
                c = Compression.detect(magic, magic.length);
            }
            Path tarPath = file;
            if (c != Compression.NONE) {
                Files.createDirectories(tmpDir);
                plain = Files.createTempFile(tmpDir, "cargohold-archive-", ".tar");
                try (InputStream in = c.decompress(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
                    Files.copy(in, plain, StandardCopyOption.REPLACE_EXISTING);
                }
                tarPath = plain;
            }
            TarFile tar = new TarFile(tarPath);
            try {
                return new TarIndex(file, what, tar, tarPath, plain);
            } catch (CorruptException e) {
                tar.close();
                throw e;
            }
        } catch (NoSuchFileException e) {
            deleteQuietly(plain);
            throw new NotFoundException("no such file: " + file, e);
        } catch (CargoholdException e) {
            deleteQuietly(plain);
            throw e;
        } catch (IOException | RuntimeException e) {
            deleteQuietly(plain);
            throw new CorruptException(what + " is truncated or not a tar: " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    /** The regular files' names, in archive order. */
    public List<String> names() {
        return Collections.unmodifiableList(order);
    }

    /** Whether {@code name} is (or links to) a regular file of the archive. */
    public boolean has(String name) {
        try {
            entry(name);
            return true;
        } catch (CorruptException e) {
            return false;
        }
    }

    /** The size of a file (after following links). */
    public long size(String name) throws CorruptException {
        return entry(name).getSize();
    }

    /**
     * Opens a file of the archive (after following links inside it). Each stream reads through its own
     * channel, so several may be read at once.
     */
    public InputStream open(String name) throws IOException {
        TarArchiveEntry e = entry(name);
        FileChannel ch = FileChannel.open(tarPath);
        long end = e.getDataOffset() + e.getSize();
        if (end > ch.size()) {
            ch.close();
            throw new CorruptException(what + " is truncated: " + name + " ends past the end of the file");
        }
        ch.position(e.getDataOffset());
        InputStream in = Channels.newInputStream(ch);
        return new FilterInputStream(in) {
            long left = e.getSize();

            @Override
            public int read() throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int b = super.read();
                if (b >= 0) {
                    left--;
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int n = super.read(b, off, (int) Math.min(len, left));
                if (n > 0) {
                    left -= n;
                }
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                long k = super.skip(Math.min(n, Math.max(left, 0)));
                left -= k;
                return k;
            }

            @Override
            public int available() {
                return 0;
            }
        };
    }

    /** Reads a small file whole; more than {@code limit} bytes is an error. */
    public byte[] read(String name, int limit) throws IOException {
        TarArchiveEntry e = entry(name);
        if (e.getSize() > limit) {
            throw new CorruptException(what + ": " + name + " is " + e.getSize() + " bytes, more than the " + limit + " allowed");
        }
        try (InputStream in = open(name)) {
            return in.readNBytes(limit + 1);
        }
    }

    /** Copies a file out (for extraction); the caller owns {@code out}. */
    public long copy(String name, OutputStream out) throws IOException {
        try (InputStream in = open(name)) {
            return in.transferTo(out);
        }
    }

    private TarArchiveEntry entry(String name) throws CorruptException {
        String n = clean(name);
        for (int hops = 0; links.containsKey(n); hops++) {
            if (hops >= MAX_HOPS) {
                throw new CorruptException(what + ": " + name + " is a chain of more than " + MAX_HOPS + " links");
            }
            n = links.get(n);
        }
        TarArchiveEntry e = files.get(n);
        if (e == null) {
            if (!n.equals(clean(name))) {
                throw new CorruptException(what + ": " + name + " links to " + n + ", which is not a regular file of the archive");
            }
            throw new CorruptException(what + " is incomplete: it lacks " + name);
        }
        return e;
    }

    /** Go's path.Clean of a relative archive name: no leading "/" or "./", no "." or empty elements, ".." applied. */
    public static String clean(String name) {
        List<String> out = new ArrayList<>();
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!out.isEmpty() && !out.getLast().equals("..")) {
                    out.removeLast();
                } else if (!name.startsWith("/")) {
                    out.add("..");
                }
                continue;
            }
            out.add(part);
        }
        return String.join("/", out);
    }

    private static String resolve(String linkName, String target) {
        if (target.startsWith("/")) {
            return clean(target);
        }
        int slash = linkName.lastIndexOf('/');
        return clean((slash < 0 ? "" : linkName.substring(0, slash + 1)) + target);
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a temp file
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            tar.close();
        } finally {
            deleteQuietly(decompressed);
        }
    }
}
