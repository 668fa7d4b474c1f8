package io.cargohold.registry.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.text.GoStrings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A registries.conf document into plain maps and lists, the way containers/image v5.23's
 * {@code loadConfigFile} gets it from BurntSushi/toml v1.2.0: Jackson's TOML parser reads the text, and
 * (io.cargohold.storage.config.TomlTree, shared with storage.conf) and this class maps the tree onto upstream's Go types ({@code tomlConfig} = {@code V2RegistriesConf} +
 * {@code V1RegistriesConf}) with BurntSushi's rules, the approach of cargohold-storage's storage.conf
 * decoder (io.cargohold.storage.config.TomlDecoder): keys match a field exactly or else ignoring case;
 * a value of the wrong TOML type fails with {@code toml: (last key "K"): incompatible types: TOML value
 * has type T; destination has type D}; a non-table where a struct belongs with {@code type mismatch for
 * <Go type>: expected table but found T}; a non-table {@code [aliases]} is dropped (BurntSushi v1.2.0's
 * unifyMap returns nil there); keys no field takes are {@link Decoded#undecoded()}. Hand-written because
 * those texts and rules are what users of the containers tools see; Jackson's data binding has others.
 * Differences kept, as in storage.conf: decode errors lack BurntSushi's {@code line N}, and a syntax error
 * is {@code toml: line N: } with Jackson's wording.
 */
final class RegistriesToml {

    private sealed interface Type {
    }

    private record Str() implements Type {
    }

    private record StrSlice() implements Type {
    }

    private record Bool() implements Type {
    }

    private record StrMap() implements Type {
    }

    private record Struct(String goName, Map<String, Type> fields) implements Type {
    }

    private record StructSlice(Struct element) implements Type {
    }

    private static final Type STR = new Str();
    private static final Type SLICE = new StrSlice();
    private static final Type BOOL = new Bool();

    private static Struct struct(String goName, Object... nameAndType) {
        Map<String, Type> m = new LinkedHashMap<>();
        for (int i = 0; i < nameAndType.length; i += 2) {
            m.put((String) nameAndType[i], (Type) nameAndType[i + 1]);
        }
        return new Struct(goName, m);
    }

    static final Struct ENDPOINT = struct("sysregistriesv2.Endpoint", "location", STR, "insecure", BOOL, "pull-from-mirror", STR);
    /** Registry embeds Endpoint: its fields come first, as Go's field list has them. */
    static final Struct REGISTRY = struct("sysregistriesv2.Registry", "prefix", STR, "location", STR, "insecure", BOOL,
            "pull-from-mirror", STR, "mirror", new StructSlice(ENDPOINT), "blocked", BOOL, "mirror-by-digest-only", BOOL);
    static final Struct V1_REGISTRIES = struct("sysregistriesv2.V1TOMLregistries", "registries", SLICE);
    static final Struct V1 = struct("sysregistriesv2.V1TOMLConfig", "search", V1_REGISTRIES, "insecure", V1_REGISTRIES, "block",
            V1_REGISTRIES);
    static final Struct DOCUMENT = struct("sysregistriesv2.tomlConfig", "registry", new StructSlice(REGISTRY),
            "unqualified-search-registries", SLICE, "credential-helpers", SLICE, "short-name-mode", STR, "aliases", new StrMap(),
            "registries", V1);
    /** The machine-written short-name-aliases.conf ({@code shortNameAliasConf}). */
    static final Struct ALIASES_DOCUMENT = struct("sysregistriesv2.shortNameAliasConf", "aliases", new StrMap());

    /**
     * A decoded document: the fields set (Go's zero value = absent key; a list or map present but empty is
     * an empty list or map, which upstream tells apart from an absent one), and the keys nothing took.
     */
    record Decoded(Map<String, Object> fields, List<String> undecoded) {
    }

    private final Set<String> decoded = new LinkedHashSet<>();
    private final List<String> context = new ArrayList<>();

    private RegistriesToml() {
    }

    static Decoded decode(String text, Struct document) throws InvalidArgumentException {
        JsonNode tree = io.cargohold.storage.config.TomlTree.parse(text);
        RegistriesToml d = new RegistriesToml();
        @SuppressWarnings("unchecked")
        Map<String, Object> doc = (Map<String, Object>) d.unify(tree, document);
        List<String> all = io.cargohold.storage.config.TomlTree.keys(tree);
        List<String> undecoded = new ArrayList<>();
        for (String k : all) {
            if (!d.decoded.contains(k) && !undecoded.contains(k)) {
                undecoded.add(k);
            }
        }
        return new Decoded(doc, List.copyOf(undecoded));
    }

    private Object unify(JsonNode data, Type type) throws InvalidArgumentException {
        // instanceof tests, not a pattern switch: the AOT cache cannot keep a type switch's invokedynamic
        // bootstrap (as in storage.conf's decoder)
        if (type instanceof Str) {
            if (!data.isTextual()) {
                throw badtype("string", data);
            }
            return data.textValue();
        } else if (type instanceof StrSlice) {
            if (!data.isArray()) {
                throw badtype("slice", data);
            }
            List<String> out = new ArrayList<>();
            for (JsonNode el : data) {
                out.add((String) unify(el, STR));
            }
            return out;
        } else if (type instanceof StructSlice s) {
            if (!data.isArray()) {
                throw badtype("slice", data);
            }
            List<Object> out = new ArrayList<>();
            for (JsonNode el : data) {
                out.add(unify(el, s.element()));
            }
            return out;
        } else if (type instanceof Bool) {
            if (!data.isBoolean()) {
                throw badtype("boolean", data);
            }
            return data.booleanValue();
        } else if (type instanceof StrMap) {
            if (!(data instanceof ObjectNode o)) {
                return null; // BurntSushi v1.2.0 unifyMap: a non-table is dropped without an error
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                enter(e.getKey());
                out.put(e.getKey(), (String) unify(e.getValue(), STR));
                context.removeLast();
            }
            return out;
        } else {
            Struct st = (Struct) type;
            if (!(data instanceof ObjectNode o)) {
                throw error("type mismatch for " + st.goName() + ": expected table but found " + io.cargohold.storage.config.TomlTree.goType(data));
            }
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                String field = field(st, e.getKey());
                if (field == null) {
                    continue;
                }
                enter(e.getKey());
                Object v = unify(e.getValue(), st.fields().get(field));
                if (v != null) {
                    out.merge(field, v, RegistriesToml::merge);
                }
                context.removeLast();
            }
            return out;
        }
    }

    @SuppressWarnings("unchecked")
    private static Object merge(Object before, Object after) {
        if (before instanceof Map<?, ?> b && after instanceof Map<?, ?> a) {
            Map<String, Object> m = new LinkedHashMap<>((Map<String, Object>) b);
            ((Map<String, Object>) a).forEach((k, v) -> m.merge(k, v, RegistriesToml::merge));
            return m;
        }
        return after;
    }

    private static String field(Struct st, String key) {
        if (st.fields().containsKey(key)) {
            return key;
        }
        for (String f : st.fields().keySet()) {
            if (f.equalsIgnoreCase(key)) {
                return f;
            }
        }
        return null;
    }

    private void enter(String key) {
        context.add(key);
        decoded.add(io.cargohold.storage.config.TomlTree.keyString(context));
    }

    private InvalidArgumentException badtype(String dst, JsonNode data) {
        return error("incompatible types: TOML value has type " + io.cargohold.storage.config.TomlTree.goType(data) + "; destination has type " + dst);
    }

    private InvalidArgumentException error(String message) {
        String prefix = context.isEmpty() ? "toml: " : "toml: (last key " + GoStrings.quote(io.cargohold.storage.config.TomlTree.keyString(context)) + "): ";
        return new InvalidArgumentException(prefix + message);
    }

}
