package io.cargohold.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Runs the CLI in-process through {@link Main#run} against one store root, capturing its output. The
 * environment holds only a HOME inside the test's directory, so nothing can reach the real home.
 */
final class Cli {
    static final ObjectMapper JSON = new ObjectMapper();

    final Path root;
    final Map<String, String> env;

    Cli(Path root) {
        this.root = root;
        this.env = Map.of("HOME", root.resolveSibling(root.getFileName() + "-home").toString());
    }

    /** {@code cargohold --root ROOT args...} with empty stdin. */
    Result run(String... args) {
        return withStdin(new byte[0], args);
    }

    Result withStdin(byte[] stdin, String... args) {
        List<String> all = new ArrayList<>(List.of("--root", root.toString()));
        all.addAll(List.of(args));
        return raw(stdin, env, all.toArray(String[]::new));
    }

    /** The CLI exactly as given: no --root added. */
    static Result raw(byte[] stdin, Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(new ByteArrayInputStream(stdin), o, e, new HashMap<>(env), args);
        }
        return new Result(String.join(" ", args), code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }

    /** What one run did. */
    record Result(String command, int code, byte[] stdout, String err) {
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        List<String> lines() {
            return out().lines().toList();
        }

        JsonNode json() {
            try {
                return JSON.readTree(stdout);
            } catch (IOException e) {
                throw new UncheckedIOException("output of '" + command + "' is not JSON: " + out(), e);
            }
        }

        /** Exit code 0 and nothing on stderr. */
        Result ok() {
            assertEquals(0, code, () -> "'" + command + "' failed: " + err);
            assertEquals("", err, () -> "'" + command + "' wrote to stderr");
            return this;
        }

        /**
         * The exit code, one error message on stderr starting with "cargohold: " and containing
         * {@code fragment}, and nothing on stdout.
         */
        Result fails(int expectedCode, String fragment) {
            failsWithOutput(expectedCode, fragment);
            assertEquals("", out(), () -> "'" + command + "' wrote to stdout");
            return this;
        }

        /** Like {@link #fails} but stdout may have been written (streams cut short by the error). */
        Result failsWithOutput(int expectedCode, String fragment) {
            assertEquals(expectedCode, code, () -> "exit code of '" + command + "' (stderr: " + err + ")");
            assertTrue(err.startsWith("cargohold: "), () -> "stderr of '" + command + "': " + err);
            assertTrue(err.contains(fragment), () -> "stderr of '" + command + "' lacks \"" + fragment + "\": " + err);
            return this;
        }
    }

    // ---------------------------------------------------------------- independent digests

    static String sha256(byte[] data) {
        return "sha256:" + hex("SHA-256", data);
    }

    static String sha512(byte[] data) {
        return "sha512:" + hex("SHA-512", data);
    }

    static String hex(String jcaAlgorithm, byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(jcaAlgorithm).digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The field names of a JSON object, in document order. */
    static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
