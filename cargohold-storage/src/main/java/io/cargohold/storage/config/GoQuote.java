package io.cargohold.storage.config;

import java.util.List;

/** Go's {@code %q} of a string and of a string slice ({@code strconv.Quote}), for messages that quote as upstream's do. */
final class GoQuote {
    private GoQuote() {
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                case 7 -> b.append("\\a");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                case 11 -> b.append("\\v");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\x%02x", c));
                    } else {
                        b.appendCodePoint(c);
                    }
                }
            }
        });
        return b.append('"').toString();
    }

    static String quote(List<String> l) {
        StringBuilder b = new StringBuilder("[");
        for (String s : l) {
            if (b.length() > 1) {
                b.append(' ');
            }
            b.append(quote(s));
        }
        return b.append(']').toString();
    }
}
