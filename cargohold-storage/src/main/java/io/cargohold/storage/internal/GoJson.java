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
     * fraction's dot) dropped, {@code Z} for UTC, else {@code +hh:mm}.
     */
    private static final DateTimeFormatter RFC3339_NANO = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd'T'HH:mm:ss")
            .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
            .appendOffset("+HH:MM", "Z")
            .toFormatter(Locale.ROOT);

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

    /** Go's {@code time.Time} JSON form: RFC 3339 with up to nine fractional digits, trailing zeros dropped. */
    public static String time(OffsetDateTime t) {
        return RFC3339_NANO.format(t);
    }

    public static String time(Instant t) {
        return time(t.atOffset(ZoneOffset.UTC));
    }

    /** Parses any RFC 3339 time (as Go accepts), keeping its offset. */
    public static OffsetDateTime parseTime(String s) {
        return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
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
