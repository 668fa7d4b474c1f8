package io.cargohold.registry;

import io.cargohold.digest.Digest;
import io.cargohold.errors.CargoholdException;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.UnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;

/**
 * A blob download that survives dropped connections: when a read fails (a reset, a timeout, an early
 * end before the known size), it asks again with {@code Range: bytes=POS-} and goes on from the byte
 * where it stopped, up to the client's retry count (the count restarts once bytes flow again). A
 * registry that ignores the range (200 instead of 206) is read from the start with the bytes already
 * had skipped. Digests are the caller's to check.
 */
public final class BlobStream extends InputStream {
    private final RegistryClient client;
    private final String repo;
    private final Digest digest;
    private final long size;
    private long pos;
    private InputStream in;
    private int failures;
    private int resumes;
    private RegistryClient.ResumeListener listener;
    private boolean closed;

    BlobStream(RegistryClient client, String repo, Digest digest, long size, long offset) {
        this.client = client;
        this.repo = repo;
        this.digest = digest;
        this.size = size;
        this.pos = offset;
    }

    /** Told of each resume after a dropped connection. */
    public BlobStream onResume(RegistryClient.ResumeListener l) {
        this.listener = l;
        return this;
    }

    /** How many times the download was resumed after a failure. */
    public int resumes() {
        return resumes;
    }

    public long position() {
        return pos;
    }

    void open() throws IOException {
        HttpResponse<InputStream> r = client.openRange(repo, digest, pos);
        InputStream body = r.body();
        if (pos > 0) {
            if (r.statusCode() == 200) {
                body.skipNBytes(pos);
            } else {
                String cr = r.headers().firstValue("Content-Range").orElse("");
                // bytes START-END/TOTAL
                String s = cr.startsWith("bytes ") ? cr.substring(6) : cr;
                int dash = s.indexOf('-');
                if (dash <= 0 || Long.parseLong(s.substring(0, dash).trim()) != pos) {
                    body.close();
                    throw new CorruptException("reading blob " + digest + " in " + client.host() + "/" + repo
                            + ": asked for bytes from " + pos + ", the registry sent Content-Range \"" + cr + "\"");
                }
            }
        }
        in = body;
    }

    @Override
    public int read() throws IOException {
        byte[] b = new byte[1];
        int n = read(b, 0, 1);
        return n < 0 ? -1 : b[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        if (len == 0) {
            return 0;
        }
        while (true) {
            IOException failure;
            try {
                int n = in.read(b, off, len);
                if (n > 0) {
                    pos += n;
                    failures = 0;
                    return n;
                }
                if (n < 0 && (size < 0 || pos >= size)) {
                    return -1;
                }
                failure = new IOException("connection closed after " + pos + " of " + size + " bytes");
            } catch (CargoholdException e) {
                throw e;
            } catch (IOException e) {
                failure = e;
            }
            // dropped: resume from pos when the size is known and retries are left
            try {
                in.close();
            } catch (IOException ignored) {
                // the connection is gone anyway
            }
            // failures count again from 0 once bytes flow; a registry that trickles and stalls for ever is stopped by the total
            if (size < 0 || failures >= client.options().retryTimes() || resumes >= 10 * Math.max(1, client.options().retryTimes())) {
                throw new UnavailableException("reading blob " + digest + " in " + client.host() + "/" + repo + ": "
                        + RegistryClient.describe(failure) + " (at byte " + pos + (size >= 0 ? " of " + size : "") + ")", failure);
            }
            RegistryClient.sleep(client.backoff(failures++, null));
            resumes++;
            if (listener != null) {
                listener.resumed(digest, pos);
            }
            open();
        }
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            if (in != null) {
                in.close();
            }
        }
    }
}
