package io.cargohold.storage.check;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;

/**
 * What a store check does. The quick check compares every layer's tree with what its tar-split
 * records (names, types, sizes, modes, owners, link targets, times) and the diff size, reading no
 * file's content; the full check also reads every file a layer's diff holds once and recomputes the
 * layer's diff digest (when it does not match, the files are read again with their CRC-64s to name the
 * damaged ones). Unreferenced layers are reported once they are
 * older than {@code maxUnreferencedAge} (upstream's default: 24 hours).
 */
public record CheckOptions(boolean content, Duration maxUnreferencedAge) {
    public static final Duration DEFAULT_MAX_UNREFERENCED_AGE = Duration.ofHours(24);

    public CheckOptions {
        Objects.requireNonNull(maxUnreferencedAge, "maxUnreferencedAge");
    }

    /** Everything (upstream's CheckEverything). */
    public static CheckOptions full() {
        return new CheckOptions(true, DEFAULT_MAX_UNREFERENCED_AGE);
    }

    /** Everything but reading the layers' file contents. */
    public static CheckOptions quick() {
        return new CheckOptions(false, DEFAULT_MAX_UNREFERENCED_AGE);
    }

    public CheckOptions withMaxUnreferencedAge(Duration age) {
        return new CheckOptions(content, age);
    }

    /** Go's {@code time.ParseDuration} (as upstream's {@code --max} is read), with its error texts as the exception's message. */
    public static Duration parseDuration(String s) {
        String orig = s;
        String quoted = timeQuote(orig);
        boolean neg = false;
        if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
            neg = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("time: invalid duration " + quoted);
        }
        BigDecimal total = BigDecimal.ZERO;
        int i = 0;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (isAsciiDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            String num = s.substring(start, i);
            if (num.isEmpty() || num.equals(".") || num.chars().filter(c -> c == '.').count() > 1) {
                throw new IllegalArgumentException("time: invalid duration " + quoted);
            }
            int u = i;
            while (i < s.length() && !isAsciiDigit(s.charAt(i)) && s.charAt(i) != '.') {
                i++;
            }
            String unit = s.substring(u, i);
            if (unit.isEmpty()) {
                throw new IllegalArgumentException("time: missing unit in duration " + quoted);
            }
            long nanos = switch (unit) {
                case "ns" -> 1L;
                case "us", "\u00b5s", "\u03bcs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                default -> throw new IllegalArgumentException("time: unknown unit " + timeQuote(unit) + " in duration " + quoted);
            };
            total = total.add(new BigDecimal(num.startsWith(".") ? "0" + num : num).multiply(BigDecimal.valueOf(nanos)));
        }
        if (total.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("time: invalid duration " + quoted);
        }
        long n = total.longValue();
        return Duration.ofNanos(neg ? -n : n);
    }

    /** Go's ParseDuration takes '0'-'9' only (Character.isDigit would take any script's digits). */
    private static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /**
     * Go's {@code time.quote}, which its duration errors use: not strconv.Quote, but every byte of a
     * non-ASCII or control character as {@code \xNN}, and only {@code "} and {@code \} escaped.
     */
    static String timeQuote(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            if (c >= 0x80 || c < ' ') {
                for (byte x : new String(Character.toChars(c)).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                    b.append(String.format("\\x%02x", x & 0xff));
                }
            } else {
                if (c == '"' || c == '\\') {
                    b.append('\\');
                }
                b.append((char) c);
            }
        });
        return b.append('"').toString();
    }
}
