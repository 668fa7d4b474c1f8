package io.cargohold.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cargohold.errors.InvalidArgumentException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code --format}: the part of Go's text/template that podman's and skopeo's {@code --format} is used
 * with, for rows of named fields. Hand-written: no Java library reads Go templates, and a general
 * template engine (Mustache and the like) has another syntax than the one podman users type.
 *
 * <ul>
 *   <li>{@code {{.Field}}} (spaces inside the braces allowed) is the row's field, as text;</li>
 *   <li>{@code {{json .}}} is the whole row as one-line JSON, {@code {{json .Field}}} one field;</li>
 *   <li>a leading {@code table} prints a header first (each field's name in capitals, as podman) and
 *       lines the tab-separated columns up;</li>
 *   <li>{@code \t} and {@code \n} in the format are a tab and a newline; every row ends with a newline;</li>
 *   <li>anything else in braces (pipelines, {@code if}, {@code range}, functions other than {@code json})
 *       and unknown fields are usage errors that list what is supported.</li>
 * </ul>
 */
public final class Template {
    /** Made on first use: a plain {@code list} never initialises Jackson's databind (start-up). */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    private sealed interface Part permits Text, Field, JsonField {
    }

    private record Text(String text) implements Part {
    }

    private record Field(String name) implements Part {
    }

    /** {@code json .} (name null) or {@code json .Name}. */
    private record JsonField(String name) implements Part {
    }

    private final List<Part> parts;
    private final boolean table;

    private Template(List<Part> parts, boolean table) {
        this.parts = parts;
        this.table = table;
    }

    /** Parses {@code format} for rows with the given field names (in the order {@code {{json .}}} prints them). */
    public static Template parse(String format, List<String> fields) throws InvalidArgumentException {
        boolean table = false;
        String f = format;
        if (f.startsWith("table ") || f.equals("table")) {
            table = true;
            f = f.substring(5).stripLeading();
        }
        f = f.replace("\\t", "\t").replace("\\n", "\n");
        List<Part> parts = new ArrayList<>();
        int at = 0;
        while (at < f.length()) {
            int open = f.indexOf("{{", at);
            if (open < 0) {
                parts.add(new Text(f.substring(at)));
                break;
            }
            if (open > at) {
                parts.add(new Text(f.substring(at, open)));
            }
            int close = f.indexOf("}}", open + 2);
            if (close < 0) {
                throw new InvalidArgumentException("--format: unclosed action \"" + f.substring(open) + "\"");
            }
            String action = f.substring(open + 2, close).strip();
            parts.add(action(action, fields));
            at = close + 2;
        }
        return new Template(List.copyOf(parts), table);
    }

    private static Part action(String action, List<String> fields) throws InvalidArgumentException {
        if (action.equals("json .")) {
            return new JsonField(null);
        }
        if (action.startsWith("json .") && action.indexOf(' ', 5) < 0) {
            return new JsonField(field(action.substring(6), fields));
        }
        if (action.startsWith(".") && action.length() > 1 && action.chars().allMatch(c -> c == '.' || Character.isLetterOrDigit(c))) {
            return new Field(field(action.substring(1), fields));
        }
        throw new InvalidArgumentException("--format: unsupported action \"{{" + action + "}}\" (supported: {{.Field}}, {{json .}}, "
                + "{{json .Field}}, a leading \"table\"; fields: " + known(fields) + ")");
    }

    private static String field(String name, List<String> fields) throws InvalidArgumentException {
        if (!fields.contains(name)) {
            throw new InvalidArgumentException("--format: can't evaluate field " + name + " (fields: " + known(fields) + ")");
        }
        return name;
    }

    private static String known(List<String> fields) {
        return String.join(", ", fields.stream().map(f -> "." + f).toList());
    }

    /** The lines for {@code rows} (each a map from field name to value), the header first for a table. */
    public String render(List<Map<String, Object>> rows) {
        List<String> lines = new ArrayList<>();
        if (table) {
            StringBuilder h = new StringBuilder();
            for (Part p : parts) {
                switchAppend(h, p, null);
            }
            lines.add(h.toString());
        }
        for (Map<String, Object> row : rows) {
            StringBuilder b = new StringBuilder();
            for (Part p : parts) {
                switchAppend(b, p, row);
            }
            lines.add(b.toString());
        }
        String text = String.join("\n", lines);
        if (table) {
            text = align(text);
        }
        return lines.isEmpty() ? "" : text + "\n";
    }

    private static void switchAppend(StringBuilder b, Part p, Map<String, Object> row) {
        if (p instanceof Text t) {
            b.append(t.text());
        } else if (p instanceof Field f) {
            if (row == null) {
                b.append(header(f.name()));
            } else {
                Object v = row.get(f.name());
                b.append(v == null ? "" : v);
            }
        } else if (p instanceof JsonField j) {
            if (row == null) {
                b.append(j.name() == null ? "" : header(j.name()));
            } else {
                try {
                    b.append(Json.MAPPER.writeValueAsString(j.name() == null ? row : row.get(j.name())));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /** A header as podman writes it: {@code ImageSize} becomes {@code IMAGE SIZE}, {@code ID} stays. */
    static String header(String field) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (i > 0 && Character.isUpperCase(c) && Character.isLowerCase(field.charAt(i - 1))) {
                b.append(' ');
            }
            b.append(Character.toUpperCase(c));
        }
        return b.toString();
    }

    /** Go's tabwriter as podman sets it up (minwidth 2, padding 2): tab-separated cells padded into columns. */
    static String align(String text) {
        String[] lines = text.split("\n", -1);
        List<String[]> cells = new ArrayList<>();
        int cols = 0;
        for (String l : lines) {
            String[] c = l.split("\t", -1);
            cells.add(c);
            cols = Math.max(cols, c.length);
        }
        int[] width = new int[cols];
        for (String[] c : cells) {
            for (int i = 0; i < c.length - 1; i++) {
                width[i] = Math.max(width[i], c[i].length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (int l = 0; l < cells.size(); l++) {
            String[] c = cells.get(l);
            for (int i = 0; i < c.length; i++) {
                b.append(c[i]);
                if (i < c.length - 1) {
                    b.append(" ".repeat(Math.max(2, width[i] + 2) - c[i].length()));
                }
            }
            if (l < cells.size() - 1) {
                b.append('\n');
            }
        }
        return b.toString();
    }
}
