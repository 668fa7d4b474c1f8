package io.cargohold.storage.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cargohold.storage.internal.GoJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The streaming read of tar-split lines agrees with the general JSON tree, escapes and odd shapes included. */
class TarSplitLineTest {
    @Test
    void commonShapes() throws IOException {
        assertEquals(new TarSplitLine(2, null, null, 0, "AAEC"), TarSplitLine.parse("{\"type\":2,\"payload\":\"AAEC\",\"position\":0}"));
        assertEquals(new TarSplitLine(1, "etc/hosts", null, 48, "qWqR8JvV2nQ="),
                TarSplitLine.parse("{\"type\":1,\"name\":\"etc/hosts\",\"size\":48,\"payload\":\"qWqR8JvV2nQ=\",\"position\":1}"));
        assertEquals(new TarSplitLine(1, "d/", null, 0, null), TarSplitLine.parse("{\"type\":1,\"name\":\"d/\",\"position\":2}"));
        assertEquals(new TarSplitLine(1, null, "/w==", 0, null), TarSplitLine.parse("{\"type\":1,\"name_raw\":\"/w==\",\"position\":3}"));
        assertEquals(new TarSplitLine(2, null, null, 0, null), TarSplitLine.parse("{\"type\":2,\"payload\":null,\"position\":4}"));
    }

    @Test
    void escapesAsGoWritesThem() throws IOException {
        String line = "{\"type\":1,\"name\":\"a\\u003cb\\u003e\\u0026c \\\"q\\\" \\\\ \\n\\t \\u00e9\\ud83d\\ude00/\",\"size\":1,\"payload\":\"x\",\"position\":5}";
        TarSplitLine fast = TarSplitLine.parse(line);
        assertEquals("a<b>&c \"q\" \\ \n\t \u00e9\uD83D\uDE00/", fast.name());
        assertEquals(1, fast.size());
    }

    @Test
    void otherShapesFallBackToTheGeneralParser() throws IOException {
        assertEquals(new TarSplitLine(1, "x", null, 3, null), TarSplitLine.parse("{ \"type\": 1, \"name\": \"x\", \"size\": 3 }"));
        assertEquals(new TarSplitLine(1, "x", null, 0, null), TarSplitLine.parse("{\"type\":1,\"name\":\"x\",\"extra\":{\"a\":[1]}}"));
    }

    @Test
    void edgeShapesAgreeWithTheTree() throws IOException {
        String[] lines = {
                "{\"type\":1,\"name\":\"x\",\"name\":null,\"position\":1}", // a repeated member: the last one
                "{\"type\":1,\"size\":9223372036854775807,\"position\":1}",
                "{\"type\":1,\"size\":92233720368547758070,\"position\":1}", // too big for a long
                "{\"type\":4294967297,\"position\":1}", // too big for an int
                "{\"type\":\"1\",\"name\":5,\"size\":\"7\"}", // numbers as strings and back
                "{\"type\":null,\"size\":null,\"payload\":null}",
                "{\"type\":1.5,\"size\":2e3}",
                "{\"type\":1,\"name\":\"x\"} trailing",
                "{}",
        };
        for (String line : lines) {
            assertEquals(TarSplitLine.general(line), TarSplitLine.parse(line), line);
        }
    }

    @Test
    void malformedLinesFailAsTheTreeFails() {
        for (String line : new String[] {"{\"type\":1,\"name\":\"x", "{\"type\":1,}"}) {
            IOException general = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> TarSplitLine.general(line));
            IOException parse = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> TarSplitLine.parse(line));
            assertEquals(general.getMessage(), parse.getMessage(), line);
        }
    }

    /** Lines as tar-split (and our writer) write them, names of any code points: the streaming read equals the tree's. */
    @Property(tries = 300)
    void writtenLinesReadAsTheTreeReadsThem(@ForAll("lines") String line) throws IOException {
        assertEquals(TarSplitLine.general(line), TarSplitLine.stream(line), "read by the streaming path: " + line);
    }

    @Provide
    Arbitrary<String> lines() {
        Arbitrary<String> names = Arbitraries.strings().all().ofMaxLength(40)
                .filter(s -> StandardCharsets.UTF_8.newEncoder().canEncode(s));
        Arbitrary<String> payloads = Arbitraries.strings().withCharRange('A', 'Z').withChars("+/=0123456789").ofMaxLength(60).injectNull(0.2);
        Arbitrary<Long> sizes = Arbitraries.longs().between(0, Long.MAX_VALUE);
        return Combinators.combine(Arbitraries.integers().between(1, 2), names, payloads, sizes, Arbitraries.integers().between(0, 1 << 20))
                .as((type, name, payload, size, position) -> {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("type", type);
                    if (type == 1) {
                        e.put(name.length() % 7 == 3 ? "name_raw" : "name", name);
                        if (size % 5 != 0) {
                            e.put("size", size % 3 == 0 ? size : size % 100_000);
                        }
                    }
                    e.put("payload", payload);
                    e.put("position", position);
                    return new String(GoJson.write(e), StandardCharsets.UTF_8);
                });
    }
}
