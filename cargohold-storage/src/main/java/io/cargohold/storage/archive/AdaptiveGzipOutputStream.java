package io.cargohold.storage.archive;

import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * gzip that stops trying to compress what does not compress: layers are often mostly compressed
 * or random data, on which zlib spends ~25 ms per MiB for nothing (upstream's pgzip stores such
 * blocks; bench/README.md section 10). Each 256 KiB chunk that shrinks by less than 3 % switches
 * the next 16 chunks to stored blocks; then compression is tried again. The output is ordinary gzip.
 */
final class AdaptiveGzipOutputStream extends GZIPOutputStream {
    private static final int CHUNK = 1 << 18;
    private static final int STORED_CHUNKS = 16;

    private int storedLeft;

    AdaptiveGzipOutputStream(OutputStream out) throws IOException {
        super(out, 1 << 16);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n = Math.min(len, CHUNK);
            boolean trying = storedLeft == 0;
            def.setLevel(trying ? Deflater.DEFAULT_COMPRESSION : Deflater.NO_COMPRESSION);
            long in0 = def.getBytesRead();
            long out0 = def.getBytesWritten();
            super.write(b, off, n);
            if (trying) {
                long read = def.getBytesRead() - in0;
                long written = def.getBytesWritten() - out0;
                if (read >= CHUNK / 2 && written * 100 > read * 97) {
                    storedLeft = STORED_CHUNKS;
                }
            } else {
                storedLeft--;
            }
            off += n;
            len -= n;
        }
    }
}
