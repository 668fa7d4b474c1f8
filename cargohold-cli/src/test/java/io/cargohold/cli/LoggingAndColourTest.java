package io.cargohold.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.copy.CopyBlob;
import io.cargohold.digest.Digest;
import io.cargohold.oci.Descriptor;
import io.cargohold.testkit.ChildJvm;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --debug / --log-level through a real process (the backend takes its level once per JVM), and NO_COLOR. */
class LoggingAndColourTest {
    @TempDir
    Path tmp;

    private ChildJvm cli(String... args) throws Exception {
        ChildJvm c = ChildJvm.start(java.util.List.of("--enable-native-access=ALL-UNNAMED"), Main.class, args);
        assertEquals(0, c.waitFor(120), c.stderr());
        return c;
    }

    @Test
    void debugShowsEachBlobsFateAndNothingIsPrintedByDefault() throws Exception {
        String root = tmp.resolve("store").toString();
        ChildJvm quiet = cli("--root", root, "copy", "sample:hello", "oci:" + tmp.resolve("a") + ":latest");
        assertEquals("", quiet.stderr(), "nothing on stderr by default");
        ChildJvm debug = cli("--root", root, "--debug", "copy", "sample:hello", "oci:" + tmp.resolve("b") + ":latest");
        String err = debug.stderr();
        assertTrue(err.contains("[DEBUG] ImageCopier - layer 0 sha256:") && err.contains("copying"), err);
        assertTrue(err.contains("[DEBUG] ImageCopier - committing oci:" + tmp.resolve("b") + ":latest"), err);
        assertFalse(err.contains("Runtime.exit"), "the JDK's own debug lines stay quiet: " + err);
        // the level option after the command works too (scope: inherited), and info hides debug lines
        ChildJvm info = cli("--root", root, "copy", "--log-level", "info", "sample:hello", "oci:" + tmp.resolve("b") + ":latest");
        assertEquals("", info.stderr());
    }

    @Test
    void anUnknownLevelIsAUsageError() {
        Cli.Result r = new Cli(tmp.resolve("store")).run("--log-level", "loud", "status").fails(ExitCodes.USAGE, "unknown level \"loud\"");
        assertTrue(r.err().contains("trace, debug, info"), r.err());
        assertEquals("debug", Logging.requested("--root", "x", "--debug", "status"));
        assertEquals("warning", Logging.requested("--log-level=WARNING"));
        assertEquals("warn", Logging.backendLevel("warning"));
        assertEquals("error", Logging.requested("copy", "--", "--debug"));
    }

    @Test
    void progressIsColouredUnlessNoColor() {
        assertTrue(CopyProgress.colorWanted(Map.of("TERM", "xterm")));
        assertFalse(CopyProgress.colorWanted(Map.of("NO_COLOR", "1")));
        assertTrue(CopyProgress.colorWanted(Map.of("NO_COLOR", "")), "an empty NO_COLOR does not count (no-color.org)");
        assertFalse(CopyProgress.colorWanted(Map.of("TERM", "dumb")));
        Descriptor d = Descriptor.of("application/vnd.oci.image.layer.v1.tar+gzip", Digest.sha256(new byte[] {1}), 10);
        for (boolean colour : new boolean[] {true, false}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            CopyProgress p = new CopyProgress(new PrintStream(out, true, StandardCharsets.UTF_8), colour);
            p.blobStarted(d, CopyBlob.Kind.LAYER);
            p.blobProgress(d, 10);
            p.blobDone(d, false);
            String text = out.toString(StandardCharsets.UTF_8);
            assertTrue(text.contains("done"), text);
            assertEquals(colour, text.contains("\033[32mdone\033[0m"), text);
            assertFalse(!colour && text.contains("\033[3"), "no colour codes with NO_COLOR: " + text);
        }
    }

    /** An upload started again after 6 of 10 bytes: the line goes back to 0 ("started again"), never shows 16 of 10. */
    @Test
    void progressOfABlobStartedAgainShowsThePositionNotTheSum() {
        Descriptor d = Descriptor.of("application/vnd.oci.image.layer.v1.tar+gzip", Digest.sha256(new byte[] {2}), 10_000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CopyProgress p = new CopyProgress(new PrintStream(out, true, StandardCharsets.UTF_8), false);
        p.blobStarted(d, CopyBlob.Kind.LAYER);
        p.blobProgress(d, 6_000);
        p.blobResumed(d, 0);
        p.blobProgress(d, 10_000);
        p.blobDone(d, false);
        String text = out.toString(StandardCharsets.UTF_8);
        String last = text.substring(text.lastIndexOf('\r'));
        assertTrue(last.contains("100%") && last.contains("started again") && last.contains("done"), last);
        assertFalse(text.contains("160%") || text.contains("16.0 KB") || text.contains("15.6 KiB"), text);
        out.reset();
        p = new CopyProgress(new PrintStream(out, true, StandardCharsets.UTF_8), false);
        p.blobStarted(d, CopyBlob.Kind.LAYER);
        p.blobProgress(d, 6_000);
        p.blobResumed(d, 4_000);
        p.blobProgress(d, 6_000);
        p.blobDone(d, false);
        text = out.toString(StandardCharsets.UTF_8);
        last = text.substring(text.lastIndexOf('\r'));
        assertTrue(last.contains("100%") && last.contains("resumed at"), last);
    }
}
