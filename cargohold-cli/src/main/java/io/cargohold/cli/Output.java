package io.cargohold.cli;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.cargohold.content.BlobInfo;
import io.cargohold.content.KvRecord;
import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** JSON and text renderings shared by the commands (field order is stable for scripts). */
public final class Output {
    /** Made on first use: a command that prints no JSON never initialises Jackson's databind (~20 ms at start-up). */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        static final DefaultPrettyPrinter PRETTY =
                new DefaultPrettyPrinter().withArrayIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);
    }

    private Output() {
    }

    public static void json(PrintStream out, Object value) throws IOException {
        out.println(Json.MAPPER.writer(Json.PRETTY).writeValueAsString(value));
    }

    public static Map<String, Object> blob(BlobInfo b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("digest", b.digest().toString());
        m.put("size", b.size());
        m.put("mediaType", b.mediaType());
        m.put("added", b.addedAt().toString());
        return m;
    }

    public static Map<String, Object> record(KvRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("namespace", r.namespace());
        m.put("key", r.key());
        m.put("value", r.value());
        m.put("blob", r.blob() == null ? null : r.blob().toString());
        m.put("updated", r.updatedAt().toString());
        return m;
    }

    public static String blobLine(BlobInfo b) {
        return b.digest() + "\t" + b.size() + "\t" + (b.mediaType() == null ? "-" : b.mediaType());
    }

    public static String recordLine(KvRecord r) {
        return r.key() + "\t" + r.value() + (r.blob() == null ? "" : "\t" + r.blob());
    }

    /** 1536 → "1.5 KiB". */
    public static String bytes(long n) {
        // "1.5", not "1,5", whatever the locale: no localization at all (a null locale: the digits and '.' that
        // Locale.ROOT gives too, without loading its DecimalFormatSymbols, ~3-7 ms at the start of a `cargohold list`)
        return bytes(n, null);
    }

    /** {@link #bytes(long)} with the number formatted for {@code locale} (null: none). */
    static String bytes(long n, Locale locale) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(locale, "%.1f %s", v, units[u]);
    }
}
