package io.cargohold.storage.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class GoJsonTest {
    static String json(Object o) {
        return new String(GoJson.write(o), StandardCharsets.UTF_8);
    }

    @Test
    void escapesAsGoDoes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "<a href=\"x\">&</a>\u2028\u2029\u0001\b\f\n\t\r é");
        assertEquals("{\"s\":\"\\u003ca href=\\\"x\\\"\\u003e\\u0026\\u003c/a\\u003e\\u2028\\u2029\\u0001\\u0008\\u000c\\n\\t\\r é\"}", json(m));
    }

    @Test
    void compactOrderedWithSortedMaps() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", "x");
        m.put("z", new TreeMap<>(Map.of("b", 2, "a", 1)));
        m.put("l", List.of(1, 2));
        assertEquals("{\"id\":\"x\",\"z\":{\"a\":1,\"b\":2},\"l\":[1,2]}", json(m));
    }

    @Test
    void timesAsRfc3339NanoWithTrailingZerosDropped() {
        assertEquals("2026-11-23T01:47:03.381885692Z", GoJson.time(OffsetDateTime.parse("2026-11-23T01:47:03.381885692Z")));
        assertEquals("2026-11-23T01:47:03.3Z", GoJson.time(OffsetDateTime.parse("2026-11-23T01:47:03.300Z")));
        assertEquals("2026-11-23T01:47:03Z", GoJson.time(OffsetDateTime.parse("2026-11-23T01:47:03Z")));
        assertEquals("0001-01-01T00:00:00Z", GoJson.time(Records.ZERO_TIME));
        assertEquals("2020-01-02T03:04:05.5+02:00", GoJson.time(GoJson.parseTime("2020-01-02T03:04:05.500+02:00")));
        // what go1.19's json.Marshal writes for these (an offset's seconds are not written)
        assertEquals("2020-01-02T03:04:05.5+05:30", GoJson.time(OffsetDateTime.of(2020, 1, 2, 3, 4, 5, 500_000_000,
                java.time.ZoneOffset.ofHoursMinutesSeconds(5, 30, 45))));
        assertEquals("0001-01-01T00:00:00.000000001-03:15", GoJson.time(OffsetDateTime.of(1, 1, 1, 0, 0, 0, 1,
                java.time.ZoneOffset.ofHoursMinutes(-3, -15))));
    }

    /**
     * The java.time formatter writes what the hand-written formatter it replaced wrote (kept here as the
     * reference), for any time of years 1-9999 at any whole-minute offset.
     */
    @Property(tries = 500)
    void timesAsTheHandWrittenFormatterWroteThem(@ForAll @LongRange(min = -62135596800L, max = 253402300799L) long epochSecond,
                                                 @ForAll @IntRange(min = 0, max = 999_999_999) int nanos,
                                                 @ForAll @IntRange(min = -18 * 60, max = 18 * 60) int offsetMinutes) {
        OffsetDateTime t = java.time.Instant.ofEpochSecond(epochSecond, nanos % 4 == 0 ? nanos / 1000 * 1000 : nanos)
                .atOffset(java.time.ZoneOffset.ofTotalSeconds(offsetMinutes % 3 == 0 ? 0 : offsetMinutes * 60));
        if (t.getYear() < 1 || t.getYear() > 9999) {
            return;
        }
        assertEquals(handWritten(t), GoJson.time(t));
    }

    /** The digit-by-digit writing of the usual times gives what the java.time formatter gives, for any time and offset. */
    @Property(tries = 1000)
    void timesAreWrittenAsTheFormatterWritesThem(@ForAll @LongRange(min = -70_000_000_000L, max = 260_000_000_000L) long epochSecond,
                                                  @ForAll @IntRange(min = 0, max = 999_999_999) int nanos,
                                                  @ForAll @IntRange(min = 0, max = 9) int zeros,
                                                  @ForAll @IntRange(min = -18 * 3600, max = 18 * 3600) int offsetSeconds) {
        int n = nanos;
        for (int i = 0; i < zeros; i++) {
            n = n / 10 * 10; // trailing zeros, up to a whole second
        }
        int offset = switch (Math.floorMod(offsetSeconds, 4)) {
            case 0 -> 0;
            case 1 -> offsetSeconds; // with seconds: the formatter's path
            default -> offsetSeconds / 60 * 60;
        };
        OffsetDateTime t = java.time.Instant.ofEpochSecond(epochSecond, n).atOffset(java.time.ZoneOffset.ofTotalSeconds(offset));
        assertEquals(GoJson.timeByFormatter(t), GoJson.time(t));
    }

    /** Go's form read digit by digit: the same time or the same refusal as java.time's ISO parser, for that form and near misses. */
    @Property(tries = 3000)
    void timesAreReadAsTheIsoParserReadsThem(@ForAll @LongRange(min = -70_000_000_000L, max = 260_000_000_000L) long epochSecond,
                                             @ForAll @IntRange(min = 0, max = 999_999_999) int nanos,
                                             @ForAll @IntRange(min = -18 * 60, max = 18 * 60) int offsetMinutes,
                                             @ForAll @IntRange(min = 0, max = 3) int edits, @ForAll long seed) {
        OffsetDateTime t = java.time.Instant.ofEpochSecond(epochSecond, nanos % 3 == 0 ? nanos / 1000 * 1000 : nanos)
                .atOffset(java.time.ZoneOffset.ofTotalSeconds(offsetMinutes % 3 == 0 ? 0 : offsetMinutes * 60));
        StringBuilder s = new StringBuilder(GoJson.timeByFormatter(t));
        java.util.Random r = new java.util.Random(seed);
        String alphabet = "0123456789012345678901234567890123456789-:T.Z+tz 9";
        for (int i = 0; i < edits && s.length() > 0; i++) {
            int at = r.nextInt(s.length());
            switch (r.nextInt(3)) {
                case 0 -> s.setCharAt(at, alphabet.charAt(r.nextInt(alphabet.length())));
                case 1 -> s.deleteCharAt(at);
                default -> s.insert(at, alphabet.charAt(r.nextInt(alphabet.length())));
            }
        }
        assertReadAsIso(s.toString());
    }

    @Test
    void timesAtTheEdgesAreReadAsTheIsoParserReadsThem() {
        for (String s : List.of("2026-12-05T14:07:15.826692834Z", "2026-12-05T14:07:15Z", "2026-12-05T14:07:15.5+05:30",
                "2026-12-05T14:07:15-00:00", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999-18:00",
                "2023-02-29T00:00:00Z", "2024-02-29T00:00:00Z", "2026-12-05T24:00:00Z", "2026-12-05T23:59:60Z",
                "2026-13-05T00:00:00Z", "2026-12-32T00:00:00Z", "2026-12-05T14:60:00Z", "2026-12-05T14:07:15+18:01",
                "2026-12-05T14:07:15+18:00", "2026-12-05T14:07:15+05:60", "2026-12-05T14:07:15.1234567891Z",
                "2026-12-05T14:07:15.Z", "2026-12-05t14:07:15z", "2026-12-05T14:07:15+05:30:15", "2026-12-05T14:07:15+0530",
                "2026-12-05T14:07Z", "+2026-12-05T14:07:15Z", "12026-12-05T14:07:15Z", "2026-12-05T14:07:15", "2026-12-05 14:07:15Z",
                "２026-12-05T14:07:15Z", "2026-12-05T14:07:15.000000000Z", "2026-12-05T14:07:15Z ", "")) {
            assertReadAsIso(s);
        }
    }

    private static void assertReadAsIso(String s) {
        Object iso;
        try {
            iso = OffsetDateTime.parse(s, java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        } catch (java.time.format.DateTimeParseException e) {
            iso = "refused";
        }
        Object ours;
        try {
            ours = GoJson.parseTime(s);
        } catch (java.time.format.DateTimeParseException e) {
            ours = "refused";
        }
        assertEquals(iso, ours, s);
    }

    private static String handWritten(OffsetDateTime t) {
        StringBuilder sb = new StringBuilder(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").format(t));
        int nanos = t.getNano();
        if (nanos != 0) {
            String frac = String.format("%09d", nanos);
            int end = frac.length();
            while (frac.charAt(end - 1) == '0') {
                end--;
            }
            sb.append('.').append(frac, 0, end);
        }
        return sb.append(t.getOffset().getTotalSeconds() == 0 ? "Z" : t.getOffset().getId()).toString();
    }

    @Test
    void aLayerRecordLooksLikeUpstreamsObservedExample() throws Exception {
        String upstream = "[{\"id\":\"a97f\",\"names\":[\"imp\"],\"created\":\"2026-11-23T01:47:03.381885692Z\","
                + "\"compressed-diff-digest\":\"sha256:266b\",\"compressed-size\":248,\"diff-digest\":\"sha256:f67d\",\"diff-size\":10252,"
                + "\"compression\":2,\"uidset\":[0,1000],\"gidset\":[0,1001]}]";
        List<Object> out = new java.util.ArrayList<>();
        for (var n : GoJson.reader().readTree(upstream)) {
            out.add(Records.LayerRec.from(n).json());
        }
        assertEquals(upstream, json(out), "read and written back byte for byte");
        String flagged = "{\"id\":\"b\",\"created\":\"0001-01-01T00:00:00Z\",\"flags\":{\"incomplete\":true,\"a\":{\"y\":1,\"x\":[true]}}}";
        var rec = Records.LayerRec.from(GoJson.reader().readTree(flagged));
        assertEquals(true, rec.incomplete());
        assertEquals("{\"id\":\"b\",\"created\":\"0001-01-01T00:00:00Z\",\"flags\":{\"a\":{\"x\":[true],\"y\":1},\"incomplete\":true}}", json(rec.json()));
    }

    /**
     * Plain values (what records and the CLI print: maps, lists, strings, Integer, Long, BigInteger, Double,
     * booleans, null) are written by jackson-core's generator without the ObjectMapper: byte for byte what
     * the ObjectMapper wrote, for random nested values with Go's escapes, and as trees equal to valueToTree's.
     */
    @Property(tries = 300)
    void plainValuesAreWrittenAsTheObjectMapperWritesThem(@ForAll long seed) {
        Object v = randomValue(new java.util.Random(seed), 0);
        assertEquals(true, GoJson.plain(v, 0));
        assertEquals(new String(GoJson.writeThroughMapper(v), StandardCharsets.UTF_8), json(v));
        assertEquals(GoJson.reader().valueToTree(v), GoJson.tree(v));
    }

    @Test
    void otherValuesStillGoThroughTheObjectMapper() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("f", 1.5f);
        m.put("b", new byte[] {1, 2});
        m.put("n", GoJson.reader().createObjectNode().put("x", 1));
        assertEquals(false, GoJson.plain(m, 0));
        assertEquals("{\"f\":1.5,\"b\":\"AQI=\",\"n\":{\"x\":1}}", json(m));
        assertEquals(false, GoJson.plain(Map.of(1, "x"), 0));
        assertEquals("{\"1\":\"x\"}", json(Map.of(1, "x")));
    }

    private static Object randomValue(java.util.Random r, int depth) {
        int kind = r.nextInt(depth > 3 ? 8 : 10);
        return switch (kind) {
            case 0 -> null;
            case 1 -> randomString(r);
            case 2 -> r.nextBoolean();
            case 3 -> r.nextInt();
            case 4 -> r.nextBoolean() ? r.nextLong() : (long) r.nextInt(100);
            case 5 -> new java.math.BigInteger(70, r).subtract(java.math.BigInteger.ONE.shiftLeft(69));
            case 6 -> switch (r.nextInt(6)) {
                case 0 -> Double.NaN;
                case 1 -> Double.POSITIVE_INFINITY;
                case 2 -> -0.0;
                case 3 -> (double) r.nextInt(1000);
                default -> Double.longBitsToDouble(r.nextLong());
            };
            case 7 -> "";
            case 8 -> {
                List<Object> l = new java.util.ArrayList<>();
                for (int i = r.nextInt(4); i > 0; i--) {
                    l.add(randomValue(r, depth + 1));
                }
                yield l;
            }
            default -> {
                Map<String, Object> m = r.nextBoolean() ? new LinkedHashMap<>() : new TreeMap<>();
                for (int i = r.nextInt(4); i > 0; i--) {
                    m.put(randomString(r), randomValue(r, depth + 1));
                }
                yield m;
            }
        };
    }

    private static String randomString(java.util.Random r) {
        String alphabet = "ab<>&\"\\/\u0000\u0001\b\f\n\r\t\u001f\u007f\u0080é\u2028\u2029\ud83d\ude00 ";
        StringBuilder b = new StringBuilder();
        for (int i = r.nextInt(8); i > 0; i--) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    @Test
    void bigDataFileNamesFollowUpstreamsRuleWithItsQuirks() {
        assertEquals("manifest", StoreLayout.bigDataBaseName("manifest"));
        assertEquals("=YmlnLWl0ZW0tMQ==", StoreLayout.bigDataBaseName("big-item-1"));
        assertEquals("abC", StoreLayout.bigDataBaseName("abC"));
        assertEquals("é", StoreLayout.bigDataBaseName("é"));
        assertEquals("aé", StoreLayout.bigDataBaseName("aé"));
        assertEquals("=" + java.util.Base64.getEncoder().encodeToString("sha256:abc".getBytes(StandardCharsets.UTF_8)),
                StoreLayout.bigDataBaseName("sha256:abc"));
        assertEquals("=" + java.util.Base64.getEncoder().encodeToString("éa".getBytes(StandardCharsets.UTF_8)),
                StoreLayout.bigDataBaseName("éa"));
    }
}
