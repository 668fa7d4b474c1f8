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
