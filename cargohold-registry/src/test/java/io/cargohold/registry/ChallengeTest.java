package io.cargohold.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.http.HttpHeaders;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which of a 401's WWW-Authenticate challenges is answered, and how one is parsed. */
class ChallengeTest {
    private static HttpHeaders headers(String... challenges) {
        return HttpHeaders.of(Map.of("WWW-Authenticate", List.of(challenges)), (k, v) -> true);
    }

    @Test
    void theFirstBasicOrBearerChallengeIsAnsweredWhenAnotherSchemeComesFirst() {
        Challenge c = Challenge.of(headers("Negotiate", "Bearer realm=\"https://auth.example/token\",service=\"registry.example\",scope=\"repository:a/b:pull\"",
                "Basic realm=\"x\""));
        assertEquals("bearer", c.scheme());
        assertEquals(Map.of("realm", "https://auth.example/token", "service", "registry.example", "scope", "repository:a/b:pull"), c.params());
        assertEquals("basic", Challenge.of(headers("Basic realm=\"Registry Realm\"", "Bearer realm=\"r\"")).scheme());
    }

    @Test
    void withoutASupportedSchemeTheFirstChallengeIsKeptForTheErrorAndWithoutAnyThereIsNone() {
        assertEquals("negotiate", Challenge.of(headers("Negotiate", "NTLM")).scheme());
        assertNull(Challenge.of(HttpHeaders.of(Map.of(), (k, v) -> true)));
    }

    @Test
    void quotedValuesKeepCommasAndEscapes() {
        Challenge c = Challenge.parse("Bearer realm=\"https://a/t\",scope=\"repository:x:pull,push\",error=\"say \\\"no\\\"\"");
        assertEquals("repository:x:pull,push", c.params().get("scope"));
        assertEquals("say \"no\"", c.params().get("error"));
    }
}
