package io.cargohold.storage.archive;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.storage.internal.GoJson;
import java.io.IOException;

/**
 * One line of a tar-split stream ({@code {"type":1,"name":"etc/hosts","size":48,"payload":"…","position":5}}),
 * read by a small scanner of its own: a store check reads every line of every layer's tar-split, and
 * building a JSON tree per line was most of a cold check's time. Anything the scanner does not expect
 * (another member, a nested value) goes through the general JSON parser instead.
 */
record TarSplitLine(int type, String name, String nameRaw, long size, String payload) {

    static TarSplitLine parse(String line) throws IOException {
        TarSplitLine fast = scan(line);
        return fast != null ? fast : general(line);
    }

    private static TarSplitLine general(String line) throws IOException {
        JsonNode e = GoJson.parse(line);
        JsonNode p = e.get("payload");
        return new TarSplitLine(e.path("type").asInt(), e.hasNonNull("name") ? e.get("name").asText() : null,
                e.hasNonNull("name_raw") ? e.get("name_raw").asText() : null, e.path("size").asLong(0),
                p == null || p.isNull() ? null : p.asText());
    }

    /** The common shape only; null for anything else. */
    private static TarSplitLine scan(String s) {
        int n = s.length();
        int i = 0;
        if (n < 2 || s.charAt(0) != '{') {
            return null;
        }
        i++;
        int type = 0;
        String name = null;
        String nameRaw = null;
        long size = 0;
        String payload = null;
        StringBuilder sb = new StringBuilder();
        while (i < n) {
            char c = s.charAt(i);
            if (c == '}') {
                return i == n - 1 ? new TarSplitLine(type, name, nameRaw, size, payload) : null;
            }
            if (c == ',') {
                i++;
                continue;
            }
            if (c != '"') {
                return null;
            }
            int k = s.indexOf('"', i + 1);
            if (k < 0 || k + 1 >= n || s.charAt(k + 1) != ':') {
                return null;
            }
            String key = s.substring(i + 1, k);
            i = k + 2;
            if (i >= n) {
                return null;
            }
            char v = s.charAt(i);
            if (v == '"') {
                sb.setLength(0);
                i = string(s, i + 1, sb);
                if (i < 0) {
                    return null;
                }
                switch (key) {
                    case "name" -> name = sb.toString();
                    case "name_raw" -> nameRaw = sb.toString();
                    case "payload" -> payload = sb.toString();
                    default -> {
                        return null;
                    }
                }
            } else if (v == 'n' && s.startsWith("null", i)) {
                i += 4;
            } else if (v == '-' || (v >= '0' && v <= '9')) {
                int start = i;
                i++;
                while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                    i++;
                }
                if (i < n && (s.charAt(i) == '.' || s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
                    return null;
                }
                long num;
                try {
                    num = Long.parseLong(s, start, i, 10);
                } catch (NumberFormatException e) {
                    return null;
                }
                switch (key) {
                    case "type" -> type = (int) num;
                    case "size" -> size = num;
                    case "position" -> {
                        // not needed
                    }
                    default -> {
                        return null;
                    }
                }
            } else {
                return null;
            }
        }
        return null;
    }

    /** Reads a JSON string body from {@code i} (after the quote) into {@code sb}; returns the index after the closing quote, or -1. */
    private static int string(String s, int i, StringBuilder sb) {
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i++);
            if (c == '"') {
                return i;
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (i >= n) {
                return -1;
            }
            char e = s.charAt(i++);
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (i + 4 > n) {
                        return -1;
                    }
                    try {
                        sb.append((char) Integer.parseInt(s, i, i + 4, 16));
                    } catch (NumberFormatException x) {
                        return -1;
                    }
                    i += 4;
                }
                default -> {
                    return -1;
                }
            }
        }
        return -1;
    }
}
