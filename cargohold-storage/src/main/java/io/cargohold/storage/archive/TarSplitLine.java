package io.cargohold.storage.archive;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.storage.internal.GoJson;
import java.io.IOException;

/**
 * One line of a tar-split stream ({@code {"type":1,"name":"etc/hosts","size":48,"payload":"…","position":5}}),
 * read with jackson-core's streaming parser straight into this record: a store check reads every line
 * of every layer's tar-split, and building a JSON tree per line was most of a cold check's time.
 * Anything else than the common shape (another member, a nested value, a number where a string is
 * expected) goes through the general JSON tree instead, which decides what it means.
 */
record TarSplitLine(int type, String name, String nameRaw, long size, String payload) {
    private static final JsonFactory FACTORY = new JsonFactory();

    static TarSplitLine parse(String line) throws IOException {
        TarSplitLine fast = stream(line);
        return fast != null ? fast : general(line);
    }

    /** The general JSON tree: what {@link #parse} must always agree with. */
    static TarSplitLine general(String line) throws IOException {
        JsonNode e = GoJson.parse(line);
        JsonNode p = e.get("payload");
        return new TarSplitLine(e.path("type").asInt(), e.hasNonNull("name") ? e.get("name").asText() : null,
                e.hasNonNull("name_raw") ? e.get("name_raw").asText() : null, e.path("size").asLong(0),
                p == null || p.isNull() ? null : p.asText());
    }

    /** The common shape only (string and integer members, or null); null for anything else. */
    static TarSplitLine stream(String line) {
        try (JsonParser p = FACTORY.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            int type = 0;
            String name = null;
            String nameRaw = null;
            long size = 0;
            String payload = null;
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String key = p.currentName();
                JsonToken v = p.nextToken();
                if (v == JsonToken.VALUE_STRING || v == JsonToken.VALUE_NULL) {
                    String text = v == JsonToken.VALUE_NULL ? null : p.getText();
                    switch (key) {
                        case "name" -> name = text;
                        case "name_raw" -> nameRaw = text;
                        case "payload" -> payload = text;
                        default -> {
                            return null;
                        }
                    }
                } else if (v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT) {
                    switch (key) {
                        case "type" -> type = p.getIntValue();
                        case "size" -> size = p.getIntValue();
                        case "position" -> {
                            // not needed
                        }
                        default -> {
                            return null;
                        }
                    }
                } else if (v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.LONG && key.equals("size")) {
                    size = p.getLongValue();
                } else {
                    return null;
                }
            }
            return p.currentToken() == JsonToken.END_OBJECT ? new TarSplitLine(type, name, nameRaw, size, payload) : null;
        } catch (JsonProcessingException malformed) {
            return null; // the general parser reports it
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // not from a String
        }
    }
}
