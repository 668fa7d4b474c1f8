package io.cargohold.copy.dockerarchive;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The bits of Go's {@code encoding/json} that decide the bytes of docker-archive's legacy layer
 * metadata (whose digests are the legacy layer IDs): {@code compact} with HTML escaping of a raw
 * value, and a map marshalled with sorted keys.
 */
final class GoJson {
    private GoJson() {
    }

    /** A raw JSON value as Go's Marshal emits a {@code json.RawMessage}: whitespace out, {@code <>&} U+2028 U+2029 escaped. */
    static String compact(byte[] raw) {
        String s = new String(raw, StandardCharsets.UTF_8);
        StringBuilder b = new StringBuilder(s.length());
        boolean inString = false;
        boolean escaped = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (c == '\\') {
                    escaped = true;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                continue;
            }
            switch (c) {
                case '<' -> b.append("\\u003c");
                case '>' -> b.append("\\u003e");
                case '&' -> b.append("\\u0026");
                case '\u2028' -> b.append("\\u2028");
                case '\u2029' -> b.append("\\u2029");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** A string as Go quotes it (the values here are hex and digests; escapes kept for safety). */
    static String quote(String v) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : v.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '<' -> b.append("\\u003c");
                case '>' -> b.append("\\u003e");
                case '&' -> b.append("\\u0026");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** A {@code map[string]interface{}} whose values are already JSON text, keys sorted as Go does. */
    static byte[] object(Map<String, String> jsonValues) {
        StringBuilder b = new StringBuilder("{");
        boolean first = true;
        for (var e : new TreeMap<>(jsonValues).entrySet()) {
            if (!first) {
                b.append(',');
            }
            first = false;
            b.append(quote(e.getKey())).append(':').append(e.getValue());
        }
        return b.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The top-level members of a JSON object as Go's {@code map[string]*json.RawMessage} holds them, each
     * value as Marshal would write it back (compacted, HTML-escaped); the last of duplicate keys wins.
     */
    static Map<String, String> rawMembers(byte[] json) throws java.io.IOException {
        Map<String, String> out = new java.util.HashMap<>();
        try (JsonParser p = new JsonFactory().createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new io.cargohold.errors.CorruptException("unmarshaling config: not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                int start = (int) p.currentTokenLocation().getByteOffset();
                p.skipChildren();
                p.finishToken();
                int end = (int) p.currentLocation().getByteOffset();
                byte[] raw = java.util.Arrays.copyOfRange(json, start, end);
                out.put(name, compact(raw));
            }
        }
        return out;
    }
}
