package io.cargohold.cstorage;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs containers-storage in-process on a store under {@code dir}. */
final class CliRunner {
    record Result(int status, String out, String err, byte[] outBytes) {
        List<String> lines() {
            return out.isEmpty() ? List.of() : List.of(out.split("\n", -1)).subList(0, out.split("\n", -1).length - (out.endsWith("\n") ? 1 : 0));
        }
    }

    private final Path dir;

    CliRunner(Path dir) {
        this.dir = dir;
    }

    Path graph() {
        return dir.resolve("g");
    }

    Result run(String... args) {
        return runWithInput(new byte[0], args);
    }

    Result runWithInput(byte[] stdin, String... args) {
        List<String> argv = new ArrayList<>(List.of("--storage-driver", "vfs", "-g", graph().toString(), "-R", dir.resolve("r").toString()));
        argv.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = Main.run(new ByteArrayInputStream(stdin), o, e, Map.of(), dir, argv, Host.under(dir.resolve("host")));
        }
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), out.toByteArray());
    }

    /** Runs and requires status 0; returns stdout. */
    String ok(String... args) {
        Result r = run(args);
        if (r.status() != 0) {
            throw new AssertionError("status " + r.status() + " for " + List.of(args) + ": " + r.out() + r.err());
        }
        return r.out();
    }
}
