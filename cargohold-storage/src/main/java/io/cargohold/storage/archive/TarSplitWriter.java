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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
    /** Entries handed to the writing thread at a time (one wake-up per batch, not per entry). */
    private static final int BATCH = 512;

    private final OutputStream out;
    private final Set<String> seen = new HashSet<>();
    private int position;
    /** The entries not handed over yet. */
    private List<Line> batch = new ArrayList<>(BATCH);
    /**
     * The thread that encodes the JSON lines and compresses them (~10 % of an apply's CPU, off the thread that
     * parses the tar and writes files): started with the first full batch, so a small layer's tar-split is
     * written on the caller's thread at {@link #close}. Batches are written in order.
     */
    private ExecutorService worker;
    private Future<?> last;
    private volatile IOException failure;

    /** One line: a segment (payload = the raw bytes) or a file (payload = its CRC-64, null without content). */
    private record Line(int type, byte[] name, long size, byte[] payload, int position) {
    }

    public TarSplitWriter(OutputStream target) throws IOException {
        this.out = new BufferedOutputStream(new GZIPOutputStream(new KeepOpenOutputStream(target), 1 << 16) {
            {
                def.setLevel(Deflater.BEST_SPEED);
            }
        }, 1 << 16);
    }

    /** A raw segment; {@code payload} is the writer's from now on. */
    public void segment(byte[] payload) throws IOException {
        add(new Line(SEGMENT, null, 0, payload, position++));
    }

    /** A file entry; {@code crc} null for entries without content. Duplicate names fail here, at once. */
    public void file(byte[] name, long size, byte[] crc) throws IOException {
        String clean = PathNames.clean(new String(name, StandardCharsets.ISO_8859_1));
        if (!seen.add(clean)) {
            throw new TarFormatException("duplicates of file paths not supported");
        }
        add(new Line(FILE, name, size, crc, position++));
    }

    private void add(Line l) throws IOException {
        batch.add(l);
        if (batch.size() == BATCH) {
            checkFailure();
            if (worker == null) {
                worker = Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "tar-split");
                    t.setDaemon(true);
                    return t;
                });
            }
            List<Line> full = batch;
            batch = new ArrayList<>(BATCH);
            last = worker.submit(() -> {
                if (failure == null) {
                    try {
                        write(full);
                    } catch (IOException | RuntimeException e) {
                        // kept for the caller, and no later batch is written after a lost one
                        failure = e instanceof IOException io ? io : new IOException(e.toString(), e);
                    }
                }
            });
        }
    }

    private void checkFailure() throws IOException {
        IOException e = failure;
        if (e != null) {
            throw new IOException("writing the tar-split: " + e.getMessage(), e);
        }
    }

    private void write(List<Line> lines) throws IOException {
        for (Line l : lines) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("type", l.type);
            if (l.type == SEGMENT) {
                e.put("payload", Base64.getEncoder().encodeToString(l.payload));
            } else {
                String utf8 = utf8OrNull(l.name);
                if (utf8 != null) {
                    if (!utf8.isEmpty()) {
                        e.put("name", utf8);
                    }
                } else {
                    e.put("name_raw", Base64.getEncoder().encodeToString(l.name));
                }
                if (l.size != 0) {
                    e.put("size", l.size);
                }
                e.put("payload", l.payload == null ? null : Base64.getEncoder().encodeToString(l.payload));
            }
            e.put("position", l.position);
            out.write(GoJson.write(e));
            out.write('\n');
        }
    }

    static String utf8OrNull(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** Writes what is left, waits for the writing thread and finishes the gzip stream; the target stays open. */
    @Override
    public void close() throws IOException {
        try {
            if (worker != null) {
                worker.shutdown();
                try {
                    last.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    worker.shutdownNow();
                    throw new java.io.InterruptedIOException("interrupted while writing the tar-split");
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IOException("writing the tar-split: " + e.getCause(), e.getCause());
                }
                checkFailure();
            }
            write(batch); // after the worker's last batch (Future.get: its writes are visible here)
            batch = new ArrayList<>();
        } finally {
            out.close();
        }
    }
}
