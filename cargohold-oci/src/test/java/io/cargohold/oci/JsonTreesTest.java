package io.cargohold.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link JsonTrees} builds the trees {@code ObjectMapper.readTree} builds, node class for node class, and refuses what it refuses. */
class JsonTreesTest {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    @Test
    void sameTreesAsTheMapper() throws IOException {
        String[] docs = {
            "{}", "[]", "{\"a\":1}", " {\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"} ",
            "{\"size\":2147483647,\"big\":2147483648,\"huge\":123456789012345678901234567890,\"neg\":-9223372036854775808}",
            "{\"f\":1.5,\"e\":1e3,\"E\":-2.5E-7,\"z\":0.0,\"n\":-0}", "{\"s\":\"\\u00e9\\n\\\"x\\\" \\ud83d\\ude00\",\"t\":true,\"u\":false,\"v\":null}",
            "{\"a\":[1,[2,[3,{\"b\":[]}]],\"x\",null,{}],\"c\":{\"d\":{\"e\":{}}}}", "[1,2,3]", "\"text\"", "42", "null", "true",
            "{} trailing", "{\"a\":1}{\"b\":2}", "{\"annotations\":{\"org.opencontainers.image.ref.name\":\"latest\"}}",
        };
        for (String d : docs) {
            byte[] b = d.getBytes(StandardCharsets.UTF_8);
            JsonNode expected = MAPPER.readTree(b);
            JsonNode got = JsonTrees.read(b);
            assertSame(expected, got, d);
        }
        assertNull(JsonTrees.read(new byte[0]));
        assertTrue(MAPPER.readTree(new byte[0]).isMissingNode(), "the mapper's empty tree is not an object either");
        assertNull(JsonTrees.read(" \n ".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void refusesWhatTheMapperRefuses() {
        String[] bad = {"{\"a\":1,\"a\":2}", "{\"x\":{\"a\":1,\"a\":1}}", "[{\"k\":1,\"k\":null}]", "{", "{\"a\":}", "[1,]", "{'a':1}",
            "{\"a\":01}", "{\"a\":NaN}", "\"unterminated", "{\"a\" 1}", "[".repeat(1001) + "]".repeat(1001)};
        for (String d : bad) {
            byte[] b = d.getBytes(StandardCharsets.UTF_8);
            assertThrows(IOException.class, () -> MAPPER.readTree(b), () -> "the mapper accepts " + d);
            assertThrows(IOException.class, () -> JsonTrees.read(b), () -> "accepted: " + d);
        }
    }

    private static void assertSame(JsonNode expected, JsonNode got, String doc) {
        assertEquals(expected.getClass(), got.getClass(), doc);
        assertEquals(expected, got, doc);
        if (expected.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> e = expected.fields();
            Iterator<String> g = got.fieldNames();
            while (e.hasNext()) {
                Map.Entry<String, JsonNode> x = e.next();
                assertEquals(x.getKey(), g.next(), doc + ": field order");
                assertSame(x.getValue(), got.get(x.getKey()), doc);
            }
        } else if (expected.isArray()) {
            for (int i = 0; i < expected.size(); i++) {
                assertSame(expected.get(i), got.get(i), doc);
            }
        }
    }
}
