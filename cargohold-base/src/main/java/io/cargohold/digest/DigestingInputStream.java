package io.cargohold.digest;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/** Passes bytes through while digesting and counting them. */
public class DigestingInputStream extends FilterInputStream {
    private final DigestAlgorithm algorithm;
    private final MessageDigest md;
    private long count;

    public DigestingInputStream(InputStream in, DigestAlgorithm algorithm) {
        super(in);
        this.algorithm = algorithm;
        this.md = algorithm.newMessageDigest();
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            md.update((byte) b);
            count++;
        } else {
            atEof();
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
            md.update(b, off, n);
            count += n;
        } else if (n < 0) {
            atEof();
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        // Skipped bytes must still be digested.
        byte[] buf = new byte[(int) Math.min(8192, Math.max(n, 1))];
        long done = 0;
        while (done < n) {
            int r = read(buf, 0, (int) Math.min(buf.length, n - done));
            if (r < 0) {
                break;
            }
            done += r;
        }
        return done;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    /** Called once the underlying stream reports end of input; may throw to reject the content. */
    protected void atEof() throws IOException {
    }

    public long count() {
        return count;
    }

    /** The digest of everything read so far (do not read further afterwards). */
    public Digest digest() {
        return Digest.of(algorithm, md.digest());
    }
}
