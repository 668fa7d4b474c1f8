package io.cargohold.storage.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The tar-split line scanner agrees with the general JSON parser, escapes and odd shapes included. */
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
}
