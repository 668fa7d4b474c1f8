package io.cargohold.storage.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.errors.CorruptException;
import io.cargohold.fs.Fsync;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reads and writes record and big-data files as upstream's atomic writer does: a temp file
 * {@code .tmp-<basename><random>} in the same directory, fdatasync, mode 0600, rename over the
 * target (and, beyond upstream, an fsync of the directory).
 */
final class RecordFiles {
    private RecordFiles() {
    }

    /** The parsed JSON array of a record file; an absent or empty file is an empty array. */
    static JsonNode readArray(Path file) throws IOException {
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        }
        if (raw.length == 0) {
            return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        }
        JsonNode n;
        try {
            n = GoJson.parse(raw);
        } catch (IOException e) {
            throw new CorruptException(file + " is not valid JSON: " + e.getMessage(), e);
        }
        if (n == null || n.isNull()) {
            return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        }
        if (!n.isArray()) {
            throw new CorruptException(file + " is not a JSON array");
        }
        return n;
    }

    static void write(Path target, byte[] content) throws IOException {
        write(target, out -> out.write(content));
    }

    @FunctionalInterface
    interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    static void write(Path target, Body body) throws IOException {
        Path dir = target.getParent();
        Path tmp = dir.resolve(".tmp-" + target.getFileName() + Long.toUnsignedString(ThreadLocalRandom.current().nextLong()));
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                OutputStream out = Channels.newOutputStream(ch);
                body.writeTo(out);
                out.flush();
                ch.force(false);
            }
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            done = true;
            Fsync.directory(dir);
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    static void copy(InputStream in, Path target) throws IOException {
        write(target, out -> {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
            }
        });
    }

    static void mkdirs(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }

    static void removeTree(Path p) throws IOException {
        Trees.removeAll(p);
    }

}
