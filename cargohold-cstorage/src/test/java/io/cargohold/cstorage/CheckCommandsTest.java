package io.cargohold.cstorage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import io.cargohold.storage.check.CheckOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * v1.51.0's check, create-storage-layer and storage-layers: texts, JSON and exit statuses as upstream's
 * v1.51.0 binary prints them on the same stores (compared side by side).
 */
class CheckCommandsTest {
    @TempDir
    Path dir;

    @Test
    void damageReportedAsUpstreamDoes() throws Exception {
        Cs cs = new Cs(dir);
        String layer = cs.cs("create-layer").ok().id();
        String image = cs.cs("create-image", layer).ok().id();
        cs.cs("delete", layer).ok();
        String stray = cs.cs("create-storage-layer").ok().id();
        assertEquals(64, stray.length());
        assertEquals(stray + "\n", cs.cs("storage-layers").ok().out());
        assertEquals("[\"" + stray + "\"]\n", cs.cs("storage-layers", "-j").ok().out());
        assertEquals(stray + "\n", cs.cs("create-storage-layer", "-i", stray).ok().out(), "an existing tree is fine upstream");
        Cs.Result none = cs.cs("create-storage-layer", "-j", "nonexist");
        assertEquals(1, none.status());
        assertEquals("Stat " + cs.graph.resolve("vfs/dir/nonexist") + ": no such file or directory\n", none.err());

        Cs.Result r = cs.cs("check");
        assertEquals(1, r.status());
        assertEquals("layer " + stray + ":\n layer " + stray + ": layer in lower level storage driver not accounted for\n"
                + "image " + image + ":\n image " + image + ": layer " + layer + ": image layer is missing\n", r.out());
        assertEquals("1 layer errors, 0 read-only layer errors, 1 image errors, 0 read-only image errors, 0 container errors\n", r.err());
        Cs.Result j = cs.cs("check", "-j");
        assertEquals(1, j.status());
        assertEquals("{\"Layers\":{\"" + stray + "\":[{}]},\"ROLayers\":{},\"Images\":{\"" + image + "\":[{}]},\"ROImages\":{},"
                + "\"Containers\":{}}\n", j.out());
        Cs.Result bad = cs.cs("check", "-m", "3x");
        assertEquals(1, bad.status());
        assertEquals("time: unknown unit \"x\" in duration \"3x\"\n", bad.err());

        Cs.Result fixed = cs.cs("check", "-r");
        assertEquals(0, fixed.status(), fixed.err());
        assertEquals("", cs.cs("check").ok().out());
        assertEquals("", cs.cs("storage-layers").ok().out());
        assertEquals("", cs.cs("images", "-q").ok().out());
    }

    @Test
    void unusedLayersOnlyOnceOldEnough() throws Exception {
        Cs cs = new Cs(dir);
        String layer = cs.cs("create-layer").ok().id();
        assertEquals("", cs.cs("check").ok().out());
        Cs.Result r = cs.cs("check", "-m", "0", "-q");
        assertEquals(1, r.status());
        assertTrue(r.out().contains("layer " + layer + ": layer not referenced by any images or containers\n"), r.out());
        assertEquals(0, cs.cs("check", "--repair", "--max=0").status());
        assertFalse(Files.exists(cs.graph.resolve("vfs/dir").resolve(layer)));
    }

    @Test
    void goDurations() {
        assertEquals(Duration.ofHours(24), CheckOptions.parseDuration("24h"));
        assertEquals(Duration.ZERO, CheckOptions.parseDuration("0"));
        assertEquals(Duration.ofMinutes(90), CheckOptions.parseDuration("1h30m"));
        assertEquals(Duration.ofMillis(1500), CheckOptions.parseDuration("1.5s"));
        assertEquals(Duration.ofHours(-1), CheckOptions.parseDuration("-1h"));
        for (String[] bad : new String[][] {{"", "time: invalid duration \"\""}, {"1", "time: missing unit in duration \"1\""},
                {"1d", "time: unknown unit \"d\" in duration \"1d\""}, {"h", "time: invalid duration \"h\""},
                // go1.19's texts: only ASCII digits are digits, and time's own quoting (bytes as \xNN)
                {"\u0661h", "time: invalid duration \"\\xd9\\xa1h\""},
                {"1h\u0663m", "time: unknown unit \"h\\xd9\\xa3m\" in duration \"1h\\xd9\\xa3m\""},
                {"3\u0001s", "time: unknown unit \"\\x01s\" in duration \"3\\x01s\""},
                {"1\"x", "time: unknown unit \"\\\"x\" in duration \"1\\\"x\""}}) {
            try {
                CheckOptions.parseDuration(bad[0]);
                throw new AssertionError(bad[0]);
            } catch (IllegalArgumentException e) {
                assertEquals(bad[1], e.getMessage());
            }
        }
    }
}
