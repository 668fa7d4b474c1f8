package io.cargohold.storage.config;

import io.cargohold.text.GoStrings;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlFactory;
import com.fasterxml.jackson.dataformat.toml.TomlReadFeature;
import java.io.IOException;
import io.cargohold.errors.InvalidArgumentException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * storage.conf into {@link TomlConfig}: Jackson's TOML parser reads the document into a tree, and this
 * class maps the tree onto upstream's Go types the way BurntSushi/toml v1.2.0 ({@code MetaData.unify})
 * does, because its behaviour is part of what users see and Jackson's data binding differs from it:
 * keys match the field names exactly or else case-insensitively; a value of the wrong TOML type fails
 * with BurntSushi's {@code incompatible types: TOML value has type T; destination has type D} (Go's type
 * names); a non-table where a table is declared fails with {@code type mismatch for <Go type>}; an
 * integer outside uint32 fails with {@code N is out of range for uint32}; a non-table
 * {@code pull_options} is silently dropped (BurntSushi's unifyMap returns nil there); and the keys no
 * field takes are reported as {@code MetaData.Undecoded} reports them.
 *
 * <p>Where Jackson cannot give what BurntSushi prints, the message keeps BurntSushi's structure and
 * says less: decode errors carry {@code toml: (last key "k"): …} without BurntSushi's {@code line N}
 * (Jackson's tree has no positions; BurntSushi prints the same shape when it has no position either),
 * and syntax errors are {@code toml: line N: <Jackson's message>}, with Jackson's wording of the syntax
 * problem in place of BurntSushi's lexer text (and without the {@code (last key …)} BurntSushi adds
 * when its parser had one); N is adjusted to BurntSushi's count where Jackson's position differs in a
 * known way (an unexpected newline is reported by BurntSushi on the next line, a duplicate key by
 * Jackson after the line's newline). Undecoded keys come in the order of the tree (tables in
 * the order they were first opened), which is the document's order unless a table is reopened out of
 * order; an implicitly created parent table ({@code a} of {@code [a.b]}) is listed as BurntSushi lists
 * explicit ones.
 */
final class TomlDecoder {
    /**
     * The TOML parser alone, without a TomlMapper: an ObjectMapper's set-up (databind's factories, and
     * its default date format's Calendar and locale data) cost both CLIs ~20-40 ms of CPU at every start,
     * since every command reads storage.conf, and put ~500 databind classes into the AOT caches.
     */
    private static final TomlFactory FACTORY = TomlFactory.builder().enable(TomlReadFeature.PARSE_JAVA_TIME).build();

    /** What a Go field is, as far as unify cares. */
    private sealed interface Type {
    }

    private record Str() implements Type {
    }

    private record StrSlice() implements Type {
    }

    private record Uint32() implements Type {
    }

    private record Bool() implements Type {
    }

    private record StrMap() implements Type {
    }

    private record Struct(String goName, Map<String, Type> fields) implements Type {
    }

    private static final Type STR = new Str();
    private static final Type SLICE = new StrSlice();
    private static final Type UINT32 = new Uint32();
    private static final Type BOOL = new Bool();

    private static Struct struct(String goName, Object... nameAndType) {
        Map<String, Type> m = new LinkedHashMap<>();
        for (int i = 0; i < nameAndType.length; i += 2) {
            m.put((String) nameAndType[i], (Type) nameAndType[i + 1]);
        }
        return new Struct(goName, m);
    }

    private static Struct strings(String goName, String... names) {
        Map<String, Type> m = new LinkedHashMap<>();
        for (String n : names) {
            m.put(n, STR);
        }
        return new Struct(goName, m);
    }

    static final Struct AUFS = strings("struct { config.AufsOptionsConfig }", "mountopt");
    static final Struct BTRFS = strings("struct { config.BtrfsOptionsConfig }", "min_space", "size");
    static final Struct THINPOOL = strings("struct { config.ThinpoolOptionsConfig }", "autoextend_percent", "autoextend_threshold",
            "basesize", "blocksize", "directlvm_device", "directlvm_device_force", "fs", "log_level", "metadatasize", "min_free_space",
            "mkfsarg", "mountopt", "size", "use_deferred_deletion", "use_deferred_removal", "xfs_nospace_max_retries");
    static final Struct OVERLAY = strings("struct { config.OverlayOptionsConfig }", "ignore_chown_errors", "mountopt", "mount_program",
            "size", "inodes", "skip_mount_home", "force_mask");
    static final Struct VFS = strings("struct { config.VfsOptionsConfig }", "ignore_chown_errors");
    static final Struct ZFS = strings("struct { config.ZfsOptionsConfig }", "mountopt", "fsname", "size");
    static final Struct OPTIONS = struct("config.OptionsConfig",
            "additionalimagestores", SLICE, "additionallayerstores", SLICE, "size", STR, "remap-uids", STR, "remap-gids", STR,
            "ignore_chown_errors", STR, "force_mask", UINT32, "remap-user", STR, "remap-group", STR, "root-auto-userns-user", STR,
            "auto-userns-min-size", UINT32, "auto-userns-max-size", UINT32, "aufs", AUFS, "btrfs", BTRFS, "thinpool", THINPOOL,
            "overlay", OVERLAY, "vfs", VFS, "zfs", ZFS, "skip_mount_home", STR, "mount_program", STR, "mountopt", STR,
            "pull_options", new StrMap(), "disable-volatile", BOOL);
    static final Struct STORAGE = struct("struct { Driver string \"toml:\\\"driver,omitempty\\\"\"; RunRoot string "
                    + "\"toml:\\\"runroot,omitempty\\\"\"; GraphRoot string \"toml:\\\"graphroot,omitempty\\\"\"; RootlessStoragePath string "
                    + "\"toml:\\\"rootless_storage_path,omitempty\\\"\"; Options config.OptionsConfig \"toml:\\\"options,omitempty\\\"\" }",
            "driver", STR, "runroot", STR, "graphroot", STR, "rootless_storage_path", STR, "options", OPTIONS);
    static final Struct DOCUMENT = struct("types.TomlConfig", "storage", STORAGE);

    /** A decoded document and the keys it had that no field took (BurntSushi's {@code Undecoded()}, formatted as Go's Key.String()). */
    record Decoded(TomlConfig config, List<String> undecoded) {
    }

    private final Set<String> decoded = new LinkedHashSet<>();
    private final List<String> context = new ArrayList<>();

    private TomlDecoder() {
    }

    static Decoded decode(String text) throws InvalidArgumentException {
        JsonNode tree = TomlTree.parse(text);
        TomlDecoder d = new TomlDecoder();
        @SuppressWarnings("unchecked")
        Map<String, Object> doc = (Map<String, Object>) d.unify(tree, DOCUMENT);
        List<String> all = TomlTree.keys(tree);
        List<String> undecoded = new ArrayList<>();
        for (String k : all) {
            if (!d.decoded.contains(k) && !undecoded.contains(k)) {
                undecoded.add(k);
            }
        }
        return new Decoded(build(doc), List.copyOf(undecoded));
    }

    /**
     * The document as a tree, as {@code TomlMapper.readTree} gives it: the TOML parser builds the tree
     * and hands it out as tokens, which are put back together here (times are POJO nodes holding
     * java.time values, numbers keep the parser's type). Syntax errors are the parser's
     * ({@code TomlStreamReadException}, a JsonProcessingException), thrown when it is created.
     */
    static JsonNode readTree(String text) throws JsonProcessingException {
        try (JsonParser p = FACTORY.createParser(blankCommentLines(text))) {
            JsonToken t = p.nextToken();
            return t == null ? null : node(p, t);
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a String is read: no I/O can fail
        }
    }

    /**
     * {@code text} with the content of its whole-line comments removed (their line breaks kept, so the
     * parser's line numbers stay those of the file). storage.conf is ~10 KB, nearly all comments, and the
     * TOML lexer runs interpreted in a short command: lexing them cost ~10 ms of each containers-storage
     * start. A comment the parser would refuse (a control character) is left for it to refuse, and a
     * document with a multi-line string (where a {@code #} line may be string content) is left whole.
     */
    static String blankCommentLines(String text) {
        if (text.contains("\"\"\"") || text.contains("'''")) {
            return text;
        }
        StringBuilder out = null;
        int n = text.length();
        int i = 0;
        while (i < n) {
            int end = text.indexOf('\n', i);
            if (end < 0) {
                end = n;
            }
            int j = i;
            while (j < end && (text.charAt(j) == ' ' || text.charAt(j) == '\t')) {
                j++;
            }
            boolean cr = end > i && text.charAt(end - 1) == '\r';
            if (j < end && text.charAt(j) == '#' && plainComment(text, j + 1, cr ? end - 1 : end)) {
                if (out == null) {
                    out = new StringBuilder(n).append(text, 0, i);
                }
                if (cr) {
                    out.append('\r');
                }
            } else if (out != null) {
                out.append(text, i, end);
            }
            if (end < n && out != null) {
                out.append('\n');
            }
            i = end + 1;
        }
        return out == null ? text : out.toString();
    }

    /** Whether {@code text[from, to)} holds only characters TOML allows in a comment (no control character but tab). */
    private static boolean plainComment(String text, int from, int to) {
        for (int k = from; k < to; k++) {
            char c = text.charAt(k);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static JsonNode node(JsonParser p, JsonToken t) throws IOException {
        JsonNodeFactory f = JsonNodeFactory.instance;
        switch (t) {
            case START_OBJECT: {
                ObjectNode o = f.objectNode();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    o.set(name, node(p, p.nextToken()));
                }
                return o;
            }
            case START_ARRAY: {
                com.fasterxml.jackson.databind.node.ArrayNode a = f.arrayNode();
                JsonToken e;
                while ((e = p.nextToken()) != JsonToken.END_ARRAY && e != null) {
                    a.add(node(p, e));
                }
                return a;
            }
            case VALUE_STRING:
                return f.textNode(p.getText());
            case VALUE_NUMBER_INT:
                switch (p.getNumberType()) {
                    case INT:
                        return f.numberNode(p.getIntValue());
                    case LONG:
                        return f.numberNode(p.getLongValue());
                    default:
                        return f.numberNode(p.getBigIntegerValue());
                }
            case VALUE_NUMBER_FLOAT:
                switch (p.getNumberType()) {
                    case BIG_DECIMAL: {
                        // normalised as the mapper's JsonNodeDeserializer does (STRIP_TRAILING_BIGDECIMAL_ZEROES)
                        java.math.BigDecimal d = p.getDecimalValue();
                        return f.numberNode(d.signum() == 0 ? java.math.BigDecimal.ZERO : d.stripTrailingZeros());
                    }
                    case FLOAT:
                        return f.numberNode(p.getFloatValue());
                    default:
                        return f.numberNode(p.getDoubleValue());
                }
            case VALUE_TRUE:
                return f.booleanNode(true);
            case VALUE_FALSE:
                return f.booleanNode(false);
            case VALUE_NULL:
                return f.nullNode();
            case VALUE_EMBEDDED_OBJECT:
                return f.pojoNode(p.getEmbeddedObject());
            default:
                throw new IllegalStateException("unexpected token " + t);
        }
    }

    private Object unify(JsonNode data, Type type) throws InvalidArgumentException {
        // instanceof tests, not a pattern switch: a type switch is linked at run time through an invokedynamic
        // bootstrap that the AOT cache cannot keep (~10-30 ms at every start of both CLIs)
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
        } else if (type instanceof Uint32) {
            if (!data.isIntegralNumber()) {
                throw badtype("integer", data);
            }
            BigInteger v = data.bigIntegerValue();
            if (v.bitLength() > 63) {
                throw error(v + " is out of range for int64");
            }
            if (v.signum() < 0 || v.longValue() > 0xFFFF_FFFFL) {
                throw error(v + " is out of range for uint32");
            }
            return v.longValue();
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
        } else if (type instanceof Struct st) {
            if (!(data instanceof ObjectNode o)) {
                throw error("type mismatch for " + st.goName() + ": expected table but found " + TomlTree.goType(data));
            }
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                String field = field(st, e.getKey());
                if (field == null) {
                    continue;
                }
                enter(e.getKey());
                // two keys for one field ("storage" and "STORAGE"): Go unifies both into the same struct
                Object v = unify(e.getValue(), st.fields().get(field));
                if (v != null) {
                    out.merge(field, v, TomlDecoder::merge);
                }
                context.removeLast();
            }
            return out;
        }
        throw new IllegalStateException("unknown type " + type);
    }

    @SuppressWarnings("unchecked")
    private static Object merge(Object before, Object after) {
        if (before instanceof Map<?, ?> b && after instanceof Map<?, ?> a) {
            Map<String, Object> m = new LinkedHashMap<>((Map<String, Object>) b);
            ((Map<String, Object>) a).forEach((k, v) -> m.merge(k, v, TomlDecoder::merge));
            return m;
        }
        return after;
    }

    /** The field a key sets: the one of that exact name, else the first whose name equals it ignoring case. */
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
        decoded.add(TomlTree.keyString(context));
    }

    private InvalidArgumentException badtype(String dst, JsonNode data) {
        return error("incompatible types: TOML value has type " + TomlTree.goType(data) + "; destination has type " + dst);
    }

    private InvalidArgumentException error(String message) {
        String prefix = context.isEmpty() ? "toml: " : "toml: (last key " + GoStrings.quote(TomlTree.keyString(context)) + "): ";
        return new InvalidArgumentException(prefix + message);
    }

    // ---- tree to records (Go's zero value for anything absent)

    @SuppressWarnings("unchecked")
    private static Map<String, Object> table(Map<String, Object> m, String key) {
        Object v = m == null ? null : m.get(key);
        return v == null ? Map.of() : (Map<String, Object>) v;
    }

    private static String s(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? "" : (String) v;
    }

    private static long u(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? 0 : (Long) v;
    }

    @SuppressWarnings("unchecked")
    private static List<String> list(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? List.of() : (List<String>) v;
    }

    @SuppressWarnings("unchecked")
    private static TomlConfig build(Map<String, Object> doc) {
        Map<String, Object> st = table(doc, "storage");
        Map<String, Object> o = table(st, "options");
        Map<String, Object> aufs = table(o, "aufs");
        Map<String, Object> btrfs = table(o, "btrfs");
        Map<String, Object> tp = table(o, "thinpool");
        Map<String, Object> ov = table(o, "overlay");
        Map<String, Object> vfs = table(o, "vfs");
        Map<String, Object> zfs = table(o, "zfs");
        TomlConfig.OptionsConfig options = new TomlConfig.OptionsConfig(list(o, "additionalimagestores"), list(o, "additionallayerstores"),
                s(o, "size"), s(o, "remap-uids"), s(o, "remap-gids"), s(o, "ignore_chown_errors"), u(o, "force_mask"), s(o, "remap-user"),
                s(o, "remap-group"), s(o, "root-auto-userns-user"), u(o, "auto-userns-min-size"), u(o, "auto-userns-max-size"),
                new TomlConfig.Aufs(s(aufs, "mountopt")), new TomlConfig.Btrfs(s(btrfs, "min_space"), s(btrfs, "size")),
                new TomlConfig.Thinpool(s(tp, "autoextend_percent"), s(tp, "autoextend_threshold"), s(tp, "basesize"), s(tp, "blocksize"),
                        s(tp, "directlvm_device"), s(tp, "directlvm_device_force"), s(tp, "fs"), s(tp, "log_level"), s(tp, "metadatasize"),
                        s(tp, "min_free_space"), s(tp, "mkfsarg"), s(tp, "mountopt"), s(tp, "size"), s(tp, "use_deferred_deletion"),
                        s(tp, "use_deferred_removal"), s(tp, "xfs_nospace_max_retries")),
                new TomlConfig.Overlay(s(ov, "ignore_chown_errors"), s(ov, "mountopt"), s(ov, "mount_program"), s(ov, "size"),
                        s(ov, "inodes"), s(ov, "skip_mount_home"), s(ov, "force_mask")),
                new TomlConfig.Vfs(s(vfs, "ignore_chown_errors")), new TomlConfig.Zfs(s(zfs, "mountopt"), s(zfs, "fsname"), s(zfs, "size")),
                s(o, "skip_mount_home"), s(o, "mount_program"), s(o, "mountopt"), (Map<String, String>) o.get("pull_options"),
                Boolean.TRUE.equals(o.get("disable-volatile")));
        return new TomlConfig(new TomlConfig.Storage(s(st, "driver"), s(st, "runroot"), s(st, "graphroot"),
                s(st, "rootless_storage_path"), options));
    }
}
