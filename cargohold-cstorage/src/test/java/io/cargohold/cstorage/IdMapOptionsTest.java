package io.cargohold.cstorage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cargohold.storage.IdMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdMapOptionsTest {
    @TempDir
    Path etc;

    private static IdMapOptions.Maps resolve(Path etc, String... argv) throws Exception {
        FlagSet flags = new FlagSet("create-layer");
        IdMapOptions o = IdMapOptions.define(flags).etc(etc);
        flags.parse(List.of(argv));
        return o.resolve();
    }

    @Test
    void nothingGivenInherits() throws Exception {
        IdMapOptions.Maps m = resolve(etc);
        assertNull(m.uidMap());
        assertNull(m.gidMap());
    }

    @Test
    void hostMappingIsEmpty() throws Exception {
        IdMapOptions.Maps m = resolve(etc, "--hostuidmap", "--gidmap", "0:1:2");
        assertEquals(List.of(), m.uidMap());
        assertEquals(List.of(new IdMap(0, 1, 2)), m.gidMap());
    }

    @Test
    void mapsParse() throws Exception {
        assertEquals(List.of(new IdMap(0, 100, 1000), new IdMap(1000, 5000, 3)), resolve(etc, "--uidmap", "0:100:1000:1000:5000:3").uidMap());
        IdMapOptions.IdMapException e = assertThrows(IdMapOptions.IdMapException.class, () -> resolve(etc, "--uidmap", "0:1:4294967296"));
        assertEquals("initializing ID mappings: uid setting is malformed expected [\"uint32:uint32:uint32\"]: [\"0:1:4294967296\"]", e.getMessage());
        assertThrows(IdMapOptions.IdMapException.class, () -> resolve(etc, "--gidmap", "0:1:-1"));
    }

    @Test
    void conflicts() {
        assertEquals("host uid map specified along with UID mapping",
                assertThrows(IdMapOptions.IdMapException.class, () -> resolve(etc, "--hostuidmap", "--subuidmap", "u")).getMessage());
        assertEquals("host gid map specified along with GID mapping",
                assertThrows(IdMapOptions.IdMapException.class, () -> resolve(etc, "--hostgidmap", "--gidmap", "0:0:1")).getMessage());
    }

    @Test
    void subIdRangesSortedAndNumberedThenExplicitMaps() throws Exception {
        Files.writeString(etc.resolve("subuid"), "# comment\nalice:300000:10\nbob:1:1\nalice:200000:5\n1001:400000:2\n");
        Files.writeString(etc.resolve("subgid"), "alice:700000:7\n");
        Files.writeString(etc.resolve("passwd"), "alice:x:1001:1001::/home/alice:/bin/sh\n");
        // --subuidmap alone also sets the group map from the same name
        IdMapOptions.Maps m = resolve(etc, "--subuidmap", "alice", "--uidmap", "0:1:1");
        assertEquals(List.of(new IdMap(0, 200000, 5), new IdMap(5, 300000, 10), new IdMap(15, 400000, 2), new IdMap(0, 1, 1)), m.uidMap());
        assertEquals(List.of(new IdMap(0, 700000, 7)), m.gidMap());
        assertEquals("no subuid ranges found for user \"carol\" in /etc/subuid",
                assertThrows(IdMapOptions.IdMapException.class, () -> resolve(etc, "--subuidmap", "carol")).getMessage());
        Files.writeString(etc.resolve("subgid"), "bad line\n");
        assertEquals("cannot parse subuid/gid information: Format not correct for /etc/subgid file",
                assertThrows(IdMapOptions.IdMapException.class, () -> resolve(etc, "--subgidmap", "alice")).getMessage());
    }
}
