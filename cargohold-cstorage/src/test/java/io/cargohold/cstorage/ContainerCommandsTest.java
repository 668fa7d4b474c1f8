package io.cargohold.cstorage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerCommandsTest {
    @TempDir
    Path tmp;
    Cs cs;
    String layer;
    String image;

    @BeforeEach
    void setUp() throws Exception {
        cs = new Cs(tmp);
        layer = cs.layer(null);
        image = cs.cs("create-image", "-n", "img", "-n", "img2", layer).ok().id();
    }

    @Test
    void containersOnAnEmptyStore() {
        assertEquals(new Cs.Result(0, "", ""), cs.cs("containers"));
        assertEquals(new Cs.Result(0, "[]\n", ""), cs.cs("containers", "-j"));
    }

    @Test
    void createContainer() throws Exception {
        Cs.Result r = cs.cs("create-container", "-n", "c1", "-n", "c2", "-m", "meta", "img").ok();
        String id = r.id();
        assertEquals(id + "\n\tc1\tc2", r.out()); // sic: no trailing newline
        assertEquals(new Cs.Result(0, "cid\n", ""), cs.cs("createcontainer", "-i", "cid", image));
        JsonNode j = cs.cs("create-container", "--json", "--volatile", "-n", "v", "").ok().json();
        assertEquals("", j.get("image").asText());
        assertEquals("{\"MountLabel\":\"\",\"ProcessLabel\":\"\",\"Volatile\":true}", j.get("flags").toString());
        String containerLayer = cs.cs("containers", "-j").json().get(0).get("layer").asText();
        assertEquals(layer, cs.store().layer(containerLayer).parent());
        assertEquals(id + "\n\tname: c1\n\tname: c2\ncid\n" + j.get("id").asText() + "\n\tname: v\n", cs.cs("containers").out());
        String json = cs.cs("containers", "-j").out();
        assertTrue(json.startsWith("[{\"id\":\"" + id + "\",\"names\":[\"c1\",\"c2\"],\"image\":\"" + image + "\",\"layer\":\""
                + containerLayer + "\",\"metadata\":\"meta\",\"created\":\""), json);
        assertTrue(json.contains("\"flags\":{\"MountLabel\":\"\",\"ProcessLabel\":\"\"}},{\"id\":\"cid\""), json);
        Files.writeString(tmp.resolve("md"), "file meta");
        String f = cs.cs("create-container", "-f", "md", "img").ok().id();
        assertEquals("file meta", cs.cs("container", "-j", f).json().get(0).get("metadata").asText());
    }

    @Test
    void createContainerErrors() {
        String id = cs.cs("create-container", "-n", "c1", "img").ok().id();
        assertEquals(new Cs.Result(1, "", "the container name \"c1\" is already in use by " + id
                + ". You have to remove that container to be able to reuse that name: that name is already in use\n"),
                cs.cs("create-container", "-n", "c1", "img"));
        cs.cs("create-container", "-i", "cid", "img").ok();
        assertEquals(new Cs.Result(1, "", "that ID is already in use\n"), cs.cs("create-container", "-i", "cid", "img"));
        assertEquals(new Cs.Result(1, "", "locating image with ID \"nope\": image not known\n"), cs.cs("create-container", "nope"));
        assertEquals(new Cs.Result(1, "", "open nofile: no such file or directory\n"), cs.cs("create-container", "-f", "nofile", "img"));
        assertEquals(new Cs.Result(1, "", "initializing ID mappings: uid setting is malformed expected [\"uint32:uint32:uint32\"]: [\"0:1\"]\n"),
                cs.cs("create-container", "--uidmap", "0:1", "img"));
        assertEquals(new Cs.Result(1, "", "initializing ID mappings: gid setting is malformed expected [\"uint32:uint32:uint32\"]: [\"0:1:x\"]\n"),
                cs.cs("create-container", "--gidmap", "0:1:x", "img"));
        assertEquals(new Cs.Result(1, "", "host uid map specified along with UID mapping\n"),
                cs.cs("create-container", "--hostuidmap", "--uidmap", "0:1:2", "img"));
        assertEquals(new Cs.Result(1, "", "host gid map specified along with GID mapping\n"),
                cs.cs("create-container", "--hostgidmap", "--subgidmap", "someone", "img"));
        assertEquals(2, cs.cs("containers", "-j").json().size());
        assertEquals(1, cs.cs("create-container").status());
        assertEquals(1, cs.cs("create-container", "img", "img").status());
    }

    @Test
    void idMapParsing() throws Exception {
        assertEquals(java.util.List.of(new io.cargohold.storage.IdMap(0, 100000, 65536), new io.cargohold.storage.IdMap(65536, 1, 2)),
                IdMapOptions.parseIdMap("0:100000:65536:65536:1:2", "uid"));
        assertEquals(java.util.List.of(), IdMapOptions.parseIdMap("", "uid"));
        assertEquals(1, cs.cs("create-container", "--uidmap", "0:1:4294967296", "img").status());
    }

    @Test
    void containerCommand() throws Exception {
        String id = cs.cs("create-container", "-n", "c1", "img").ok().id();
        Cs.Result r = cs.cs("container", "c1", "nope");
        assertEquals(1, r.status());
        String containerLayer = cs.cs("container", "-j", id).json().get(0).get("layer").asText();
        assertEquals("ID: " + id + "\nName: c1\nImage: " + image + "\nImage name: img\nImage name: img2\nSize: 0\nLayer: " + containerLayer
                + "\n", r.out());
        // the size counts the layer's changes, the data items and the two user-data directories (created here)
        cs.withStdin("abc".getBytes(), "set-container-data", "c1", "k").ok();
        Files.writeString(cs.store().layerTree(containerLayer).resolve("f"), "1234567");
        Files.writeString(Path.of(cs.cs("get-container-dir", "c1").ok().out().strip()).resolve("u"), "12");
        Files.writeString(Path.of(cs.cs("get-container-run-dir", "c1").ok().out().strip()).resolve("u"), "1");
        assertTrue(cs.cs("container", "c1").out().contains("\nSize: 13\nLayer: " + containerLayer + "\nData: k\n"));
        // by the ID of its layer
        assertEquals(id, cs.cs("container", "-j", containerLayer).ok().json().get(0).get("id").asText());
        assertEquals(new Cs.Result(1, "[]\n", ""), cs.cs("container", "-j", "nope"));
        // no image
        String bare = cs.cs("create-container", "").ok().id();
        assertTrue(cs.cs("container", bare).out().startsWith("ID: " + bare + "\nImage: \nSize: 0\n"));
    }

    @Test
    void dataItems() throws Exception {
        String id = cs.cs("create-container", "-n", "c1", "img").ok().id();
        assertEquals(new Cs.Result(0, "", ""), cs.withStdin("hello\n".getBytes(), "set-container-data", "c1", "k1"));
        Files.writeString(tmp.resolve("in"), "xy");
        assertEquals(new Cs.Result(0, "", ""), cs.cs("setcontainerdata", "-f", "in", id, "a b"));
        assertEquals(new Cs.Result(0, "k1\na b\n", ""), cs.cs("list-container-data", "c1"));
        assertEquals(new Cs.Result(0, "[\"k1\",\"a b\"]\n", ""), cs.cs("listcontainerdata", "-j", "c1"));
        assertEquals(new Cs.Result(0, "hello\n", ""), cs.cs("get-container-data", "c1", "k1"));
        assertEquals(new Cs.Result(0, "", ""), cs.cs("getcontainerdata", "-f", "out", "c1", "a b"));
        assertEquals("xy", Files.readString(tmp.resolve("out")));
        assertEquals(new Cs.Result(0, "6\n", ""), cs.cs("get-container-data-size", "c1", "k1"));
        assertEquals(new Cs.Result(0, ImageCommandsTest.HELLO_DIGEST + "\n", ""), cs.cs("getcontainerdatadigest", "c1", "k1"));
        assertEquals(new Cs.Result(0, id + "\n\tname: c1\n\tdata: k1\n\tdata: a b\n", ""), cs.cs("containers"));
        JsonNode c = cs.cs("containers", "-j").json().get(0);
        assertEquals("{\"a b\":2,\"k1\":6}", c.get("big-data-sizes").toString());
        assertEquals("[\"k1\",\"a b\"]", c.get("big-data-names").toString());
    }

    @Test
    void dataItemErrors() throws Exception {
        String id = cs.cs("create-container", "-n", "c1", "img").ok().id();
        for (String cmd : new String[] {"get-container-data", "get-container-data-size", "get-container-data-digest", "set-container-data"}) {
            assertEquals(new Cs.Result(1, "", "container not known\n"), cs.cs(cmd, "nope", "k"), cmd);
        }
        assertEquals(new Cs.Result(1, "", "container not known\n"), cs.cs("list-container-data", "nope"));
        assertEquals(new Cs.Result(0, "null\n", ""), cs.cs("list-container-data", "-j", "c1"));
        assertEquals(new Cs.Result(1, "", "open " + tmp.resolve("g/vfs-containers/" + id + "/k") + ": no such file or directory\n"),
                cs.cs("get-container-data", "c1", "k"));
        assertEquals(new Cs.Result(1, "", "can't retrieve container big data value for empty name: not a valid name for a big data item\n"),
                cs.cs("get-container-data", "c1", ""));
        assertEquals(new Cs.Result(1, "", "size is not known\n"), cs.cs("get-container-data-size", "c1", "k"));
        assertEquals(new Cs.Result(1, "", "can't retrieve size of container big data with empty name: not a valid name for a big data item\n"),
                cs.cs("get-container-data-size", "c1", ""));
        assertEquals(new Cs.Result(1, "", "could not compute digest of item\n"), cs.cs("get-container-data-digest", "c1", "k"));
        assertEquals(new Cs.Result(1, "",
                "can't retrieve digest of container big data value with empty name: not a valid name for a big data item\n"),
                cs.cs("get-container-data-digest", "c1", ""));
        assertEquals(new Cs.Result(1, "", "can't set empty name for container big data item: not a valid name for a big data item\n"),
                cs.cs("set-container-data", "c1", ""));
        assertEquals(new Cs.Result(1, "", "open nofile: no such file or directory\n"), cs.cs("set-container-data", "-f", "nofile", "c1", "k"));
    }

    @Test
    void directoriesAndParentOwners() throws Exception {
        String id = cs.cs("create-container", "-n", "c1", "img").ok().id();
        Path dir = tmp.resolve("g/vfs-containers/" + id + "/userdata");
        Path runDir = tmp.resolve("r/vfs-containers/" + id + "/userdata");
        assertEquals(new Cs.Result(0, dir + "\n", ""), cs.cs("get-container-dir", "c1"));
        assertTrue(Files.isDirectory(dir));
        assertEquals(new Cs.Result(0, runDir + "\n", ""), cs.cs("getcontainerrundir", "c1", "ignored"));
        assertTrue(Files.isDirectory(runDir));
        assertEquals(new Cs.Result(1, "", "container not known\n"), cs.cs("getcontainerdir", "nope"));
        assertEquals(new Cs.Result(1, "", "container not known\n"), cs.cs("get-container-run-dir", "nope"));
        assertEquals(new Cs.Result(1, "ID: " + id + "\nUIDs: []\nGIDs: []\n", ""), cs.cs("container-parent-owners", "c1", "nope"));
        assertEquals(new Cs.Result(0, "{\"ID\":\"" + id + "\",\"UIDs\":null,\"GIDs\":null}\n", ""),
                cs.cs("container-parent-owners", "-j", "c1"));
    }

    @Test
    void deleteContainer() throws Exception {
        String id = cs.cs("create-container", "-n", "c1", "img").ok().id();
        cs.cs("create-container", "-i", "cid", "img").ok();
        Path dir = Path.of(cs.cs("get-container-dir", "c1").out().strip());
        Path runDir = Path.of(cs.cs("get-container-run-dir", "c1").out().strip());
        String containerLayer = cs.cs("container", "-j", "c1").json().get(0).get("layer").asText();
        assertEquals(new Cs.Result(1, "", "nope: identifier is not a container\nc1: identifier is not a container\n"),
                cs.cs("delete-container", "nope", "c1", "c1"));
        assertFalse(Files.exists(dir.getParent()));
        assertFalse(Files.exists(runDir.getParent()));
        assertEquals(2, cs.store().layers().size()); // its layer went; the image's and cid's stayed
        assertFalse(cs.store().layers().stream().anyMatch(l -> l.id().equals(containerLayer)));
        assertEquals(new Cs.Result(1, "{\"cid\":\"\",\"nope\":\"identifier is not a container\"}\n", ""),
                cs.cs("deletecontainer", "-j", "cid", "nope"));
        assertEquals(new Cs.Result(0, "[]\n", ""), cs.cs("containers", "-j"));
        assertEquals(0, cs.cs("image", "img").status());
        assertFalse(id.isEmpty());
    }
}
