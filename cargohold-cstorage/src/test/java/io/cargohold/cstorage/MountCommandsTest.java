package io.cargohold.cstorage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.storage.Container;
import io.cargohold.storage.ContainerOptions;
import io.cargohold.storage.ImageOptions;
import io.cargohold.storage.Store;
import io.cargohold.storage.StoreOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.LinkOption;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountCommandsTest {
    @TempDir
    Path dir;
    CliRunner cli;

    @BeforeEach
    void setUp() {
        cli = new CliRunner(dir);
    }

    private Store store() throws Exception {
        return Store.open(StoreOptions.vfs(dir.resolve("g"), dir.resolve("r")));
    }

    @Test
    void mountCountsAndUnmount() {
        cli.ok("create-layer", "-i", "l", "-n", "name");
        String mp = cli.ok("mount", "name").strip();
        assertEquals(cli.graph().resolve("vfs/dir/l").toString(), mp);
        assertEquals(mp + "\n", cli.ok("mount", "l"));
        assertEquals("name mounted\n", cli.ok("mounted", "name"));
        assertEquals("", cli.ok("unmount", "l")); // count 2 -> 1: still mounted, nothing printed
        assertEquals("l mountpoint unmounted\n", cli.ok("umount", "l"));
        assertEquals("", cli.ok("mounted", "l")); // not mounted is not an error
        assertEquals("l mountpoint unmounted\n", cli.ok("unmount", "l")); // count 0: still "unmounted"
        cli.ok("mount", "l");
        cli.ok("mount", "l");
        assertEquals("l mountpoint unmounted\n", cli.ok("unmount", "-f", "l"));
    }

    @Test
    void mountErrorsAndJson() {
        cli.ok("create-layer", "-i", "l");
        CliRunner.Result r = cli.run("mount", "nope", "l");
        assertEquals(1, r.status());
        String mp = cli.graph().resolve("vfs/dir/l").toString();
        assertEquals("\n" + mp + "\n", r.out());
        assertEquals("layer not known while mounting nope\n", r.err());
        CliRunner.Result j = cli.run("mount", "-j", "l", "nope");
        assertEquals(1, j.status());
        assertEquals("[{\"id\":\"l\",\"mountpoint\":\"" + mp + "\",\"error\":\"\"},{\"id\":\"nope\",\"mountpoint\":\"\",\"error\":\"layer not known\"}]\n",
                j.out());
        CliRunner.Result u = cli.run("unmount", "l", "nope");
        assertEquals(1, u.status());
        assertEquals("", u.out()); // mounted twice: still mounted
        assertEquals("layer not known while unmounting nope\n", u.err());
        assertEquals("l mountpoint unmounted\n[{\"id\":\"l\",\"error\":\"\"},{\"id\":\"nope\",\"error\":\"layer not known\"}]\n",
                cli.run("unmount", "-j", "l", "nope").out());
        CliRunner.Result m = cli.run("mounted", "nope");
        assertEquals(1, m.status());
        assertEquals("layer not known checking if nope is mounted\n", m.err());
        assertEquals("[{\"id\":\"nope\",\"error\":\"layer not known\"}]\n", cli.run("mounted", "-j", "nope").out());
        // -o is parsed and ignored; --option is no flag
        assertEquals(0, cli.run("mount", "-o", "whatever", "l").status());
        assertEquals(125, cli.run("mount", "--option", "nosuid", "l").status());
    }

    @Test
    void readOnlyImageMountAlwaysFailsOnVfs() throws Exception {
        cli.ok("create-layer", "-i", "l");
        try (Store s = store()) {
            s.createImage(ImageOptions.of("l").withId("img"));
            s.createImage(ImageOptions.of(null).withId("empty"));
        }
        CliRunner.Result r = cli.run("mount", "-r", "img", "empty", "nope");
        assertEquals(1, r.status());
        assertEquals("\n\n\n", r.out());
        assertEquals("vfs driver does not support mount options while mounting img\nlayer not known while mounting empty\n"
                + "locating image with ID \"nope\": image not known while mounting nope\n", r.err());
        // unmount falls back to the image's top layer
        cli.ok("mount", "l");
        CliRunner.Result u = cli.run("unmount", "img");
        assertEquals(0, u.status());
        assertEquals("", u.out() + u.err());
        assertEquals("", cli.ok("mounted", "l"));
    }

    @Test
    void containerArgumentsMeanTheirLayer() throws Exception {
        Container c;
        try (Store s = store()) {
            c = s.createContainer(ContainerOptions.of("").withId("ctr").withNames(java.util.List.of("cname")));
        }
        String mp = cli.ok("mount", "cname").strip();
        assertEquals(cli.graph().resolve("vfs/dir/" + c.layer()).toString(), mp);
        assertEquals("ctr mounted\n", cli.ok("mounted", "ctr"));
        assertEquals("cname mountpoint unmounted\n", cli.ok("unmount", "cname"));
        // a container's layer cannot be deleted with delete-layer
        assertEquals(c.layer() + ": layer " + c.layer() + " used by container ctr: layer is in use by a container\n",
                cli.run("delete-layer", c.layer()).err());
    }

    @Test
    void copyIntoAndOutOfLayers() throws Exception {
        cli.ok("create-layer", "-i", "a");
        cli.ok("create-layer", "-i", "b");
        Files.createDirectories(dir.resolve("src/sub"));
        Files.writeString(dir.resolve("src/f"), "f");
        Files.writeString(dir.resolve("src/sub/g"), "gg");
        Path la = cli.graph().resolve("vfs/dir/a");
        Path lb = cli.graph().resolve("vfs/dir/b");
        assertEquals("", cli.ok("copy", "src", "a:/copied"));
        assertEquals("gg", Files.readString(la.resolve("copied/sub/g")));
        // a trailing slash of a layer destination is lost (filepath.Join): the file is named "dir"
        cli.ok("copy", "src/f", "a:/dir/");
        assertTrue(Files.isRegularFile(la.resolve("dir")));
        cli.ok("copy", "--chown", "5:6", "a:/copied/f", "b:/owned");
        PosixFileAttributes at = Files.readAttributes(lb.resolve("owned"), PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        assertEquals("f", Files.readString(lb.resolve("owned")));
        assertEquals(5, (int) Files.getAttribute(lb.resolve("owned"), "unix:uid"));
        assertEquals(6, (int) Files.getAttribute(lb.resolve("owned"), "unix:gid"));
        cli.ok("copy", "a:/copied/sub/g", "out/");
        assertEquals("gg", Files.readString(dir.resolve("out/g")));
        assertEquals("", cli.ok("mounted", "a")); // mount counts unchanged
        assertEquals("Add \"/copied\"\nAdd \"/copied/f\"\nAdd \"/copied/sub\"\nAdd \"/copied/sub/g\"\nAdd \"/dir\"\n", cli.ok("changes", "a"));
        assertTrue(at.isRegularFile());
    }

    @Test
    void copyErrors() {
        cli.ok("create-layer", "-i", "a");
        CliRunner.Result r = cli.run("copy", "--chown", "x", "f", "a:/f");
        assertEquals(1, r.status());
        assertEquals("error \"x\" as a numeric UID: strconv.ParseUint: parsing \"x\": invalid syntax", r.err());
        assertEquals("error \"99999999999\" as a numeric GID: strconv.ParseUint: parsing \"99999999999\": value out of range",
                cli.run("copy", "--chown", "1:99999999999", "f", "a:/f").err());
        assertEquals("error finding layer \"nope\": layer not known\n", cli.run("copy", "f", "nope:/f").err());
        assertEquals("error finding layer \"nope\": layer not known\n", cli.run("copy", "nope:/f", "a:/f").err());
        String mp = cli.graph().resolve("vfs/dir/a").toString();
        assertEquals("error copying \"" + mp + "/missing\" to \"" + mp + "/f\": stat " + mp + "/missing: no such file or directory\n",
                cli.run("copy", "a:/missing", "a:/f").err());
        assertTrue(cli.run("copy", "a:/f").out().startsWith("copy: more arguments required.\n"));
    }
}
