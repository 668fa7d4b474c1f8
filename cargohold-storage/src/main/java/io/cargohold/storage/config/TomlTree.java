package io.cargohold.storage.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.POJONode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cargohold.errors.InvalidArgumentException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A TOML document as a Jackson tree, read the one way both of Cargohold's TOML files are read
 * (storage.conf by {@link StorageConfig}, registries.conf by the registry module): the tree
 * {@code TomlMapper.readTree} (with {@code PARSE_JAVA_TIME}) gives, made from jackson-dataformat-toml's
 * parser without an ObjectMapper (whose set-up costs a short command ~15-20 ms), and syntax errors in
 * BurntSushi/toml's words and line numbers, as containers/storage and containers/image report them.
 */
public final class TomlTree {
    private TomlTree() {
    }

    /** The document; an empty one is an empty object. */
    public static JsonNode parse(String text) throws InvalidArgumentException {
        JsonNode tree;
        try {
            tree = TomlDecoder.readTree(text);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            if (line > 1 && e.getLocation().getColumnNr() == 1) {
                line--; // Jackson reports a key-value error (a duplicate key) after the newline that ended it
            } else if (line > 0 && atNewline(text, line, e.getLocation().getColumnNr())) {
                line++; // BurntSushi's lexer has passed an unexpected newline when it reports it
            }
            throw new InvalidArgumentException((line > 0 ? "toml: line " + line + ": " : "toml: ") + e.getOriginalMessage(), e);
        }
        return tree == null || tree.isMissingNode() ? JsonNodeFactory.instance.objectNode() : tree;
    }

    private static boolean atNewline(String text, int line, int column) {
        int at = 0;
        for (int l = 1; l < line; l++) {
            at = text.indexOf('\n', at) + 1;
            if (at == 0) {
                return false;
            }
        }
        at += column - 1;
        return at >= 0 && at < text.length() && text.charAt(at) == '\n';
    }

    /** Every key of the document, tables included, depth first (BurntSushi's MetaData.Keys), as {@link #keyString}. */
    public static List<String> keys(JsonNode tree) {
        List<String> out = new ArrayList<>();
        keys(tree, new ArrayList<>(), out);
        return out;
    }

    private static void keys(JsonNode node, List<String> path, List<String> out) {
        if (node instanceof ObjectNode o) {
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                path.add(e.getKey());
                out.add(keyString(path));
                keys(e.getValue(), path, out);
                path.removeLast();
            }
        } else if (node instanceof ArrayNode a) {
            for (JsonNode el : a) {
                if (el instanceof ObjectNode) {
                    keys(el, path, out);
                }
            }
        }
    }

    /**
     * BurntSushi/toml v1.2.0's {@code Key.String()}: parts joined by dots, a part quoted unless it is a
     * bare key, escaped as its {@code dblQuotedReplacer} escapes (TOML's, not Go's {@code %q}).
     */
    public static String keyString(List<String> parts) {
        StringBuilder b = new StringBuilder();
        for (String p : parts) {
            if (!b.isEmpty()) {
                b.append('.');
            }
            boolean bare = !p.isEmpty();
            for (int i = 0; i < p.length(); i++) {
                char c = p.charAt(i);
                bare &= c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-';
            }
            if (bare) {
                b.append(p);
            } else {
                b.append('"');
                p.codePoints().forEach(c -> {
                    switch (c) { // BurntSushi's dblQuotedReplacer
                        case '"' -> b.append("\\\"");
                        case '\\' -> b.append("\\\\");
                        case '\b' -> b.append("\\b");
                        case '\t' -> b.append("\\t");
                        case '\n' -> b.append("\\n");
                        case '\f' -> b.append("\\f");
                        case '\r' -> b.append("\\r");
                        default -> {
                            if (c < 0x20 || c == 0x7f) {
                                b.append(String.format("\\u%04x", c));
                            } else {
                                b.appendCodePoint(c);
                            }
                        }
                    }
                });
                b.append('"');
            }
        }
        return b.toString();
    }

    /** Go's {@code %T} of the value BurntSushi would have decoded {@code n} into (its type errors name it). */
    public static String goType(JsonNode n) {
        if (n.isTextual()) {
            return "string";
        }
        if (n.isBoolean()) {
            return "bool";
        }
        if (n.isIntegralNumber()) {
            return "int64";
        }
        if (n.isNumber()) {
            return "float64";
        }
        if (n instanceof POJONode) {
            return "time.Time";
        }
        if (n.isObject()) {
            return "map[string]interface {}";
        }
        if (n.isArray()) {
            boolean tables = !n.isEmpty();
            for (JsonNode el : n) {
                tables &= el.isObject();
            }
            return tables ? "[]map[string]interface {}" : "[]interface {}";
        }
        return "<nil>";
    }
}
