package io.cargohold.cstorage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CrossCommandsTest {
    @TempDir
    Path tmp;
    Cs cs;
    String layer;
    String image;
    String container;

    @BeforeEach
    void setUp() throws Exception {
        cs = new Cs(tmp);
        layer = cs.layer(null, "lay", "shared");
        image = cs.cs("create-image", "-n", "img", "-n", "shared", "-m", "imeta\n\n", layer).ok().id();
        container = cs.cs("create-container", "-n", "ctr", "-n", "shared", "-m", "cmeta", "img").ok().id();
    }

    @Test
    void exists() {
        assertEquals(new Cs.Result(1, "lay: true\nimg: true\nctr: true\nnope: false\n", ""),
                cs.cs("exists", "lay", "img", "ctr", "nope", "lay"));
        assertEquals(new Cs.Result(1, "{\"ctr\":true,\"img\":true,\"lay\":true,\"nope\":false}\n", ""),
                cs.cs("exists", "-j", "lay", "nope", "img", "ctr"));
        assertEquals(new Cs.Result(0, "{\"lay\":true}\n", ""), cs.cs("exists", "-q", "-j", "lay"));
        assertEquals(new Cs.Result(1, "", ""), cs.cs("exists", "-q", "nope"));
        // kind filters change the status, not the printed value
        assertEquals(new Cs.Result(1, "img: true\n", ""), cs.cs("exists", "-l", "img"));
        assertEquals(new Cs.Result(0, "img: true\n", ""), cs.cs("exists", "--image", "img"));
        assertEquals(new Cs.Result(1, "ctr: true\n", ""), cs.cs("exists", "-c", "-i", "ctr"));
        assertEquals(new Cs.Result(0, "", ""), cs.cs("exists", "-q", "-l", "-i", "-c", "shared"));
        assertEquals(0, cs.cs("exists", "-c", image.substring(0, 0) + container.substring(0, 12)).status());
        assertEquals(1, cs.cs("exists").status());
    }

    @Test
    void metadata() {
        assertEquals(new Cs.Result(1, "lay: \nimg: imeta\n\nctr: cmeta\nnope: \nimg: imeta\n\n", ""),
                cs.cs("metadata", "lay", "img", "ctr", "nope", "img"));
        assertEquals(new Cs.Result(0, "imeta\n\ncmeta\n", ""), cs.cs("metadata", "-q", "img", "ctr"));
        assertEquals(new Cs.Result(1, "{\"ctr\":\"cmeta\",\"img\":\"imeta\\n\",\"lay\":\"\"}\n", ""),
                cs.cs("metadata", "-j", "img", "ctr", "nope", "lay"));
        // layers first
        assertEquals(new Cs.Result(0, "shared: \n", ""), cs.cs("metadata", "shared"));
    }

    @Test
    void setMetadata() throws Exception {
        assertEquals(new Cs.Result(1, "", "no new metadata provided\n"), cs.cs("set-metadata", "img"));
        assertEquals(new Cs.Result(1, "", "no new metadata provided\n"), cs.cs("set-metadata", "-m", "", "img"));
        assertEquals(new Cs.Result(1, "", "identifier is not a layer, image, or container\n"), cs.cs("set-metadata", "-m", "x", "nope"));
        assertEquals(new Cs.Result(1, "", "open nofile: no such file or directory\n"), cs.cs("set-metadata", "-f", "nofile", "img"));
        assertEquals(new Cs.Result(0, "", ""), cs.cs("set-metadata", "-m", "new", "shared"));
        assertEquals("{\"img\":\"imeta\\n\",\"shared\":\"new\"}\n", cs.cs("metadata", "-j", "shared", "img").out());
        Files.writeString(tmp.resolve("md"), "from file\n");
        assertEquals(new Cs.Result(0, "", ""), cs.cs("setmetadata", "-m", "ignored", "-f", "md", "ctr"));
        assertEquals("from file\n", cs.cs("container", "-j", "ctr").json().get(0).get("metadata").asText());
        assertEquals("ctr: from file\n", cs.cs("metadata", "ctr").out());
        assertEquals(1, cs.cs("set-metadata", "-m", "x", "img", "ctr").status());
    }

    @Test
    void names() {
        assertEquals(new Cs.Result(0, "lay\nshared\n", ""), cs.cs("get-names", "shared"));
        assertEquals(new Cs.Result(0, "[\"img\",\"shared\"]\n", ""), cs.cs("getnames", "-j", image));
        assertEquals(new Cs.Result(0, "ctr\nshared\n", ""), cs.cs("get-names", container, "ignored"));
        assertEquals(new Cs.Result(1, "", "layer not known\n"), cs.cs("get-names", "nope"));
        assertEquals(new Cs.Result(0, "", ""), cs.cs("add-names", "-n", "x1", "-n", "x2", "img"));
        assertEquals(new Cs.Result(0, "[\"img\",\"shared\",\"x1\",\"x2\",\"x3\"]\n", ""),
                cs.cs("addnames", "-j", "-n", "x2", "-n", "x3", "img"));
        // names move between records of the same kind only
        String other = cs.cs("create-image", "").ok().id();
        assertEquals(new Cs.Result(0, "[\"x1\"]\n", ""), cs.cs("add-names", "-j", "-n", "x1", other));
        assertEquals("img\nshared\nx2\nx3\n", cs.cs("get-names", "img").out());
        assertEquals("lay\nshared\n", cs.cs("get-names", layer).out());
        assertEquals(new Cs.Result(0, "[\"a\",\"b\"]\n", ""), cs.cs("set-names", "-j", "-n", "a", "-n", "b", "-n", "a", "img"));
        assertEquals(new Cs.Result(0, "null\n", ""), cs.cs("setnames", "-j", image));
        assertEquals(new Cs.Result(0, "[]\n", ""), cs.cs("get-names", "-j", image));
        assertEquals(new Cs.Result(1, "", "layer not known\n"), cs.cs("set-names", "-n", "q", "nope"));
        assertEquals(new Cs.Result(1, "", "layer not known\n"), cs.cs("add-names", "-n", "q", "nope"));
        // names history: newest first
        assertEquals("[\"b\",\"a\",\"x3\",\"x2\",\"x1\",\"shared\",\"img\"]",
                cs.cs("image", "-j", image).json().get(0).get("names-history").toString());
        assertEquals(new Cs.Result(0, "[\"ctr\",\"shared\",\"c2\"]\n", ""), cs.cs("add-names", "-j", "-n", "c2", "ctr"));
    }

    @Test
    void delete() throws Exception {
        String containerLayer = cs.cs("container", "-j", "ctr").json().get(0).get("layer").asText();
        String child = cs.layer(layer);
        assertEquals(new Cs.Result(1, "", "nope: layer not known\n"), cs.cs("delete", "nope", container));
        assertEquals(new Cs.Result(1, "{\"" + container + "\":\"layer not known\"}\n", ""), cs.cs("delete", "-j", container));
        assertFalse(cs.store().layers().stream().anyMatch(l -> l.id().equals(containerLayer)));
        // an image goes without its layers; a layer goes even with a child
        assertEquals(new Cs.Result(0, "", ""), cs.cs("delete", "img"));
        assertEquals(2, cs.store().layers().size());
        assertEquals(new Cs.Result(0, "{\"lay\":\"\"}\n", ""), cs.cs("delete", "-j", "lay"));
        assertEquals(child, cs.store().layers().getFirst().id());
        // an image used by a container: no checks
        String i2 = cs.cs("create-image", "").ok().id();
        String c2 = cs.cs("create-container", i2).ok().id();
        assertEquals(new Cs.Result(0, "", ""), cs.cs("delete", i2));
        assertEquals(0, cs.cs("exists", "-c", c2).status());
        assertTrue(cs.cs("container", c2).out().contains("\nImage: " + i2 + "\nSize: 0\n"));
        assertEquals(1, cs.cs("delete").status());
    }
}
