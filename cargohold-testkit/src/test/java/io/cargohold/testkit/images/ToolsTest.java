package io.cargohold.testkit.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class ToolsTest {
    @Test
    void aMissingToolFailsWithoutTheOptOut() {
        Map<String, String> nowhere = Map.of("PATH", "/nonexistent:/also/not");
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> Tools.require("skopeo", nowhere, "required"));
        assertTrue(e.getMessage().contains("-Dcargohold.peers=skip"), e.getMessage());
        assertThrows(AssertionFailedError.class, () -> Tools.require("sh", nowhere, "required"));
        assertThrows(AssertionFailedError.class, () -> Tools.require("umoci", Map.of("PATH", "/nonexistent", "CI", "true"), "required"));
    }

    @Test
    void theOptOutSkipsEveryPeerTestAndIsRefusedOnCi() {
        TestAbortedException e = assertThrows(TestAbortedException.class, () -> Tools.require("podman", Map.of("PATH", "/bin"), "skip"));
        assertTrue(e.getMessage().startsWith(Tools.PEER_SKIP_MARK), e.getMessage());
        // installed or not: the short suite is the same everywhere
        assertThrows(TestAbortedException.class, () -> Tools.require("skopeo", Map.of("PATH", "/usr/bin:/bin"), "skip"));
        // not a peer tool: still required
        assertEquals(Path.of("/bin/sh"), Tools.require("sh", Map.of("PATH", "/bin"), "skip"));
        assertThrows(AssertionFailedError.class, () -> Tools.require("no-such-tool-here", Map.of("PATH", "/bin"), "skip"));
        assertThrows(AssertionFailedError.class, () -> Tools.require("umoci", Map.of("PATH", "/bin", "CI", "true"), "skip"));
        assertThrows(AssertionFailedError.class, () -> Tools.require("umoci", Map.of("PATH", "/bin"), "maybe"));
    }

    @Test
    void aToolOnPathIsFound() {
        assertEquals(Path.of("/bin/sh"), Tools.require("sh", Map.of("PATH", "/nonexistent::/bin", "CI", "true"), "required"));
    }
}
