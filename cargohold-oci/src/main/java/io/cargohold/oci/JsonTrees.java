package io.cargohold.oci;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * JSON text to Jackson's tree model through jackson-core's parser alone: the same nodes
 * {@code ObjectMapper.readTree} makes with {@code FAIL_ON_READING_DUP_TREE_KEY} (ints, longs and big
 * integers by size, other numbers as doubles, a repeated key in one object an error, trailing content
 * ignored, empty input null), without an {@code ObjectMapper}. Creating the first mapper of a process
 * initialises most of databind (serializer and deserializer factories, type factory, date formats):
 * ~20 ms of a short command's start-up, for commands such as {@code cargohold list} that only read
 * small documents. The parser's own limits (nesting depth, string and number lengths) apply as before.
 */
final class JsonTrees {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonTrees() {
    }

    /** The document's tree; null when {@code raw} holds no JSON value at all. */
    static JsonNode read(byte[] raw) throws IOException {
        try (JsonParser p = FACTORY.createParser(raw)) {
            JsonToken t = p.nextToken();
            return t == null ? null : value(p, t);
        }
    }

    private static JsonNode value(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case START_OBJECT: {
                ObjectNode o = NODES.objectNode();
                for (JsonToken f = p.nextToken(); f == JsonToken.FIELD_NAME; f = p.nextToken()) {
                    String name = p.currentName();
                    JsonNode v = value(p, p.nextToken());
                    if (o.replace(name, v) != null) {
                        throw new JsonParseException(p, "Duplicate field '" + name + "' for `ObjectNode`: not allowed when "
                                + "`DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY` enabled");
                    }
                }
                return o;
            }
            case START_ARRAY: {
                ArrayNode a = NODES.arrayNode();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    a.add(value(p, e));
                }
                return a;
            }
            case VALUE_STRING:
                return NODES.textNode(p.getText());
            case VALUE_NUMBER_INT:
                switch (p.getNumberType()) {
                    case INT:
                        return NODES.numberNode(p.getIntValue());
                    case LONG:
                        return NODES.numberNode(p.getLongValue());
                    default:
                        return NODES.numberNode(p.getBigIntegerValue());
                }
            case VALUE_NUMBER_FLOAT:
                return NODES.numberNode(p.getDoubleValue());
            case VALUE_TRUE:
                return NODES.booleanNode(true);
            case VALUE_FALSE:
                return NODES.booleanNode(false);
            case VALUE_NULL:
                return NODES.nullNode();
            default:
                throw new JsonParseException(p, "Unexpected token " + t);
        }
    }
}
