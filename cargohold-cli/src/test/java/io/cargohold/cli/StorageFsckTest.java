package io.cargohold.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.storage.Image;
import io.cargohold.storage.ImageOptions;
import io.cargohold.storage.Layer;
import io.cargohold.storage.LayerOptions;
import io.cargohold.storage.Store;
import io.cargohold.storage.StoreOptions;
import io.cargohold.testkit.images.LayerBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cargohold fsck --storage}: summary, --json, exit codes, repair of a containers-storage store. */
class StorageFsckTest {
    @TempDir
    Path tmp;
    Cli cli;
    Path g;
    Path r;
    Store store;
    Layer base;
    Layer top;
    Image kept;
    Image damaged;

    @BeforeEach
    void store() throws IOException {
        cli = new Cli(tmp.resolve("content"));
        g = tmp.resolve("graph");
        r = tmp.resolve("run");
        store = Store.open(StoreOptions.vfs(g, r));
        base = layer(null, LayerBuilder.create().dirs("etc").file("etc/hostname", "h\n"));
        top = layer(base.id(), LayerBuilder.create().dirs("srv").file("srv/data", "0123456789\n"));
        kept = store.createImage(ImageOptions.of(base.id()).withNames(List.of("kept:latest")));
        damaged = store.createImage(ImageOptions.of(top.id()).withNames(List.of("damaged:latest")));
    }

    private Layer layer(String parent, LayerBuilder b) throws IOException {
        try (InputStream in = b.build().tar().open()) {
            return store.createLayer(LayerOptions.of(parent), in);
        }
    }

    private String[] args(String... more) {
        List<String> a = new java.util.ArrayList<>(List.of("fsck", "--storage", "--graph", g.toString(), "--run", r.toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void soundStore() {
        String out = cli.run(args()).ok().out();
        assertTrue(out.matches("2 layers checked \\(\\d+ entries compared, [0-9.]+ KiB read\\): no damage\n"), out);
        assertTrue(cli.run(args("--quick")).ok().out().matches("2 layers checked \\(\\d+ entries compared, contents not read\\): no damage\n"));
        JsonNode j = cli.run(args("--json")).ok().json();
        assertFalse(j.get("damage").asBoolean());
        assertEquals(2, j.get("layersChecked").asInt());
        assertTrue(j.get("layers").isEmpty());
    }

    @Test
    void damageReportedThenRepaired() throws IOException {
        Files.writeString(store.layerTree(top.id()).resolve("extra"), "x");
        Cli.Result res = cli.run(args());
        assertEquals(ExitCodes.CORRUPT, res.code());
        String finding = "layer " + top.id() + ": +/extra, layer content modified";
        assertEquals(List.of("layer " + top.id() + ":", "  " + finding, "image " + damaged.id() + ":", "  " + finding),
                res.lines().subList(0, 4));
        assertTrue(res.lines().get(4).endsWith(" read): DAMAGE FOUND (use --repair)"), res.out());
        JsonNode j = cli.run(args("--json")).json();
        assertTrue(j.get("damage").asBoolean());
        assertEquals(finding, j.get("layers").get(top.id()).get(0).asText());

        Cli.Result fixed = cli.run(args("--repair"));
        assertEquals(ExitCodes.OK, fixed.code(), fixed.out() + fixed.err());
        assertTrue(fixed.out().contains("repair: 1 image removed, 1 layer removed\n"), fixed.out());
        assertTrue(fixed.out().endsWith("damage found and repaired\n"), fixed.out());
        assertTrue(cli.run(args()).ok().out().startsWith("1 layers checked ("));
        assertEquals(List.of("kept:latest"), store.images().stream().flatMap(i -> i.names().stream()).toList());
    }

    @Test
    void badOptions() {
        cli.run(args("--max-age", "3 days")).fails(ExitCodes.USAGE, "cargohold: --max-age: time: unknown unit \" days\" in duration \"3 days\"");
        cli.run(args("--storage-driver", "btrfs")).fails(ExitCodes.USAGE, "only vfs and overlay are supported");
    }
}
