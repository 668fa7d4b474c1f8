package io.cargohold.copy.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cargohold.copy.CopyContext;
import io.cargohold.copy.ImageReference;
import io.cargohold.copy.Transports;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.storage.ImageOptions;
import io.cargohold.storage.Store;
import io.cargohold.storage.StoreOptions;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** containers-storage references parsed as containers/image v5.23 parses them, names normalised as reference.ParseNormalizedNamed. */
class StorageReferenceTest {
    @TempDir
    Path tmp;

    private static final Transports T = Transports.standard();
    private static final String ID = "0123456789abcdef".repeat(4);

    private static StorageReference parse(String s) throws InvalidArgumentException {
        ImageReference r = T.parse(s);
        assertEquals("containers-storage", r.transport().name());
        return (StorageReference) r;
    }

    @Test
    void namesAreNormalisedAndTaggedLatest() throws Exception {
        assertEquals("docker.io/library/app:latest", parse("containers-storage:app").named().toString());
        assertEquals("docker.io/library/app:1.0", parse("containers-storage:app:1.0").named().toString());
        assertEquals("docker.io/library/app:latest", parse("containers-storage:docker.io/app").named().toString());
        assertEquals("docker.io/library/app:latest", parse("containers-storage:index.docker.io/library/app").named().toString());
        assertEquals("docker.io/me/app:latest", parse("containers-storage:me/app").named().toString());
        assertEquals("localhost/app:latest", parse("containers-storage:localhost/app").named().toString());
        assertEquals("localhost:5000/a/b:v1", parse("containers-storage:localhost:5000/a/b:v1").named().toString());
        assertEquals("quay.io/x/y:latest", parse("containers-storage:quay.io/x/y").named().toString());
        String d = "sha256:" + "ab".repeat(32);
        StorageReference digested = parse("containers-storage:app@" + d);
        assertEquals("docker.io/library/app@" + d, digested.named().toString(), "a digest: no tag added");
        assertNull(digested.id());
        assertEquals("docker.io/library/app:1@" + d, parse("containers-storage:app:1@" + d).named().toString());
        StorageReference withId = parse("containers-storage:app:1@" + ID);
        assertEquals("docker.io/library/app:1", withId.named().toString());
        assertEquals(ID, withId.id());
        StorageReference all = parse("containers-storage:app:1@" + d + "@" + ID);
        assertEquals("docker.io/library/app:1@" + d, all.named().toString());
        assertEquals(ID, all.id());
        StorageReference onlyId = parse("containers-storage:@" + ID);
        assertNull(onlyId.named());
        assertEquals(ID, onlyId.id());
        assertEquals("docker.io/library/app:latest", parse("containers-storage:[vfs@/g+/r]app").named().toString());
        assertEquals("[vfs@/g+/r]docker.io/library/app:latest", parse("containers-storage:[vfs@/g+/r]app").withinTransport());
        assertEquals("containers-storage:[vfs@/g+/r]docker.io/library/app:latest@" + ID,
                parse("containers-storage:[vfs@/g+/r]app@" + ID).string());
    }

    @Test
    void badNamesAndStoreSpecsFailWithUpstreamsMessages() {
        record Bad(String ref, String message) {
        }
        for (Bad b : List.of(
                new Bad("containers-storage:", "\"\" is an empty reference: invalid reference"),
                new Bad("containers-storage:[vfs@/g+/r]", "\"\" is an empty reference: invalid reference"),
                new Bad("containers-storage:[vfs@/g", "invalid reference"),
                new Bad("containers-storage:[]app", "invalid reference"),
                new Bad("containers-storage:[vfs@relative+/r]app", "path name is not absolute"),
                new Bad("containers-storage:[@/g]app", "invalid reference"),
                new Bad("containers-storage:app@", "empty trailing digest or ID in \"app@\": invalid reference"),
                new Bad("containers-storage:app@ab", "\"ab\" does not look like an image ID or digest: invalid reference"),
                new Bad("containers-storage:App:1", "parsing named reference \"App:1\": invalid reference format: repository name must be lowercase"),
                new Bad("containers-storage:app:bad tag", "parsing named reference \"app:bad tag\": invalid reference format"))) {
            InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> T.parse(b.ref()), b.ref());
            assertEquals(b.message(), e.getMessage(), b.ref());
        }
        // a bare 64-hex name is an ID, never a name
        assertEquals(ID, assertDoesNotThrow(() -> parse("containers-storage:@" + ID)).id());
    }

    private static <T> T assertDoesNotThrow(org.junit.jupiter.api.function.ThrowingSupplier<T> s) {
        return org.junit.jupiter.api.Assertions.assertDoesNotThrow(s);
    }

    @Test
    void theStoreComesFromTheSpecOrTheDefaultAndOnlyVfsExists() throws Exception {
        StoreOptions def = StoreOptions.vfs(tmp.resolve("dg"), tmp.resolve("dr"));
        CopyContext ctx = CopyContext.of(tmp.resolve("c"), def);
        assertEquals(def, parse("containers-storage:app").storeOptions(ctx));
        assertEquals(def, parse("containers-storage:[vfs@" + tmp.resolve("dg") + "+" + tmp.resolve("dr") + "]app").storeOptions(ctx)
                .withImageStores(List.of()));
        StoreOptions onlyGraph = parse("containers-storage:[" + tmp.resolve("g") + "]app").storeOptions(ctx);
        assertEquals(tmp.resolve("g"), onlyGraph.graphRoot());
        assertEquals(tmp.resolve("dr"), onlyGraph.runRoot(), "the missing root is the default's");
        StoreOptions opts = parse("containers-storage:[vfs@/g+/r:vfs.ignore_chown_errors=true,vfs.imagestore=/ro]app").storeOptions(ctx);
        assertEquals(true, opts.ignoreChownErrors());
        assertEquals(List.of(Path.of("/ro")), opts.imageStores());
        assertEquals("failed to GetDriver graph btrfs /g: driver not supported",
                assertThrows(InvalidArgumentException.class, () -> parse("containers-storage:[btrfs@/g+/r]app").storeOptions(ctx))
                        .getMessage());
        StoreOptions overlay = parse("containers-storage:[overlay@/g+/r:overlay.mountopt=nodev]app").storeOptions(ctx);
        assertEquals("overlay", overlay.driver());
        assertEquals(List.of("overlay.mountopt=nodev"), overlay.driverOptions());
        assertEquals("overlay: Unknown option overlay.bogus",
                assertThrows(InvalidArgumentException.class, () -> parse("containers-storage:[overlay@/g+/r:overlay.bogus=1]app")
                        .storeOptions(ctx)).getMessage());
        assertEquals("vfs driver does not support mount options",
                assertThrows(InvalidArgumentException.class, () -> parse("containers-storage:[vfs@/g+/r:vfs.mountopt=x]app")
                        .storeOptions(ctx)).getMessage());
        assertEquals("vfs driver does not support size options",
                assertThrows(InvalidArgumentException.class, () -> parse("containers-storage:[vfs@/g+/r:size=1]app")
                        .storeOptions(ctx)).getMessage());
        InvalidArgumentException none = assertThrows(InvalidArgumentException.class,
                () -> parse("containers-storage:app").storeOptions(CopyContext.of(tmp, null)));
        assertEquals("containers-storage:docker.io/library/app:latest: no default containers-storage store is configured;"
                + " name one as containers-storage:[vfs@GRAPHROOT+RUNROOT]NAME", none.getMessage());
    }

    @Test
    void idPrefixesAreExpandedAgainstTheStore() throws Exception {
        Store store = Store.open(StoreOptions.vfs(tmp.resolve("g"), tmp.resolve("r")));
        store.createImage(ImageOptions.of(null).withId(ID));
        String spec = "containers-storage:[vfs@" + tmp.resolve("g") + "+" + tmp.resolve("r") + "]";
        assertEquals(new StorageReference.Resolved(null, ID), parse(spec + ID.substring(0, 8)).resolve(store));
        assertEquals(new StorageReference.Resolved(null, ID), parse(spec + "@" + ID.substring(0, 3)).resolve(store));
        // a bare 64-hex name is an ID or nothing
        assertEquals(new StorageReference.Resolved(null, ID), parse(spec + ID).resolve(store));
        String other = "f".repeat(64);
        assertEquals("parsing named reference \"" + other + "\": invalid repository name (" + other
                + "), cannot specify 64-byte hexadecimal strings",
                assertThrows(InvalidArgumentException.class, () -> parse(spec + other).resolve(store)).getMessage());
        // a name that is no ID prefix stays a name
        assertEquals("docker.io/library/fedcba:latest", parse(spec + "fedcba").resolve(store).named().toString());
        assertEquals("\"fed\" does not look like an image ID or digest: invalid reference",
                assertThrows(InvalidArgumentException.class, () -> parse(spec + "app@fed").resolve(store)).getMessage());
    }
}
