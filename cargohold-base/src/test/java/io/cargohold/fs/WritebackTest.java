package io.cargohold.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The write-out hints HashingCopy gives for the file it writes (sync_file_range). */
class WritebackTest {
    @TempDir
    Path tmp;

    @Test
    void hintsOncePerStepOfWrittenBytes() throws Exception {
        Path f = tmp.resolve("blob");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             Writeback wb = new Writeback(f, 100)) {
            ch.write(ByteBuffer.wrap(new byte[(int) (3 * Writeback.STEP)]));
            wb.written(100 + Writeback.STEP - 1);
            assertEquals(0, wb.hints(), "less than a step gathered");
            wb.written(100 + Writeback.STEP);
            assertEquals(1, wb.hints());
            wb.written(100 + Writeback.STEP + 5);
            assertEquals(1, wb.hints());
            wb.written(100 + 2 * Writeback.STEP + 5);
            assertEquals(2, wb.hints());
            assertFalse(wb.isOff());
        }
    }

    @Test
    void aFileThatCannotBeOpenedTurnsTheHintsOffAndNothingElse() throws Exception {
        Path f = tmp.resolve("blob");
        Files.write(f, new byte[16]);
        Path link = Files.createSymbolicLink(tmp.resolve("link"), f); // O_NOFOLLOW refuses it
        try (Writeback wb = new Writeback(link, 0)) {
            wb.written(Writeback.STEP);
            assertTrue(wb.isOff());
            wb.written(3 * Writeback.STEP);
            assertEquals(0, wb.hints());
        }
        try (Writeback none = new Writeback(null, 0)) {
            none.written(3 * Writeback.STEP);
            assertTrue(none.isOff());
        }
    }

    @Test
    void hashingCopyWithHintsWritesAndHashesEveryByte() throws Exception {
        byte[] data = new byte[(int) (2 * Writeback.STEP + 12_345)];
        new Random(3).nextBytes(data);
        for (String name : new String[] {"blob", "link"}) {
            Path f = tmp.resolve("target-" + name);
            Path given = name.equals("link") ? Files.createSymbolicLink(tmp.resolve("link"), f) : f;
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
                assertEquals(data.length, HashingCopy.copy(new ByteArrayInputStream(data), ch, md, data.length, data.length, given));
            }
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), md.digest(), name);
            byte[] got = Files.readAllBytes(f);
            assertArrayEquals(new byte[] {1, 2, 3}, Arrays.copyOf(got, 3), name);
            assertArrayEquals(data, Arrays.copyOfRange(got, 3, got.length), name);
        }
    }
}
