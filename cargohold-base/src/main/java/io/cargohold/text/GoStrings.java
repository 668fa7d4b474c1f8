package io.cargohold.text;

import java.util.List;

/**
 * Strings as Go's fmt and strconv write them, for messages that must read as upstream's
 * (containers/storage): the one implementation of Go's {@code %q} in Cargohold. Hand-written because
 * no Java library quotes as Go does (its escapes and its notion of a printable code point).
 */
public final class GoStrings {
    private GoStrings() {
    }

    /** Go's {@code %q} of a string ({@code strconv.Quote}): escapes as Go does, non-printable code points in hex. */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            switch (cp) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case 7 -> b.append("\\a");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case 11 -> b.append("\\v");
                default -> {
                    if (cp < 0x20 || cp == 0x7f) {
                        b.append(String.format("\\x%02x", cp));
                    } else if (cp == 0xfffd || isPrintable(cp)) {
                        b.appendCodePoint(cp);
                    } else if (cp < 0x10000) {
                        b.append(String.format("\\u%04x", cp));
                    } else {
                        b.append(String.format("\\U%08x", cp));
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** Go's {@code %q} of a {@code []string}: {@code ["a" "b"]}. */
    public static String quote(List<String> l) {
        StringBuilder b = new StringBuilder("[");
        for (String s : l) {
            if (b.length() > 1) {
                b.append(' ');
            }
            b.append(quote(s));
        }
        return b.append(']').toString();
    }

    /** Go's {@code strconv.ParseBool}: its six spellings of each value; null for anything else (its "invalid syntax"). */
    public static Boolean parseBool(String s) {
        return switch (s) {
            case "1", "t", "T", "true", "TRUE", "True" -> true;
            case "0", "f", "F", "false", "FALSE", "False" -> false;
            default -> null;
        };
    }

    /** Go's {@code strconv.IsPrint}, as far as the JDK's Unicode tables agree with Go's. */
    private static boolean isPrintable(int cp) {
        if (cp < 0x80) {
            return cp >= 0x20 && cp < 0x7f;
        }
        int t = Character.getType(cp);
        return t != Character.CONTROL && t != Character.FORMAT && t != Character.SURROGATE && t != Character.PRIVATE_USE
                && t != Character.UNASSIGNED && t != Character.LINE_SEPARATOR && t != Character.PARAGRAPH_SEPARATOR
                && (t != Character.SPACE_SEPARATOR || cp == 0x20);
    }
}
