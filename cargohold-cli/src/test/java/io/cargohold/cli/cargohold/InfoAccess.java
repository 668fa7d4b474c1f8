package io.cargohold.cli.cargohold;

import io.cargohold.cli.CliContext;
import io.cargohold.storage.config.ConfigHost;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/** Test access to {@link InfoCommand}'s document with injected host paths and uid. */
public final class InfoAccess {
    private InfoAccess() {
    }

    public static Map<String, Object> collect(CliContext ctx, Path root, ConfigHost host, int uid) throws java.io.IOException {
        return InfoCommand.collect(ctx, root, host, uid);
    }

    public static String print(Map<String, Object> info) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        InfoCommand.print(new PrintStream(b, true, StandardCharsets.UTF_8), info);
        return b.toString(StandardCharsets.UTF_8);
    }
}
