package io.cargohold.digest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.errors.InvalidArgumentException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DigestTest {
    private static final String EMPTY_SHA256 = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @Test
    void knownVectors() throws Exception {
        assertEquals(EMPTY_SHA256, Digest.sha256(new byte[0]).toString());
        assertEquals("sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
                Digest.of(DigestAlgorithm.SHA512, new byte[0], 0, 0).toString());
        assertEquals(Digest.parse(EMPTY_SHA256), Digest.sha256(new byte[0]));
    }

    @Property
    void parseInvertsToString(@ForAll byte[] data, @ForAll("algorithms") DigestAlgorithm a) throws Exception {
        Digest d = Digest.of(a, data, 0, data.length);
        assertEquals(d, Digest.parse(d.toString()));
        assertEquals(a.hexLength(), d.hex().length());
    }

    @Property
    void streamingDigestEqualsOneShot(@ForAll byte[] data, @ForAll @IntRange(min = 1, max = 17) int chunk) throws IOException {
        try (var in = new DigestingInputStream(new ByteArrayInputStream(data), DigestAlgorithm.SHA256)) {
            byte[] buf = new byte[chunk];
            while (in.read(buf) >= 0) {
                // drain
            }
            assertEquals(data.length, in.count());
            assertEquals(Digest.sha256(data), in.digest());
        }
    }

    @Provide
    Arbitrary<DigestAlgorithm> algorithms() {
        return Arbitraries.of(DigestAlgorithm.values());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "sha256",
            "sha256:",
            ":abc",
            "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555",
            "sha256:g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "SHA256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            " sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
    })
    void malformedDigestsAreRejected(String s) {
        InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> Digest.parse(s));
        assertTrue(e.getMessage().contains("digest"), e.getMessage());
    }

    @Test
    void unknownAlgorithmIsNamed() {
        var e = assertThrows(InvalidArgumentException.class,
                () -> Digest.parse("blake3:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        assertTrue(e.getMessage().contains("unsupported digest algorithm \"blake3\""), e.getMessage());
        assertThrows(InvalidArgumentException.class, () -> DigestPrefix.parse("md5:abc"));
    }

    @Property
    void prefixMatchesExactlyTheDigestsStartingWithIt(@ForAll("hex64") String hex, @ForAll @IntRange(min = 0, max = 64) int len,
                                                      @ForAll("hex64") String other) throws Exception {
        Digest d = new Digest(DigestAlgorithm.SHA256, hex);
        Digest o = new Digest(DigestAlgorithm.SHA256, other);
        String p = hex.substring(0, len);
        if (len > 0) {
            DigestPrefix bare = DigestPrefix.parse(p);
            assertTrue(bare.matches(d));
            assertEquals(other.startsWith(p), bare.matches(o));
        }
        DigestPrefix qualified = DigestPrefix.parse("sha256:" + p);
        assertTrue(qualified.matches(d));
        assertEquals(other.startsWith(p), qualified.matches(o));
        assertFalse(DigestPrefix.parse("sha512:" + p).matches(d));
        assertEquals(len == 64, qualified.isComplete());
    }

    @Provide
    Arbitrary<String> hex64() {
        return Arbitraries.strings().withChars("0123456789abcdef").ofLength(64);
    }

    @Property
    void prefixRejectsNonHex(@ForAll @StringLength(min = 1, max = 10) String s) {
        boolean hex = s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
        if (hex) {
            return;
        }
        assertThrows(InvalidArgumentException.class, () -> DigestPrefix.parse("sha256:" + s.replace(":", "")
                + (s.replace(":", "").isEmpty() ? "x" : "")));
    }

    @Test
    void digestingStreamOnText() throws IOException {
        byte[] text = "hello\n".getBytes(StandardCharsets.UTF_8);
        var md = DigestAlgorithm.SHA256.newMessageDigest();
        String expected = "sha256:" + HexFormat.of().formatHex(md.digest(text));
        try (var in = new DigestingInputStream(new ByteArrayInputStream(text), DigestAlgorithm.SHA256)) {
            in.readAllBytes();
            assertEquals(expected, in.digest().toString());
        }
    }
}
