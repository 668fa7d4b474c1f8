package io.cargohold.storage.internal.driver.overlay;

import io.cargohold.storage.internal.KernelRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The overlay driver's short names: a layer's {@code link} file holds a 26-character ID, and
 * {@code overlay/l/<ID>} is a symbolic link to {@code ../<layer>/diff}; a {@code lower} file lists
 * {@code l/<ID>} entries, topmost first, joined by {@code :} - short, so that up to 128 lower layers
 * fit in one page of mount data. Both as upstream v1.43.0 makes them ({@code generateID},
 * {@code getLower}); hand-written because the format is upstream's.
 */
public final class LinkIds {
    /** Upstream's idLength. */
    public static final int LENGTH = 26;
    /** Upstream's maxDepth: the most lower layers a mount takes. */
    public static final int MAX_DEPTH = 128;
    public static final String LINK_DIR = "l";
    private static final char[] BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();

    private final Random random;

    public LinkIds(Random random) {
        this.random = random;
    }

    private static final LinkIds SECURE = new LinkIds(KernelRandom.asRandom());

    /** IDs from the kernel's random generator (as upstream's, from crypto/rand). */
    public static LinkIds secure() {
        return SECURE;
    }

    /** {@code (26*5+7)/8} random bytes, base32 (standard alphabet), the first 26 characters. */
    public String next() {
        byte[] u = new byte[(LENGTH * 5 + 7) / 8];
        random.nextBytes(u);
        return base32(u).substring(0, LENGTH);
    }

    /** RFC 4648 base32 with the standard alphabet and padding, as Go's base32.StdEncoding. */
    static String base32(byte[] b) {
        StringBuilder s = new StringBuilder();
        int buffer = 0;
        int bits = 0;
        for (byte x : b) {
            buffer = (buffer << 8) | (x & 0xff);
            bits += 8;
            while (bits >= 5) {
                s.append(BASE32[(buffer >>> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0) {
            s.append(BASE32[(buffer << (5 - bits)) & 31]);
        }
        while (s.length() % 8 != 0) {
            s.append('=');
        }
        return s.toString();
    }

    /** Whether {@code s} could be one of our (or upstream's) link IDs. */
    public static boolean isLinkId(String s) {
        if (s.length() != LENGTH) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'A' && c <= 'Z') && !(c >= '2' && c <= '7')) {
                return false;
            }
        }
        return true;
    }

    /**
     * Upstream's getLower: the lower chain of a child of a layer whose link ID is {@code parentLink}
     * and whose own {@code lower} file holds {@code parentLower} (null when it has none).
     */
    public static String childLower(String parentLink, String parentLower) {
        String own = LINK_DIR + "/" + parentLink;
        return parentLower == null ? own : own + ":" + parentLower;
    }

    /** The entries of a {@code lower} file, topmost first (empty items kept out, as upstream's mount skips them). */
    public static List<String> split(String lower) {
        List<String> out = new ArrayList<>();
        if (lower == null) {
            return out;
        }
        for (String s : lower.split(":", -1)) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }
}
