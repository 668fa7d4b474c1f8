package io.cargohold.storage.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * JSON as Go's {@code encoding/json} (and json-iterator in compatible mode) writes it, which
 * containers/storage's record files use: compact, members in the order given (callers pass
 * {@link LinkedHashMap}s in struct declaration order), map keys sorted, {@code <}, {@code >} and
 * {@code &} escaped as {@code \\u003c}…, U+2028/U+2029 escaped, other control characters as
 * {@code \\u00XX} in lower-case hex except {@code \n}, {@code \r} and {@code \t}. Jackson does the
 * writing; only the escapes and the time format are Go's and need this class.
 */
public final class GoJson {
    private static final CharacterEscapes GO_ESCAPES = new CharacterEscapes() {
        private final int[] table;

        {
            table = standardAsciiEscapesForJSON();
            for (int c : new int[] {'<', '>', '&'}) {
                table[c] = ESCAPE_CUSTOM;
            }
            for (int c = 0; c < 0x20; c++) {
                if (c != '\n' && c != '\r' && c != '\t') {
                    table[c] = ESCAPE_CUSTOM;
                }
            }
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return table;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            if (ch < 0x80 && table[ch] != ESCAPE_CUSTOM && ch != 0x2028 && ch != 0x2029) {
                return null;
            }
            if (ch == 0x2028 || ch == 0x2029 || ch < 0x80) {
                return new SerializedString(String.format("\\u%04x", ch));
            }
            return null;
        }
    };

    /** Built on first use: an ObjectMapper costs ~20-30 ms to initialise, too much for a CLI that only lists. */
    private static final class Writer {
        static final ObjectMapper MAPPER = new ObjectMapper(new JsonFactory().setCharacterEscapes(GO_ESCAPES))
                .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, false)
                .configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
    }

    private static final class Reader {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    private static final JsonFactory PARSERS = new JsonFactory();

    /** Lenient reading, as Go reads: unknown members ignored. */
    public static ObjectMapper reader() {
        return Reader.MAPPER;
    }

    /**
     * Parses one JSON document into a tree with the streaming parser alone (no ObjectMapper): what the
     * record files and tar-split lines need, without databind's start-up cost. Lenient as Go: trailing
     * content after the document is ignored, a repeated member keeps its last value.
     */
    public static JsonNode parse(byte[] json) throws IOException {
        try (JsonParser p = PARSERS.createParser(json)) {
            return tree(p, p.nextToken());
        }
    }

    public static JsonNode parse(String json) throws IOException {
        try (JsonParser p = PARSERS.createParser(json)) {
            return tree(p, p.nextToken());
        }
    }

    private static JsonNode tree(JsonParser p, JsonToken t) throws IOException {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (t == null) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
        return switch (t) {
            case START_OBJECT -> {
                com.fasterxml.jackson.databind.node.ObjectNode o = f.objectNode();
                JsonToken k;
                while ((k = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    o.set(name, tree(p, p.nextToken()));
                }
                yield o;
            }
            case START_ARRAY -> {
                com.fasterxml.jackson.databind.node.ArrayNode a = f.arrayNode();
                JsonToken e;
                while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (e == null) {
                        throw new com.fasterxml.jackson.core.JsonParseException(p, "unexpected end of input in an array");
                    }
                    a.add(tree(p, e));
                }
                yield a;
            }
            case VALUE_STRING -> f.textNode(p.getText());
            case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                case INT -> f.numberNode(p.getIntValue());
                case LONG -> f.numberNode(p.getLongValue());
                default -> f.numberNode(p.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> f.numberNode(p.getDoubleValue());
            case VALUE_TRUE -> f.booleanNode(true);
            case VALUE_FALSE -> f.booleanNode(false);
            case VALUE_NULL -> f.nullNode();
            default -> throw new com.fasterxml.jackson.core.JsonParseException(p, "unexpected token " + t);
        };
    }

    /**
     * Go's {@code time.RFC3339Nano} layout ({@code 2006-01-02T15:04:05.999999999Z07:00}), which its
     * {@code Time.MarshalJSON} writes: up to nine fractional digits with trailing zeros (and a zero
     * fraction's dot) dropped, {@code Z} for UTC, else {@code +hh:mm}. Built at first use: {@link #time}
     * writes the usual times itself, and a short command should not pay for the pattern's parsing.
     */
    private static final class Rfc3339Nano {
        static final DateTimeFormatter FORMAT = new DateTimeFormatterBuilder()
                .appendPattern("yyyy-MM-dd'T'HH:mm:ss")
                .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
                .appendOffset("+HH:MM", "Z")
                .toFormatter(Locale.ROOT);
    }

    private GoJson() {
    }

    private static final JsonFactory GENERATORS = new JsonFactory().setCharacterEscapes(GO_ESCAPES)
            .configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);

    /** Serialises maps (in their own order; use {@link TreeMap} where Go sorts), lists and scalars. */
    public static byte[] write(Object value) {
        try {
            String s;
            if (plain(value, 0)) {
                // what the records and the CLI's output hold: written with jackson-core's generator alone, as
                // the ObjectMapper below writes them, without databind's start-up (its serializer factories,
                // ~20 ms of CPU at the first write and ~400 classes in the AOT caches of both CLIs)
                java.io.StringWriter w = new java.io.StringWriter();
                try (JsonGenerator g = GENERATORS.createGenerator(w)) {
                    writePlain(g, value);
                }
                s = w.toString();
            } else {
                s = Writer.MAPPER.writeValueAsString(value);
            }
            return goEscapes(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@link #write} through the ObjectMapper for every value (what the generator path is tested against). */
    static byte[] writeThroughMapper(Object value) {
        try {
            return goEscapes(Writer.MAPPER.writeValueAsString(value));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] goEscapes(String s) {
        // U+2028/U+2029 are not ASCII, so the escape table cannot catch them.
        return s.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * Whether {@link #writePlain} writes {@code v} as the ObjectMapper would: null, strings, booleans,
     * Integer, Long, BigInteger, Double, and lists and maps (String keys) of those; anything else goes
     * through the ObjectMapper.
     */
    static boolean plain(Object v, int depth) {
        if (depth > 1000) {
            return false;
        }
        if (v == null || v instanceof String || v instanceof Boolean || v instanceof Integer || v instanceof Long
                || v instanceof java.math.BigInteger || v instanceof Double) {
            return true;
        }
        if (v instanceof java.util.Collection<?> c) {
            for (Object e : c) {
                if (!plain(e, depth + 1)) {
                    return false;
                }
            }
            return true;
        }
        if (v instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String) || !plain(e.getValue(), depth + 1)) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    private static void writePlain(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof String str) {
            g.writeString(str);
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Integer i) {
            g.writeNumber(i);
        } else if (v instanceof Long l) {
            g.writeNumber(l);
        } else if (v instanceof java.math.BigInteger b) {
            g.writeNumber(b);
        } else if (v instanceof Double d) {
            g.writeNumber(d);
        } else if (v instanceof java.util.Collection<?> c) {
            g.writeStartArray();
            for (Object e : c) {
                writePlain(g, e);
            }
            g.writeEndArray();
        } else {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                g.writeFieldName((String) e.getKey());
                writePlain(g, e.getValue());
            }
            g.writeEndObject();
        }
    }

    /**
     * A plain value (maps, lists, strings, numbers, booleans, null) as a JSON tree, as
     * {@code reader().valueToTree(v)} makes it (without an ObjectMapper); other values go through it.
     */
    public static JsonNode tree(Object v) {
        if (!plain(v, 0)) {
            return reader().valueToTree(v);
        }
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (v == null) {
            return f.nullNode();
        } else if (v instanceof String str) {
            return f.textNode(str);
        } else if (v instanceof Boolean b) {
            return f.booleanNode(b);
        } else if (v instanceof Integer i) {
            return f.numberNode(i);
        } else if (v instanceof Long l) {
            return f.numberNode(l);
        } else if (v instanceof java.math.BigInteger b) {
            return f.numberNode(b);
        } else if (v instanceof Double d) {
            return f.numberNode(d);
        } else if (v instanceof java.util.Collection<?> c) {
            com.fasterxml.jackson.databind.node.ArrayNode a = f.arrayNode();
            for (Object e : c) {
                a.add(tree(e));
            }
            return a;
        }
        com.fasterxml.jackson.databind.node.ObjectNode o = f.objectNode();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
            o.set((String) e.getKey(), tree(e.getValue()));
        }
        return o;
    }

    /** A JSON tree as Go would re-encode a decoded {@code map[string]interface{}}: objects with sorted keys. */
    public static Object sorted(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isObject()) {
            Map<String, Object> m = new TreeMap<>();
            n.properties().forEach(e -> m.put(e.getKey(), sorted(e.getValue())));
            return m;
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            n.forEach(x -> l.add(sorted(x)));
            return l;
        }
        if (n.isTextual()) {
            return n.textValue();
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isIntegralNumber()) {
            return n.bigIntegerValue();
        }
        return n.doubleValue();
    }

    /**
     * Go's {@code time.Time} JSON form: RFC 3339 with up to nine fractional digits, trailing zeros dropped.
     * Years 1-9999 with an offset of whole minutes (every time a store holds) are written here digit by digit,
     * the rest by the formatter: java.time's formatting machinery costs a short command a few ms of
     * interpreted code at its first use (bench/README.md section 29.3); {@code GoJsonTest} checks the two agree.
     */
    public static String time(OffsetDateTime t) {
        int year = t.getYear();
        int offset = t.getOffset().getTotalSeconds();
        if (year < 1 || year > 9999 || offset % 60 != 0) {
            return Rfc3339Nano.FORMAT.format(t);
        }
        StringBuilder b = new StringBuilder(35);
        pad(b, year, 4).append('-');
        pad(b, t.getMonthValue(), 2).append('-');
        pad(b, t.getDayOfMonth(), 2).append('T');
        pad(b, t.getHour(), 2).append(':');
        pad(b, t.getMinute(), 2).append(':');
        pad(b, t.getSecond(), 2);
        int nano = t.getNano();
        if (nano != 0) {
            int digits = 9;
            while (nano % 10 == 0) {
                nano /= 10;
                digits--;
            }
            pad(b.append('.'), nano, digits);
        }
        if (offset == 0) {
            return b.append('Z').toString();
        }
        b.append(offset < 0 ? '-' : '+');
        int minutes = Math.abs(offset) / 60;
        pad(b, minutes / 60, 2).append(':');
        return pad(b, minutes % 60, 2).toString();
    }

    /** {@link #time} through the java.time formatter alone (what the digit-by-digit path is tested against). */
    static String timeByFormatter(OffsetDateTime t) {
        return Rfc3339Nano.FORMAT.format(t);
    }

    private static StringBuilder pad(StringBuilder b, int value, int width) {
        String v = Integer.toString(value);
        for (int i = v.length(); i < width; i++) {
            b.append('0');
        }
        return b.append(v);
    }

    public static String time(Instant t) {
        return time(t.atOffset(ZoneOffset.UTC));
    }

    /**
     * Parses any RFC 3339 time (as Go accepts), keeping its offset. The form Go writes
     * ({@code yyyy-MM-ddTHH:mm:ss[.fffffffff](Z|+hh:mm)}) is read digit by digit, anything else (and any
     * value that form cannot hold) by java.time's ISO parser, which then also gives the errors: its first
     * parse in a process runs ~5 ms of interpreted resolver code, and every store open parses the records'
     * times (bench/README.md section 29.3). {@code GoJsonTest} checks that both give the same for every input.
     */
    public static OffsetDateTime parseTime(String s) {
        OffsetDateTime t = parseGoTime(s);
        return t != null ? t : OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }

    /** {@code s} in the form Go writes, or null when it is not in that form or holds no valid time. */
    static OffsetDateTime parseGoTime(String s) {
        int n = s.length();
        if (n < 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
                || s.charAt(16) != ':') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if ((year | month | day | hour | minute | second) < 0) {
            return null;
        }
        int i = 19;
        int nano = 0;
        if (s.charAt(i) == '.') {
            int start = ++i;
            while (i < n && i - start < 9 && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                nano = nano * 10 + (s.charAt(i++) - '0');
            }
            if (i == start || i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                return null; // no digit, or more than nine
            }
            for (int k = i - start; k < 9; k++) {
                nano *= 10;
            }
        }
        try {
            ZoneOffset offset;
            if (i == n - 1 && s.charAt(i) == 'Z') {
                offset = ZoneOffset.UTC;
            } else if (i == n - 6 && (s.charAt(i) == '+' || s.charAt(i) == '-') && s.charAt(i + 3) == ':') {
                int oh = digits(s, i + 1, 2);
                int om = digits(s, i + 4, 2);
                if ((oh | om) < 0) {
                    return null;
                }
                offset = s.charAt(i) == '-' ? ZoneOffset.ofHoursMinutes(-oh, -om) : ZoneOffset.ofHoursMinutes(oh, om);
            } else {
                return null;
            }
            return OffsetDateTime.of(year, month, day, hour, minute, second, nano, offset);
        } catch (java.time.DateTimeException e) {
            return null; // out of range: the ISO parser says why
        }
    }

    /** The {@code len} ASCII digits at {@code from} as a number, or -1. */
    private static int digits(String s, int from, int len) {
        int v = 0;
        for (int i = from; i < from + len; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** An ordered JSON object under construction, with Go's {@code omitempty} rules. */
    public static final class Obj {
        private final LinkedHashMap<String, Object> m = new LinkedHashMap<>();

        public Obj put(String k, Object v) {
            m.put(k, v);
            return this;
        }

        /** Puts unless the value is "", 0, false, null or an empty list or map. */
        public Obj omitEmpty(String k, Object v) {
            boolean empty = v == null
                    || (v instanceof String s && s.isEmpty())
                    || (v instanceof Number n && n.longValue() == 0 && n.doubleValue() == 0)
                    || (v instanceof Boolean b && !b)
                    || (v instanceof java.util.Collection<?> c && c.isEmpty())
                    || (v instanceof Map<?, ?> mm && mm.isEmpty());
            if (!empty) {
                m.put(k, v);
            }
            return this;
        }

        public Map<String, Object> map() {
            return m;
        }
    }
}
