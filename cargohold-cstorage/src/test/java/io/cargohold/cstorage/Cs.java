package io.cargohold.cstorage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cargohold.storage.LayerOptions;
import io.cargohold.storage.Store;
import io.cargohold.storage.StoreOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs containers-storage in-process through {@link Main#run} on a vfs store under a temporary directory. */
final class Cs {
    static final ObjectMapper JSON = new ObjectMapper();

    final Path dir;
    final Path graph;
    final Path run;

    Cs(Path dir) {
        this.dir = dir;
        this.graph = dir.resolve("g");
        this.run = dir.resolve("r");
    }

    record Result(int status, String out, String err) {
        JsonNode json() {
            try {
                return JSON.readTree(out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The first line of stdout (an ID printed by a create-* command). */
        String id() {
            return out.split("\n", -1)[0];
        }

        Result ok() {
            assertEquals(0, status, () -> "status; stdout: " + out + " stderr: " + err);
            return this;
        }
    }

    Result cs(String... args) {
        return withStdin(new byte[0], args);
    }

    Result withStdin(byte[] stdin, String... args) {
        List<String> argv = new ArrayList<>(List.of("--storage-driver", "vfs", "-g", graph.toString(), "-R", run.toString()));
        argv.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = Main.run(new ByteArrayInputStream(stdin), o, e, Map.of(), dir, argv, Host.under(dir.resolve("host")));
        }
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The store itself, for set-up the commands under test do not cover (layers). */
    Store store() throws IOException {
        return Store.open(StoreOptions.vfs(graph, run));
    }

    String layer(String parent, String... names) throws IOException {
        return store().createLayer(LayerOptions.of(parent).withNames(List.of(names))).id();
    }
}
