package io.cargohold.copy.internal;

import io.cargohold.digest.Digest;
import io.cargohold.digest.DigestingInputStream;
import io.cargohold.errors.CorruptException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Passes a blob through while checking it against what its descriptor promised: more bytes than the
 * size fail at once, a short stream or a different digest fail at the end of input (before a reader
 * that consumes to the end can commit anything).
 */
public final class VerifyingInputStream extends DigestingInputStream {
    private final Digest expected;
    private final long size;
    private final String what;
    /** Null until the end was reached; then TRUE, or the failure to report again. */
    private Object checked;

    /** {@code size} -1 = not known; {@code expected} null = not known (then only counted). */
    public VerifyingInputStream(InputStream in, Digest expected, long size, String what) {
        super(in, expected == null ? io.cargohold.digest.DigestAlgorithm.SHA256 : expected.algorithm());
        this.expected = expected;
        this.size = size;
        this.what = what;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (size >= 0 && count() > size) {
            throw new CorruptException(what + ": more than the " + size + " bytes its descriptor says");
        }
        return n;
    }

    @Override
    public int read() throws IOException {
        int n = super.read();
        if (size >= 0 && count() > size) {
            throw new CorruptException(what + ": more than the " + size + " bytes its descriptor says");
        }
        return n;
    }

    @Override
    protected void atEof() throws IOException {
        // a reader may hit the end more than once; the digest (which digest() resets) is checked the first time
        if (checked != null) {
            if (checked instanceof CorruptException e) {
                throw e;
            }
            return;
        }
        try {
            check();
            checked = Boolean.TRUE;
        } catch (CorruptException e) {
            checked = e;
            throw e;
        }
    }

    private void check() throws CorruptException {
        if (size >= 0 && count() != size) {
            throw new CorruptException(what + ": size mismatch: " + count() + " bytes, its descriptor says " + size);
        }
        if (expected != null) {
            Digest actual = digest();
            if (!actual.equals(expected)) {
                throw new CorruptException(what + ": digest mismatch: the content hashes to " + actual);
            }
        }
    }
}
