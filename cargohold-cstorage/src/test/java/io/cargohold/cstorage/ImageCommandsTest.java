package io.cargohold.cstorage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageCommandsTest {
    static final String HELLO_DIGEST = "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"; // "hello\n"
    static final String ZERO = "sha256:" + "0".repeat(64);

    @TempDir
    Path tmp;
    Cs cs;

    @BeforeEach
    void setUp() {
        cs = new Cs(tmp);
    }

    @Test
    void imagesOnAnEmptyStore() {
        assertEquals(new Cs.Result(0, "", ""), cs.cs("images"));
        assertEquals(new Cs.Result(0, "null\n", ""), cs.cs("images", "-j"));
        assertEquals(new Cs.Result(0, "null\n", ""), cs.cs("images", "--json", "--quiet"));
    }

    @Test
    void createImageTextAndJson() throws Exception {
        String layer = cs.layer(null);
        Cs.Result r = cs.cs("create-image", "-n", "one", "-n", "two", "-n", "one", "-m", "meta", layer).ok();
        String id = r.id();
        assertTrue(id.matches("[0-9a-f]{64}"), id);
        assertEquals(id + "\n\tone\n\ttwo\n", r.out());
        JsonNode j = cs.cs("createimage", "--json", "--id", "myid", "--name", "three", "").ok().json();
        assertEquals("myid", j.get("id").asText());
        assertEquals("[\"three\"]", j.get("names").toString());
        assertFalse(j.has("layer"));
        assertTrue(j.get("created").asText().endsWith("Z"));
        JsonNode all = cs.cs("images", "-j").ok().json();
        assertEquals(2, all.size());
        assertEquals(layer, all.get(0).get("layer").asText());
        assertEquals("meta", all.get(0).get("metadata").asText());
        // member order as upstream marshals an image
        assertTrue(cs.cs("images", "-j").out().startsWith("[{\"id\":\"" + id + "\",\"names\":[\"one\",\"two\"],\"layer\":\"" + layer
                + "\",\"metadata\":\"meta\",\"created\":\""));
    }

    @Test
    void createImageErrors() throws Exception {
        String layer = cs.layer(null);
        cs.cs("create-image", "-i", "abc", "-n", "taken", layer).ok();
        assertEquals(new Cs.Result(1, "", "an image with ID \"abc\" already exists: that ID is already in use\n"),
                cs.cs("create-image", "-i", "abc", ""));
        assertEquals(new Cs.Result(1, "", "image name \"taken\" is already associated with image \"abc\": that name is already in use\n"),
                cs.cs("create-image", "-n", "taken", ""));
        assertEquals(new Cs.Result(1, "", "layer not known\n"), cs.cs("create-image", "nosuchlayer"));
        assertEquals(new Cs.Result(1, "", "validating digests for new image: validating image digest \"sha512:00\": unsupported digest algorithm\n"),
                cs.cs("create-image", "-d", "sha512:00", ""));
        assertEquals(new Cs.Result(1, "", "validating digests for new image: validating image digest \"sha256:00\": invalid checksum digest length\n"),
                cs.cs("create-image", "-d", "sha256:00", ""));
        assertEquals(new Cs.Result(1, "", "validating digests for new image: validating image digest \"SHA256:00\": invalid checksum digest format\n"),
                cs.cs("create-image", "-d", "SHA256:00", ""));
        assertEquals(new Cs.Result(1, "", "validating digests for new image: validating image digest \"nocolon\": invalid checksum digest format\n"),
                cs.cs("create-image", "-d", "nocolon", ""));
        // the digest is validated last, after the layer and the ID
        assertEquals(new Cs.Result(1, "", "layer not known\n"), cs.cs("create-image", "-d", "sha256:00", "nosuchlayer"));
        assertEquals(new Cs.Result(1, "", "an image with ID \"abc\" already exists: that ID is already in use\n"),
                cs.cs("create-image", "-i", "abc", "-d", "x", ""));
        assertEquals(new Cs.Result(1, "", "open nofile: no such file or directory\n"), cs.cs("create-image", "-f", "nofile", ""));
        assertEquals(1, cs.cs("images", "-q").out().lines().count());
        // too many arguments: framework
        assertEquals(1, cs.cs("create-image", "a", "b").status());
    }

    @Test
    void createImageMetadataFileAndDigest() throws Exception {
        Files.writeString(tmp.resolve("md.txt"), "from file\n");
        String id = cs.cs("create-image", "-m", "ignored", "-f", "md.txt", "-d", ZERO, "").ok().id();
        assertEquals("ID: " + id + "\nTop Layer: \nDigest: " + ZERO + "\nSize: 0\n", cs.cs("image", id).ok().out());
        assertEquals("from file\n", cs.cs("image", "-j", id).json().get(0).get("metadata").asText());
        assertEquals(id + "\n\tdigest: " + ZERO + "\n", cs.cs("images").out());
    }

    @Test
    void imageDataItems() throws Exception {
        String id = cs.cs("create-image", "-n", "img", "").ok().id();
        assertEquals(new Cs.Result(0, "", ""), cs.withStdin("hello\n".getBytes(), "set-image-data", "img", "manifest"));
        Files.writeString(tmp.resolve("cfg"), "{}");
        assertEquals(new Cs.Result(0, "", ""), cs.cs("setimagedata", "-f", "cfg", "img", "config key"));
        assertEquals(new Cs.Result(0, "manifest\nconfig key\n", ""), cs.cs("list-image-data", "img"));
        assertEquals(new Cs.Result(0, "[\"manifest\",\"config key\"]\n", ""), cs.cs("listimagedata", "-j", id));
        assertEquals(new Cs.Result(0, "hello\n", ""), cs.cs("get-image-data", "img", "manifest"));
        assertEquals(new Cs.Result(0, "", ""), cs.cs("getimagedata", "-f", "out", "img", "config key", "extra"));
        assertEquals("{}", Files.readString(tmp.resolve("out")));
        assertEquals(new Cs.Result(0, "6\n", ""), cs.cs("get-image-data-size", "img", "manifest"));
        assertEquals(new Cs.Result(0, HELLO_DIGEST + "\n", ""), cs.cs("get-image-data-digest", "img", "manifest"));
        String sizes = cs.cs("images", "-j").json().get(0).get("big-data-sizes").toString();
        assertEquals("{\"config key\":2,\"manifest\":6}", sizes);
        // the manifest item gives the image its digest
        assertEquals(id + "\n\tname: img\n\tdigest: " + HELLO_DIGEST + "\n\tdata: manifest\n\tdata: config key\n", cs.cs("images").out());
        assertEquals(id + "\n", cs.cs("images", "-q").out());
        assertEquals("ID: " + id + "\nName: img\nTop Layer: \nDigest: " + HELLO_DIGEST + "\nData: manifest\nData: config key\nSize: 8\n",
                cs.cs("image", "img").out());
        // rewriting an item keeps its place
        cs.withStdin("x".getBytes(), "set-image-data", "img", "manifest").ok();
        assertEquals("manifest\nconfig key\n", cs.cs("list-image-data", "img").out());
        assertEquals("1\n", cs.cs("get-image-data-size", "img", "manifest").out());
    }

    @Test
    void imageDataErrors() throws Exception {
        String id = cs.cs("create-image", "-n", "img", "").ok().id();
        String unknown = "locating image with ID \"nope\": image not known\n";
        assertEquals(new Cs.Result(1, "", unknown), cs.cs("list-image-data", "nope"));
        assertEquals(new Cs.Result(1, "", unknown), cs.cs("get-image-data", "nope", "k"));
        assertEquals(new Cs.Result(1, "", unknown), cs.cs("get-image-data-size", "nope", "k"));
        assertEquals(new Cs.Result(1, "", unknown), cs.cs("get-image-data-digest", "nope", "k"));
        assertEquals(new Cs.Result(1, "", unknown), cs.cs("set-image-data", "nope", "k"));
        String missing = "locating item named \"k\" for image with ID \"" + id
                + "\" (consider removing the image to resolve the issue): file does not exist\n";
        assertEquals(new Cs.Result(1, "", missing), cs.cs("get-image-data", "img", "k"));
        assertEquals(new Cs.Result(1, "", missing.replace("\"k\"", "\"\"")), cs.cs("get-image-data", "img", ""));
        assertEquals(new Cs.Result(1, "", "size is not known\n"), cs.cs("get-image-data-size", "img", "k"));
        assertEquals(new Cs.Result(1, "", "size is not known\n"), cs.cs("get-image-data-size", "img", ""));
        assertEquals(new Cs.Result(1, "", "could not compute digest of item\n"), cs.cs("get-image-data-digest", "img", "k"));
        assertEquals(new Cs.Result(1, "", "can't set empty name for image big data item: not a valid name for a big data item\n"),
                cs.cs("set-image-data", "img", ""));
        assertEquals(new Cs.Result(1, "", "open nofile: no such file or directory\n"), cs.cs("set-image-data", "-f", "nofile", "img", "k"));
        Files.createDirectory(tmp.resolve("adir"));
        assertEquals(new Cs.Result(1, "", "read adir: is a directory\n"), cs.cs("set-image-data", "-f", "adir", "img", "k"));
        // get-image-data -f creates the file before looking for the item
        assertEquals(1, cs.cs("get-image-data", "-f", "empty", "img", "k").status());
        assertEquals(0, Files.size(tmp.resolve("empty")));
        assertEquals(new Cs.Result(0, "", ""), cs.cs("list-image-data", "img"));
        assertEquals(new Cs.Result(0, "null\n", ""), cs.cs("list-image-data", "-j", "img"));
        assertEquals(1, cs.cs("list-image-data", "img", "extra").status()); // exactly one argument
        assertEquals(1, cs.cs("get-image-data", "img").status());
    }

    @Test
    void imageCommand() throws Exception {
        String base = cs.layer(null);
        String top = cs.layer(base);
        String id = cs.cs("create-image", "-n", "a", "-n", "b", top).ok().id();
        Files.writeString(cs.store().layerTree(base).resolve("file"), "12345");
        Cs.Result r = cs.cs("image", "a", "nope");
        assertEquals(1, r.status());
        assertEquals("ID: " + id + "\nName: a\nName: b\nTop Layer: " + top + "\nSize: 5\n", r.out());
        assertEquals("", r.err());
        assertEquals(new Cs.Result(1, "[]\n", ""), cs.cs("image", "-j", "nope"));
        JsonNode j = cs.cs("image", "--json", id.substring(0, 10), "b").ok().json();
        assertEquals(2, j.size());
        assertEquals(id, j.get(1).get("id").asText());
        assertEquals(1, cs.cs("image").status());
    }

    @Test
    void imagesByDigest() throws Exception {
        String id = cs.cs("create-image", "-n", "img", "").ok().id();
        cs.withStdin("hello\n".getBytes(), "set-image-data", "img", "manifest-1").ok();
        assertEquals(new Cs.Result(0, id + "\n\tname: img\n\tdigest: " + HELLO_DIGEST + "\n\tdata: manifest-1\n", ""),
                cs.cs("images-by-digest", HELLO_DIGEST));
        assertEquals(new Cs.Result(0, id + "\n", ""), cs.cs("images-by-digest", "-q", HELLO_DIGEST));
        assertEquals(id, cs.cs("images-by-digest", "-j", HELLO_DIGEST).json().get(0).get("id").asText());
        assertEquals(new Cs.Result(0, "[]\n", ""), cs.cs("images-by-digest", "-j", ZERO));
        assertEquals(new Cs.Result(0, "", ""), cs.cs("images-by-digest", ZERO));
        assertEquals(new Cs.Result(1, "", "bad: invalid checksum digest format\n"), cs.cs("images-by-digest", "bad"));
        assertEquals(new Cs.Result(1, "", "sha256:0: invalid checksum digest length\n"), cs.cs("images-by-digest", "sha256:0"));
        assertEquals(new Cs.Result(1, "", "sha512:00: unsupported digest algorithm\n"), cs.cs("images-by-digest", "sha512:00"));
        // quirk: the first manifest's digest stays the image's digest after the item changes
        cs.withStdin("other".getBytes(), "set-image-data", "img", "manifest-1").ok();
        assertEquals(id + "\n", cs.cs("images-by-digest", "-q", HELLO_DIGEST).out());
        assertEquals(1, cs.cs("images-by-digest", HELLO_DIGEST, ZERO).status()); // exactly one argument
    }

    @Test
    void deleteImage() throws Exception {
        String base = cs.layer(null);
        String top = cs.layer(base);
        String shared = cs.layer(null);
        String id = cs.cs("create-image", "-n", "img", top).ok().id();
        cs.cs("create-image", "-n", "other", shared).ok();
        cs.cs("create-image", "-n", "third", shared).ok();
        // --test reports without deleting
        assertEquals(new Cs.Result(0, "", "img: " + top + "\nimg: " + base + "\n"), cs.cs("delete-image", "-t", "img"));
        assertEquals(0, cs.cs("image", id).status());
        assertEquals(new Cs.Result(0, "{\"img\":{\"deleted-layers\":[\"" + top + "\",\"" + base + "\"]}}\n", ""),
                cs.cs("deleteimage", "--test", "--json", "img"));
        assertEquals(new Cs.Result(1, "{\"nope\":{\"error\":\"identifier is not an image\"},\"other\":{}}\n", ""),
                cs.cs("delete-image", "-j", "other", "nope"));
        assertEquals(new Cs.Result(1, "", "nope: identifier is not an image\n"), cs.cs("delete-image", "nope"));
        // "other" went, its top layer stayed (the third image uses it); now that goes with the third
        assertEquals(1, cs.store().layers().stream().filter(l -> l.id().equals(shared)).count());
        assertEquals(new Cs.Result(0, "", "third: " + shared + "\n"), cs.cs("delete-image", "third"));
        // in use by a container
        String c = cs.cs("create-container", "img").ok().id();
        assertEquals(new Cs.Result(1, "", "img: image used by " + c + ": image is in use by a container\n"), cs.cs("delete-image", "img"));
        cs.cs("delete-container", c).ok();
        assertEquals(new Cs.Result(0, "", "img: " + top + "\nimg: " + base + "\n"), cs.cs("delete-image", "img"));
        assertEquals(new Cs.Result(0, "null\n", ""), cs.cs("images", "-j"));
        assertEquals(0, cs.store().layers().size());
        assertEquals(1, cs.cs("delete-image").status());
    }

    @Test
    void unknownFlags() {
        assertEquals(125, cs.cs("images", "--digest-manifest").status());
        assertEquals(125, cs.cs("create-image", "-x", "").status());
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
