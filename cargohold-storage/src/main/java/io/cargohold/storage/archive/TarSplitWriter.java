package io.cargohold.storage.archive;

import io.cargohold.storage.internal.GoJson;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a tar-split stream ({@code ID.tar-split.gz}) as vbatts/tar-split v0.11.2's JSON packer
 * does: one gzip stream of JSON lines, {@code type} 1 for a file (its name, size and the CRC-64 of
 * its content, read back from the layer tree on reassembly) and 2 for raw segments, each with its
 * {@code position}. Duplicate file names are refused as upstream's packer refuses them.
 */
public final class TarSplitWriter implements AutoCloseable {
    public static final int FILE = 1;
    public static final int SEGMENT = 2;

    private final OutputStream out;
    private final Set<String> seen = new HashSet<>();
    private int position;

    public TarSplitWriter(OutputStream target) throws IOException {
        this.out = new BufferedOutputStream(new GZIPOutputStream(new KeepOpenOutputStream(target), 1 << 16) {
            {
                def.setLevel(Deflater.BEST_SPEED);
            }
        }, 1 << 16);
    }

    public void segment(byte[] payload) throws IOException {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("type", SEGMENT);
        e.put("payload", Base64.getEncoder().encodeToString(payload));
        e.put("position", position++);
        write(e);
    }

    /** A file entry; {@code crc} null for entries without content. */
    public void file(byte[] name, long size, byte[] crc) throws IOException {
        String clean = PathNames.clean(new String(name, StandardCharsets.ISO_8859_1));
        if (!seen.add(clean)) {
            throw new TarFormatException("duplicates of file paths not supported");
        }
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("type", FILE);
        String utf8 = utf8OrNull(name);
        if (utf8 != null) {
            if (!utf8.isEmpty()) {
                e.put("name", utf8);
            }
        } else {
            e.put("name_raw", Base64.getEncoder().encodeToString(name));
        }
        if (size != 0) {
            e.put("size", size);
        }
        e.put("payload", crc == null ? null : Base64.getEncoder().encodeToString(crc));
        e.put("position", position++);
        write(e);
    }

    private void write(Map<String, Object> e) throws IOException {
        out.write(GoJson.write(e));
        out.write('\n');
    }

    static String utf8OrNull(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** Finishes the gzip stream; the target stays open. */
    @Override
    public void close() throws IOException {
        out.close();
    }
}
