package io.cargohold.oci.refs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cargohold.errors.InvalidArgumentException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReferenceTest {
    @Test
    void parsesTheUsualShapes() throws Exception {
        Reference r = Reference.parse("nginx:latest");
        assertEquals("nginx", r.name());
        assertEquals("latest", r.tag());
        assertNull(r.digest());
        Reference q = Reference.parse("quay.io:5000/app/web-front:1.2.3");
        assertEquals("quay.io:5000/app/web-front", q.name());
        assertEquals("1.2.3", q.tag());
        String d = "sha256:" + "a".repeat(64);
        Reference byDigest = Reference.parse("localhost/app@" + d);
        assertEquals("localhost/app", byDigest.name());
        assertNull(byDigest.tag());
        assertEquals(d, byDigest.digest().toString());
        assertEquals("app:v1@" + d, Reference.parse("app:v1@" + d).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "nginx", "Nginx:latest", "nginx:", "nginx:-bad", "a//b:1", "a/:1", "-a:1", "a:b:c",
            "nginx@sha256:abc", "nginx:latest@md5:00", "a b:1", ":tag"})
    void rejectsMalformedReferences(String s) {
        assertThrows(InvalidArgumentException.class, () -> Reference.parse(s));
    }

    @Provide
    Arbitrary<String> references() {
        Arbitrary<String> component = Arbitraries.strings().withChars("abcz09").ofMinLength(1).ofMaxLength(6);
        Arbitrary<String> sep = Arbitraries.of(".", "_", "__", "-", "--");
        Arbitrary<String> comp = Combinators.combine(component, sep, component).as((a, s, b) -> a + s + b);
        Arbitrary<String> path = comp.list().ofMinSize(1).ofMaxSize(3).map(l -> String.join("/", l));
        Arbitrary<String> domain = Arbitraries.of("", "quay.io/", "localhost:5000/", "registry.example.com/");
        Arbitrary<String> tag = Arbitraries.strings().withChars("abcXYZ019_.-").ofMinLength(1).ofMaxLength(20)
                .filter(t -> Character.isLetterOrDigit(t.charAt(0)) || t.charAt(0) == '_');
        return Combinators.combine(domain, path, tag).as((d, p, t) -> d + p + ":" + t);
    }

    @Property
    void toStringInvertsParse(@ForAll("references") String s) throws Exception {
        assertEquals(s, Reference.parse(s).toString());
    }
}
