package io.cargohold.testkit.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class ToolsTest {
    @Test
    void aMissingToolSkipsExceptOnCi() {
        Map<String, String> local = Map.of("PATH", "/nonexistent:/also/not");
        assertThrows(TestAbortedException.class, () -> Tools.require("sh", local));
        assertThrows(TestAbortedException.class, () -> Tools.require("no-such-tool-here", Map.of("PATH", "/bin", "CI", "false")));
        assertThrows(AssertionFailedError.class, () -> Tools.require("sh", Map.of("PATH", "/nonexistent", "CI", "true")));
    }

    @Test
    void aToolOnPathIsFound() {
        assertEquals(Path.of("/bin/sh"), Tools.require("sh", Map.of("PATH", "/nonexistent::/bin", "CI", "true")));
    }
}
