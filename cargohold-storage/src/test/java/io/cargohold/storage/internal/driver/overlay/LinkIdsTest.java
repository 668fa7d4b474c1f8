package io.cargohold.storage.internal.driver.overlay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LinkIdsTest {
    @Test
    void base32IsGosStdEncoding() {
        // RFC 4648 test vectors (Go's base32.StdEncoding passes the same)
        assertEquals("", LinkIds.base32(new byte[0]));
        assertEquals("MY======", LinkIds.base32("f".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("MZXQ====", LinkIds.base32("fo".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("MZXW6===", LinkIds.base32("foo".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("MZXW6YQ=", LinkIds.base32("foob".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("MZXW6YTB", LinkIds.base32("fooba".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("MZXW6YTBOI======", LinkIds.base32("foobar".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void idsAre26Base32CharactersOf17RandomBytes() {
        byte[] fixed = new byte[17];
        for (int i = 0; i < fixed.length; i++) {
            fixed[i] = (byte) (i * 37 + 11);
        }
        LinkIds ids = new LinkIds(new Random() {
            @Override
            public void nextBytes(byte[] bytes) {
                assertEquals(17, bytes.length, "upstream reads (26*5+7)/8 bytes");
                System.arraycopy(fixed, 0, bytes, 0, bytes.length);
            }
        });
        assertEquals(LinkIds.base32(fixed).substring(0, 26), ids.next());
        Set<String> seen = new HashSet<>();
        LinkIds secure = LinkIds.secure();
        for (int i = 0; i < 200; i++) {
            String id = secure.next();
            assertTrue(LinkIds.isLinkId(id), id);
            assertTrue(seen.add(id));
        }
    }

    @Test
    void isLinkIdChecksLengthAndAlphabet() {
        assertTrue(LinkIds.isLinkId("ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
        assertTrue(LinkIds.isLinkId("23456723456723456723456723"));
        assertFalse(LinkIds.isLinkId("ABCDEFGHIJKLMNOPQRSTUVWXY"));
        assertFalse(LinkIds.isLinkId("ABCDEFGHIJKLMNOPQRSTUVWXY1"));
        assertFalse(LinkIds.isLinkId("abcdefghijklmnopqrstuvwxyz"));
        assertFalse(LinkIds.isLinkId("../../../../../etc/passwd0"));
    }

    @Test
    void lowerChainsAreTopmostFirst() {
        String base = LinkIds.childLower("AAAAAAAAAAAAAAAAAAAAAAAAAA", null);
        assertEquals("l/AAAAAAAAAAAAAAAAAAAAAAAAAA", base);
        String second = LinkIds.childLower("BBBBBBBBBBBBBBBBBBBBBBBBBB", base);
        assertEquals("l/BBBBBBBBBBBBBBBBBBBBBBBBBB:l/AAAAAAAAAAAAAAAAAAAAAAAAAA", second);
        assertEquals(List.of("l/BBBBBBBBBBBBBBBBBBBBBBBBBB", "l/AAAAAAAAAAAAAAAAAAAAAAAAAA"), LinkIds.split(second));
        assertEquals(List.of(), LinkIds.split(null));
        assertEquals(List.of(), LinkIds.split(""));
        assertEquals(List.of("l/X", "l/Y"), LinkIds.split("l/X::l/Y:"));
        assertNotEquals(LinkIds.secure().next(), LinkIds.secure().next());
    }
}
