package io.cargohold.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Go's {@code %q}, checked against what go1.19's strconv.Quote and fmt's %q print for the same strings. */
class GoStringsTest {
    @Test
    void quotesAsStrconvQuote() {
        assertEquals("\"plain/path with spaces\"", GoStrings.quote("plain/path with spaces"));
        // strconv.Quote("a\x07b\x00\x7f\u00a0\u200b\u2028\U0001F600\ufffd\U000E0001 \t\n\"\\")
        assertEquals("\"a\\ab\\x00\\x7f\\u00a0\\u200b\\u2028\uD83D\uDE00\uFFFD\\U000e0001 \\t\\n\\\"\\\\\"",
                GoStrings.quote("a\u0007b\u0000\u007f\u00a0\u200b\u2028\uD83D\uDE00\uFFFD\uDB40\uDC01 \t\n\"\\"));
        // strconv.Quote("\u0085\u00ad\U0010FFFF"), and the short escapes
        assertEquals("\"\\u0085\\u00ad\\U0010ffff\"", GoStrings.quote("\u0085\u00ad\uDBFF\uDFFF"));
        assertEquals("\"\\a\\b\\f\\n\\r\\t\\v\\x01\\x1f é\"", GoStrings.quote("\u0007\b\f\n\r\t\u000b\u0001\u001f é"));
    }

    @Test
    void quotesSlicesAsPercentQ() {
        // fmt.Sprintf("%q", []string{"a b", "c\n"}), and of an empty slice
        assertEquals("[\"a b\" \"c\\n\"]", GoStrings.quote(List.of("a b", "c\n")));
        assertEquals("[]", GoStrings.quote(List.of()));
    }

    @Test
    void parsesBoolsAsStrconvParseBool() {
        for (String t : List.of("1", "t", "T", "true", "TRUE", "True")) {
            assertEquals(Boolean.TRUE, GoStrings.parseBool(t), t);
        }
        for (String f : List.of("0", "f", "F", "false", "FALSE", "False")) {
            assertEquals(Boolean.FALSE, GoStrings.parseBool(f), f);
        }
        for (String bad : List.of("", "yes", "tRUE", "01", " true", "on")) {
            assertEquals(null, GoStrings.parseBool(bad), bad);
        }
    }
}
