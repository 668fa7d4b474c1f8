package io.cargohold.cli;

import static io.cargohold.cli.Cli.sha256;
import static io.cargohold.cli.Cli.sha512;
import static io.cargohold.cli.Cli.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cargohold blob put|get|ls|info|resolve|rm}. */
class BlobCommandsTest {
    @TempDir
    Path tmp;

    Cli cli;

    @BeforeEach
    void setUp() {
        cli = new Cli(tmp.resolve("store"));
    }

    private Path file(String name, byte[] content) throws IOException {
        return Files.write(tmp.resolve(name), content);
    }

    private Path blobFile(String digest) {
        String[] parts = digest.split(":");
        return cli.root.resolve("blobs").resolve(parts[0]).resolve(parts[1]);
    }

    private List<String> ingestDir() throws IOException {
        try (Stream<Path> s = Files.list(cli.root.resolve("ingest"))) {
            return s.map(Path::toString).toList();
        }
    }

    @Test
    void putFileThenGetToStdoutAndToFile() throws IOException {
        byte[] content = new byte[70_000]; // binary, several buffers' worth for the streams
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 31 + 7);
        }
        String digest = sha256(content);

        assertEquals(digest + "\n", cli.run("blob", "put", file("in.bin", content).toString()).ok().out());

        Path stored = blobFile(digest);
        assertArrayEquals(content, Files.readAllBytes(stored));
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(stored)));

        assertArrayEquals(content, cli.run("blob", "get", digest).ok().stdout());

        Path target = tmp.resolve("out.bin");
        Cli.Result toFile = cli.run("blob", "get", "-o", target.toString(), digest.substring(0, 7 + 10)).ok();
        assertEquals("", toFile.out());
        assertArrayEquals(content, Files.readAllBytes(target));

        // --output replaces an existing file
        Files.writeString(target, "old content");
        cli.run("blob", "get", "--output", target.toString(), digest.substring(7, 7 + 12)).ok();
        assertArrayEquals(content, Files.readAllBytes(target));

        // An I/O failure is exit code 1 (here: the output's directory does not exist).
        Path noDir = tmp.resolve("no-such-dir");
        cli.run("blob", "get", "-o", noDir.resolve("out").toString(), digest).fails(ExitCodes.ERROR, "directory " + noDir + " does not exist");
        assertFalse(Files.exists(noDir));
    }

    @Test
    void putDashReadsStdin() {
        byte[] content = utf8("from standard input\n");
        String digest = sha256(content);
        Instant before = Instant.now();

        assertEquals(digest + "\n", cli.withStdin(content, "blob", "put", "-").ok().out());

        JsonNode info = cli.run("blob", "info", "--json", digest).ok().json();
        assertEquals(List.of("digest", "size", "mediaType", "added", "data", "referencedBy"), Cli.fieldNames(info));
        assertEquals(digest, info.get("digest").asText());
        assertEquals(content.length, info.get("size").asLong());
        assertTrue(info.get("mediaType").isNull());
        Instant added = Instant.parse(info.get("added").asText());
        assertFalse(added.isBefore(before.minusSeconds(1)) || added.isAfter(Instant.now().plusSeconds(1)), added::toString);
        assertTrue(info.get("data").isObject() && info.get("data").isEmpty());
        // only the put's fresh-blob lease, which keeps it from a gc for the grace period
        assertEquals(1, info.get("referencedBy").size(), info.toString());
        assertArrayEquals(content, cli.run("blob", "get", digest).ok().stdout());
    }

    @Test
    void putJsonReportsInsertedThenAlreadyPresent() throws IOException {
        byte[] content = utf8("{\"layer\":1}");
        String digest = sha256(content);
        Path f = file("layer.json", content);
        String type = "application/vnd.oci.image.layer.v1.tar";

        JsonNode first = cli.run("blob", "put", "--json", "--media-type", type, f.toString()).ok().json();
        assertEquals(List.of("digest", "size", "mediaType", "added", "status"), Cli.fieldNames(first));
        assertEquals(digest, first.get("digest").asText());
        assertEquals(content.length, first.get("size").asLong());
        assertEquals(type, first.get("mediaType").asText());
        assertEquals("inserted", first.get("status").asText());

        JsonNode second = cli.withStdin(content, "blob", "put", "--json", "-").ok().json();
        assertEquals("already-present", second.get("status").asText());
        assertEquals(digest, second.get("digest").asText());
        assertEquals(type, second.get("mediaType").asText(), "the stored media type is kept");
        assertEquals(first.get("added").asText(), second.get("added").asText());

        assertEquals(List.of(digest + "\t" + content.length + "\t" + type), cli.run("blob", "ls").ok().lines());
    }

    @Test
    void putWithSha512() {
        byte[] content = utf8("hashed with sha512");
        String digest = sha512(content);
        assertNotEquals(sha256(content), digest);

        assertEquals(digest + "\n", cli.withStdin(content, "blob", "put", "--algorithm", "sha512", "-").ok().out());
        assertTrue(Files.isRegularFile(blobFile(digest)));
        assertEquals(digest + "\n", cli.run("blob", "resolve", digest.substring(0, "sha512:".length() + 8)).ok().out());
        assertArrayEquals(content, cli.run("blob", "get", digest).ok().stdout());
        assertEquals(List.of(digest + "\t" + content.length + "\t-"), cli.run("blob", "ls").ok().lines());

        // an explicit sha256 gives the other digest for the same content
        assertEquals(sha256(content) + "\n", cli.withStdin(content, "blob", "put", "--algorithm", "sha256", "-").ok().out());
    }

    @Test
    void sizeMismatchStoresNothing() throws IOException {
        byte[] content = utf8("0123456789");
        String digest = sha256(content);

        cli.withStdin(content, "blob", "put", "--size", "11", "-")
                .fails(ExitCodes.CORRUPT, "size mismatch: expected 11 bytes, got 10 (truncated input?)");
        cli.withStdin(content, "blob", "put", "--size", "9", "-")
                .fails(ExitCodes.CORRUPT, "size mismatch: more than the expected 9 bytes");
        assertEquals("", cli.run("blob", "ls").ok().out());
        assertFalse(Files.exists(blobFile(digest)));
        assertEquals(List.of(), ingestDir());

        assertEquals(digest + "\n", cli.withStdin(content, "blob", "put", "--size", "10", "-").ok().out());
    }

    @Test
    void digestMismatchStoresNothing() {
        byte[] content = utf8("actual content");
        String other = sha256(utf8("expected content"));

        cli.withStdin(content, "blob", "put", "--digest", other, "-")
                .fails(ExitCodes.CORRUPT, "digest mismatch: expected " + other + ", content (14 bytes) is " + sha256(content));
        assertEquals("", cli.run("blob", "ls").ok().out());
        assertFalse(Files.exists(blobFile(sha256(content))));

        String digest = sha512(content);
        assertEquals(digest + "\n", cli.withStdin(content, "blob", "put", "--digest", digest, "-").ok().out());
    }

    @Test
    void putRejectsBadArguments() throws IOException {
        byte[] content = utf8("x");
        Path f = file("x", content);
        String p = f.toString();

        cli.run("blob", "put", "--digest", "sha256:abc", p).fails(ExitCodes.USAGE, "invalid digest \"sha256:abc\"");
        cli.run("blob", "put", "--digest", "SHA256:" + sha256(content).substring(7), p).fails(ExitCodes.USAGE, "invalid digest");
        cli.run("blob", "put", "--algorithm", "sha1", p).fails(ExitCodes.USAGE, "unsupported digest algorithm \"sha1\"");
        cli.run("blob", "put", "--algorithm", "sha512", "--digest", sha256(content), p)
                .fails(ExitCodes.USAGE, "--algorithm sha512 contradicts --digest " + sha256(content));
        cli.run("blob", "put", "--size", "-1", p).fails(ExitCodes.USAGE, "--size must not be negative");
        cli.run("blob", "put", "--size", "ten", p).fails(ExitCodes.USAGE, "--size");
        cli.run("blob", "put", "--media-type", "not a type", p).fails(ExitCodes.USAGE, "invalid media type");
        cli.run("blob", "put", "--bogus", p).fails(ExitCodes.USAGE, "Unknown option: '--bogus'");
        cli.run("blob", "put").fails(ExitCodes.USAGE, "Missing required parameter");
        cli.run("blob", "put", tmp.resolve("absent").toString()).fails(ExitCodes.NOT_FOUND, "no such file: ");
        assertEquals("", cli.run("blob", "ls").ok().out());

        // agreeing flags are fine
        cli.run("blob", "put", "--algorithm", "sha256", "--digest", sha256(content), p).ok();
    }

    @Test
    void lsFiltersAndLimits() throws IOException {
        Map<String, byte[]> contents = new HashMap<>();
        List<String> digests = new ArrayList<>();
        for (String s : List.of("alpha", "beta", "gamma", "delta")) {
            byte[] c = utf8(s);
            String d = sha256(c);
            contents.put(d, c);
            digests.add(d);
        }
        // alpha, beta: text/plain; gamma: application/json; delta: no media type
        cli.run("blob", "put", "--media-type", "text/plain", file("a", contents.get(digests.get(0))).toString()).ok();
        cli.run("blob", "put", "--media-type", "text/plain", file("b", contents.get(digests.get(1))).toString()).ok();
        cli.run("blob", "put", "--media-type", "application/json", file("g", contents.get(digests.get(2))).toString()).ok();
        cli.run("blob", "put", file("d", contents.get(digests.get(3))).toString()).ok();
        byte[] big = utf8("stored with sha512");
        String d512 = sha512(big);
        cli.withStdin(big, "blob", "put", "--algorithm", "sha512", "-").ok();
        cli.run("blob", "data", "set", digests.get(0), "label", "keep").ok();
        cli.run("blob", "data", "set", digests.get(2), "label", "drop").ok();

        Map<String, String> type = Map.of(digests.get(0), "text/plain", digests.get(1), "text/plain",
                digests.get(2), "application/json", digests.get(3), "-", d512, "-");
        List<String> all = new ArrayList<>(digests);
        all.add(d512);
        all.sort(null); // ordered by digest string: every sha256 before sha512
        List<String> expected = all.stream().map(d -> d + "\t" + contentSize(d, contents, big) + "\t" + type.get(d)).toList();
        assertEquals(expected, cli.run("blob", "ls").ok().lines());

        String one = digests.get(1);
        assertEquals(List.of(one + "\t4\ttext/plain"), cli.run("blob", "ls", "--prefix", one.substring(0, 7 + 12)).ok().lines());
        assertEquals(List.of(one + "\t4\ttext/plain"), cli.run("blob", "ls", "--prefix", one.substring(7, 7 + 12)).ok().lines());
        assertEquals(List.of(d512), firstColumn(cli.run("blob", "ls", "--prefix", "sha512:").ok()));
        assertEquals(all.subList(0, 4), firstColumn(cli.run("blob", "ls", "--prefix", "sha256:").ok()));

        assertEquals(sorted(digests.get(0), digests.get(1)), firstColumn(cli.run("blob", "ls", "--media-type", "text/plain").ok()));
        assertEquals(List.of(digests.get(2)), firstColumn(cli.run("blob", "ls", "--media-type", "application/json").ok()));
        assertEquals(List.of(), cli.run("blob", "ls", "--media-type", "image/png").ok().lines());

        assertEquals(sorted(digests.get(0), digests.get(2)), firstColumn(cli.run("blob", "ls", "--data", "label").ok()));
        assertEquals(List.of(digests.get(0)), firstColumn(cli.run("blob", "ls", "--data", "label=keep").ok()));
        assertEquals(List.of(), cli.run("blob", "ls", "--data", "label=other").ok().lines());
        cli.run("blob", "ls", "--data", "=keep").fails(ExitCodes.USAGE, "--data needs a NAME");
        cli.run("blob", "ls", "--data", "").fails(ExitCodes.USAGE, "--data needs a NAME");
        assertEquals(List.of(digests.get(0)),
                firstColumn(cli.run("blob", "ls", "--data", "label", "--media-type", "text/plain").ok()));

        assertEquals(all.subList(0, 2), firstColumn(cli.run("blob", "ls", "--limit", "2").ok()));
        assertEquals(all, firstColumn(cli.run("blob", "ls", "--limit", "100").ok()));

        JsonNode rows = cli.run("blob", "ls", "--json", "--media-type", "text/plain").ok().json();
        assertTrue(rows.isArray());
        assertEquals(2, rows.size());
        List<String> jsonDigests = new ArrayList<>();
        for (JsonNode row : rows) {
            assertEquals(List.of("digest", "size", "mediaType", "added"), Cli.fieldNames(row));
            assertEquals("text/plain", row.get("mediaType").asText());
            assertEquals(contents.get(row.get("digest").asText()).length, row.get("size").asLong());
            Instant.parse(row.get("added").asText());
            jsonDigests.add(row.get("digest").asText());
        }
        assertEquals(sorted(digests.get(0), digests.get(1)), jsonDigests);
        assertEquals("[ ]", cli.run("blob", "ls", "--json", "--media-type", "image/png").ok().out().strip());

        cli.run("blob", "ls", "--limit", "0").fails(ExitCodes.USAGE, "--limit must be positive");
        cli.run("blob", "ls", "--prefix", "XYZ").fails(ExitCodes.USAGE, "invalid digest prefix \"XYZ\"");
        cli.run("blob", "ls", "--prefix", "md5:ab").fails(ExitCodes.USAGE, "unsupported digest algorithm \"md5\"");
    }

    private static long contentSize(String d, Map<String, byte[]> contents, byte[] other) {
        return contents.containsKey(d) ? contents.get(d).length : other.length;
    }

    private static List<String> sorted(String... xs) {
        return Stream.of(xs).sorted().toList();
    }

    private static List<String> firstColumn(Cli.Result r) {
        return r.lines().stream().map(l -> l.split("\t")[0]).toList();
    }

    @Test
    void infoText() {
        byte[] content = utf8("info me");
        String digest = sha256(content);
        cli.withStdin(content, "blob", "put", "--media-type", "text/plain", "-").ok();
        cli.run("blob", "data", "set", digest, "z-last", "2").ok();
        cli.run("blob", "data", "set", digest, "a-first", "1").ok();
        cli.run("kv", "set", "tags", "v1", "x", "--blob", digest).ok();

        List<String> lines = cli.run("blob", "info", digest.substring(0, 12)).ok().lines();
        assertEquals(8, lines.size(), lines::toString);
        assertEquals("digest:     " + digest, lines.get(0));
        assertEquals("size:       7", lines.get(1));
        assertEquals("media type: text/plain", lines.get(2));
        assertTrue(lines.get(3).startsWith("added:      "));
        Instant.parse(lines.get(3).substring("added:      ".length()));
        assertEquals("data:       a-first=1", lines.get(4));
        assertEquals("data:       z-last=2", lines.get(5));
        assertEquals("referenced: leases/fresh/" + digest, lines.get(6), "the put's fresh-blob lease");
        assertEquals("referenced: tags/v1", lines.get(7));

        JsonNode json = cli.run("blob", "info", "--json", digest).ok().json();
        assertEquals("1", json.get("data").get("a-first").asText());
        assertEquals("2", json.get("data").get("z-last").asText());
        assertEquals("tags/v1", json.get("referencedBy").get(1).asText());

        cli.run("blob", "info", sha256(utf8("absent"))).fails(ExitCodes.NOT_FOUND, "blob " + sha256(utf8("absent")) + " not found");
    }

    @Test
    void resolvePrefixes() {
        // Two contents whose sha256 digests share the first hex digit (among 17 there must be two).
        Map<Character, byte[]> byFirst = new HashMap<>();
        byte[] ca = null;
        byte[] cb = null;
        for (int i = 0; ca == null; i++) {
            byte[] c = utf8("content " + i);
            byte[] prev = byFirst.putIfAbsent(sha256(c).charAt(7), c);
            if (prev != null) {
                ca = prev;
                cb = c;
            }
        }
        String a = sha256(ca);
        String b = sha256(cb);
        assertEquals(a + "\n", cli.withStdin(ca, "blob", "put", "-").ok().out());
        assertEquals(b + "\n", cli.withStdin(cb, "blob", "put", "-").ok().out());
        int common = 7;
        while (a.charAt(common) == b.charAt(common)) {
            common++;
        }
        String shared = a.substring(7, common);

        cli.run("blob", "resolve", shared).fails(ExitCodes.USAGE, "ambiguous digest prefix \"" + shared + "\"");
        Cli.Result amb = cli.run("blob", "resolve", "sha256:" + shared).fails(ExitCodes.USAGE, "it matches 2 blobs");
        assertTrue(amb.err().contains(a) && amb.err().contains(b), amb.err());
        cli.run("blob", "get", shared).fails(ExitCodes.USAGE, "ambiguous digest prefix");
        cli.run("blob", "rm", shared).fails(ExitCodes.USAGE, "ambiguous digest prefix");

        assertEquals(a + "\n", cli.run("blob", "resolve", a.substring(0, common + 1)).ok().out());
        assertEquals(b + "\n", cli.run("blob", "resolve", b.substring(7, common + 1)).ok().out());
        assertEquals(a + "\n", cli.run("blob", "resolve", a).ok().out());

        String absent = sha256(utf8("absent"));
        cli.run("blob", "resolve", absent).fails(ExitCodes.NOT_FOUND, "blob " + absent + " not found");
        cli.run("blob", "resolve", "sha512:ab").fails(ExitCodes.NOT_FOUND, "no blob matches digest prefix \"sha512:ab\"");
        cli.run("blob", "resolve", "sha256:XYZ").fails(ExitCodes.USAGE, "invalid digest prefix");
        cli.run("blob", "resolve", "").fails(ExitCodes.USAGE, "invalid digest prefix \"\"");
        cli.run("blob", "resolve", a + "0").fails(ExitCodes.USAGE, "longer than a digest");
        cli.run("blob", "get", "sha256:" + "g".repeat(64)).fails(ExitCodes.USAGE, "invalid digest prefix");
    }

    @Test
    void rmRefusesReferencedBlobsThenRemoves() {
        byte[] pinned = utf8("pinned");
        byte[] loose = utf8("loose");
        String p = sha256(pinned);
        String l = sha256(loose);
        cli.withStdin(pinned, "blob", "put", "-").ok();
        cli.withStdin(loose, "blob", "put", "-").ok();
        cli.run("blob", "data", "set", l, "label", "x").ok();
        cli.run("kv", "set", "tags", "app:v1", "manifest", "--blob", p).ok();

        cli.run("blob", "rm", p).fails(ExitCodes.CONFLICT, "blob " + p + " is referenced by key/value records (tags/app:v1)");
        assertTrue(Files.exists(blobFile(p)));
        assertArrayEquals(pinned, cli.run("blob", "get", p).ok().stdout());

        assertEquals(l + "\n", cli.run("blob", "rm", l.substring(0, 15)).ok().out());
        assertFalse(Files.exists(blobFile(l)));
        cli.run("blob", "get", l).fails(ExitCodes.NOT_FOUND, "blob " + l + " not found");
        cli.run("blob", "rm", l).fails(ExitCodes.NOT_FOUND, "not found");
        assertEquals("data records:   0", cli.run("status").ok().lines().get(3), "rm removed the blob's data records");

        // Repointing the record releases the blob.
        cli.withStdin(loose, "blob", "put", "-").ok();
        cli.run("kv", "set", "tags", "app:v1", "manifest", "--blob", l).ok();
        assertEquals(p + "\n", cli.run("blob", "rm", p).ok().out());
        cli.run("blob", "rm", l).fails(ExitCodes.CONFLICT, "tags/app:v1");
        cli.run("kv", "rm", "tags", "app:v1").ok();

        // Several at once, in order.
        cli.withStdin(pinned, "blob", "put", "-").ok();
        assertEquals(p + "\n" + l + "\n", cli.run("blob", "rm", p, l).ok().out());
        assertEquals("", cli.run("blob", "ls").ok().out());
        cli.run("blob", "rm").fails(ExitCodes.USAGE, "Missing required parameter");
    }

    @Test
    void getDetectsCorruptionUnlessToldNotToVerify() throws IOException {
        byte[] content = utf8("precious bytes");
        String digest = sha256(content);
        cli.withStdin(content, "blob", "put", "-").ok();
        Path f = blobFile(digest);
        byte[] damaged = content.clone();
        damaged[0] ^= 0x20;
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        Files.write(f, damaged);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("r--r--r--"));

        Cli.Result r = cli.run("blob", "get", digest)
                .failsWithOutput(ExitCodes.CORRUPT, "blob " + digest + " is corrupt: its content hashes to " + sha256(damaged));
        assertTrue(r.err().contains("run 'cargohold fsck'"), r.err());

        Path target = tmp.resolve("out");
        cli.run("blob", "get", "-o", target.toString(), digest).fails(ExitCodes.CORRUPT, "is corrupt");
        assertFalse(Files.exists(target), "a failed verification leaves no output file");
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(), s.filter(x -> x.getFileName().toString().startsWith(".out")).toList(), "no temp file left");
        }

        assertArrayEquals(damaged, cli.run("blob", "get", "--no-verify", digest).ok().stdout());
    }

    @Test
    void getAndInfoOfAbsentBlob() {
        String absent = sha256(utf8("never stored"));
        cli.run("blob", "get", absent).fails(ExitCodes.NOT_FOUND, "blob " + absent + " not found");
        cli.run("blob", "get", "abcdef").fails(ExitCodes.NOT_FOUND, "no blob matches digest prefix \"abcdef\"");
        cli.run("blob", "get").fails(ExitCodes.USAGE, "Missing required parameter");
    }
}
