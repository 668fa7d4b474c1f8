package io.cargohold.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The AOT training run recorded by {@code bin/build}: the common commands against a throw-away store,
 * in one JVM, so the cache holds the classes a typical invocation loads and links.
 */
public final class Train {
    private Train() {
    }

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args[0]).resolve("store");
        Path file = Path.of(args[0]).resolve("blob");
        Files.writeString(file, "training content\n");
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
        String r = root.toString();
        String[][] runs = {
                {"--root", r, "status"},
                {"--root", r, "status", "--json"},
                {"--root", r, "blob", "put", file.toString()},
                {"--root", r, "blob", "put", "--json", "--media-type", "text/plain", file.toString()},
                {"--root", r, "blob", "ls"},
                {"--root", r, "blob", "ls", "--json"},
                {"--root", r, "blob", "resolve", "sha256:4"},
                {"--root", r, "blob", "info", "--json", "sha256:"},
                {"--root", r, "blob", "get", "sha256:"},
                {"--root", r, "blob", "data", "set", "sha256:", "label", "x"},
                {"--root", r, "blob", "data", "ls", "sha256:"},
                {"--root", r, "kv", "set", "refs", "a:b", "v", "--blob", "sha256:"},
                {"--root", r, "kv", "ls", "refs", "--json"},
                {"--root", r, "kv", "get", "refs", "a:b"},
                {"--root", r, "kv", "rm", "refs", "a:b"},
                {"--root", r, "blob", "rm", "sha256:"},
                {"--root", r, "fsck"},
                {"--root", r, "blob", "get", "nothing"},
                {"--root", r, "--help"},
        };
        for (String[] a : runs) {
            int code = Main.run(new ByteArrayInputStream(new byte[0]), sink, sink, Map.of(), a);
            System.out.println(String.join(" ", a) + " -> " + code);
        }
    }
}
