package io.cargohold.testkit.images;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** sha256 helpers; digests are always {@code sha256:<64 hex>}. */
final class Digests {
    private Digests() {}

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(byte[] bytes) {
        return "sha256:" + HexFormat.of().formatHex(sha256().digest(bytes));
    }

    static String hex(String digest) {
        if (!digest.startsWith("sha256:") || digest.length() != 71) {
            throw new IllegalArgumentException("not a sha256 digest: " + digest);
        }
        return digest.substring(7);
    }

    /** Counts and hashes what passes through; {@link #digest()} is valid once writing is over. */
    static final class HashingOutputStream extends FilterOutputStream {
        private final MessageDigest md = sha256();
        private long count;
        private String digest;

        HashingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            checkOpen();
            out.write(b);
            md.update((byte) b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            checkOpen();
            out.write(b, off, len);
            md.update(b, off, len);
            count += len;
        }

        private void checkOpen() {
            if (digest != null) {
                throw new IllegalStateException("digest already taken");
            }
        }

        long count() {
            return count;
        }

        /** The digest of everything written; writing afterwards is an error. */
        String digest() {
            if (digest == null) {
                digest = "sha256:" + HexFormat.of().formatHex(md.digest());
            }
            return digest;
        }
    }
}
