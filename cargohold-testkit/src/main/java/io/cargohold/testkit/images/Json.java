package io.cargohold.testkit.images;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Compact JSON with Jackson; maps keep insertion order, so output is deterministic. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT)
            .disable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private Json() {}

    static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Platform object in Go's field order: architecture, os, variant. */
    static Map<String, Object> platform(Platform p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architecture", p.architecture());
        m.put("os", p.os());
        if (p.variant() != null) {
            m.put("variant", p.variant());
        }
        return m;
    }
}
