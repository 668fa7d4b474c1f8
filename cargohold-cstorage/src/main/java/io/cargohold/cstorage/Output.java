package io.cargohold.cstorage;

import io.cargohold.storage.internal.GoJson;
import java.io.PrintStream;

/** Output helpers shared by the commands: JSON as Go's encoding/json writes it, one document per line. */
public final class Output {
    private Output() {
    }

    /** {@code json.Marshal(v)} + newline: compact, Go's escapes (maps in the order given; use TreeMap where Go sorts). */
    public static void json(PrintStream out, Object value) {
        byte[] b = GoJson.write(value);
        out.write(b, 0, b.length);
        out.print('\n');
    }
}
