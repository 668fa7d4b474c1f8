package io.cargohold.cstorage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.storage.ImageOptions;
import io.cargohold.storage.LayerOptions;
import io.cargohold.storage.Store;
import io.cargohold.storage.StoreOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands over a store with an additional read-only image store (stores.bats), run directly on
 * the store (Main's --storage-opt vfs.imagestore handling is tested with Main).
 */
class ReadOnlyStoreTest {
    @TempDir
    Path tmp;

    private Cs.Result run(Store store, String... argv) throws Exception {
        List<Command> all = new ArrayList<>(ImageCommands.all());
        all.addAll(ContainerCommands.all());
        all.addAll(CrossCommands.all());
        Command c = all.stream().filter(x -> x.names().contains(argv[0])).findFirst().orElseThrow();
        FlagSet flags = new FlagSet(argv[0]);
        Command.Action action = c.setup().apply(flags);
        flags.parse(List.of(argv).subList(1, argv.length));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = action.run(new Invocation(argv[0], flags.args(), store, store.options(), new ByteArrayInputStream(new byte[0]), o, e,
                    Map.of(), tmp));
        }
        return new Cs.Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void imagesOfAnAdditionalStore() throws Exception {
        Path roGraph = tmp.resolve("ro-g");
        Store ro = Store.open(StoreOptions.vfs(roGraph, tmp.resolve("ro-r")));
        String lower = ro.createLayer(LayerOptions.of(null)).id();
        String roImage = ro.createImage(ImageOptions.of(lower).withNames(List.of("roimg"))).id();
        Store store = Store.open(StoreOptions.vfs(tmp.resolve("g"), tmp.resolve("r")).withImageStores(List.of(roGraph)));
        String upper = store.createLayer(LayerOptions.of(lower)).id();
        String rwImage = store.createImage(ImageOptions.of(upper)).id();

        assertTrue(run(store, "image", roImage).out().endsWith("Size: 0\nRead Only: true\n"));
        assertFalse(run(store, "image", rwImage).out().contains("Read Only"));
        assertEquals(new Cs.Result(1, "", "locating image with ID \"" + roImage + "\": image not known\n"),
                run(store, "set-image-data", roImage, "k"));
        assertEquals(new Cs.Result(1, "", "identifier is not a layer, image, or container\n"), run(store, "set-metadata", "-m", "x", "roimg"));
        assertEquals(new Cs.Result(1, "", "roimg: identifier is not an image\n"), run(store, "delete-image", "roimg"));

        String c = run(store, "create-container", roImage).ok().id();
        assertEquals(0, run(store, "delete-container", c).status());

        // add-names on a read-only image: a writable copy with the same ID; deleting it keeps the read-only layers
        assertEquals(0, run(store, "add-names", "-n", "newimage", roImage).status());
        assertEquals(new Cs.Result(0, "", ""), run(store, "delete-image", "newimage"));
        assertTrue(run(store, "image", roImage).ok().out().contains("Read Only: true"));
        // without the writable child, the walk reaches the read-only layer, which upstream cannot delete
        store.deleteImage(rwImage);
        store.deleteLayer(upper);
        assertEquals(0, run(store, "add-names", "-n", "newimage", roImage).status());
        assertEquals(new Cs.Result(0, "", "newimage: " + lower + "\n"), run(store, "delete-image", "-t", "newimage"));
        assertEquals(new Cs.Result(1, "", "newimage: layer not known\n"), run(store, "delete-image", "newimage"));
        assertTrue(run(store, "image", roImage).ok().out().contains("Read Only: true"));
        assertEquals(new Cs.Result(0, "roimg: true\n", ""), run(store, "exists", "-i", "roimg"));
    }
}
