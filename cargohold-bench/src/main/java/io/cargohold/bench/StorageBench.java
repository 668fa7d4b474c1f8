package io.cargohold.bench;

import io.cargohold.storage.Image;
import io.cargohold.storage.ImageOptions;
import io.cargohold.storage.Layer;
import io.cargohold.storage.LayerOptions;
import io.cargohold.storage.Store;
import io.cargohold.storage.StoreOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Issue 5's benchmark (records only, no layer content): create and delete N layers and N images,
 * and list layers and images of a store holding M of each. Usage:
 * {@code StorageBench GRAPH RUN N M}; prints one line per measurement. The store left at GRAPH/RUN
 * holds M layers and M images (for timing upstream's binary on the same store).
 */
public final class StorageBench {
    public static void main(String[] args) throws Exception {
        Path g = Path.of(args[0]);
        Path r = Path.of(args[1]);
        int n = Integer.parseInt(args[2]);
        int m = Integer.parseInt(args[3]);
        Store store = Store.open(StoreOptions.vfs(g, r));

        long t0 = System.nanoTime();
        List<String> layers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            layers.add(store.createLayer(LayerOptions.of(null).withNames(List.of("bench-layer-" + i))).id());
        }
        long t1 = System.nanoTime();
        List<String> images = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            images.add(store.createImage(ImageOptions.of(layers.get(i)).withNames(List.of("bench-image-" + i))).id());
        }
        long t2 = System.nanoTime();
        for (String id : images) {
            store.deleteImage(id);
        }
        long t3 = System.nanoTime();
        for (String id : layers) {
            store.deleteLayer(id);
        }
        long t4 = System.nanoTime();
        report("create " + n + " layers", t0, t1, n);
        report("create " + n + " images", t1, t2, n);
        report("delete " + n + " images", t2, t3, n);
        report("delete " + n + " layers", t3, t4, n);

        // The listing store is written straight in the on-disk format (one layers.json and one
        // images.json of M records each, plus the layer trees): creating M records one by one
        // rewrites the whole file each time, upstream and here alike, which is quadratic in M.
        long s0 = System.nanoTime();
        StringBuilder lj = new StringBuilder("[");
        StringBuilder ij = new StringBuilder("[");
        java.security.SecureRandom rnd = new java.security.SecureRandom();
        java.util.HexFormat hex = java.util.HexFormat.of();
        String created = java.time.Instant.now().toString();
        java.nio.file.Files.createDirectories(g.resolve("vfs/dir"));
        for (int i = 0; i < m; i++) {
            byte[] b = new byte[32];
            rnd.nextBytes(b);
            String lid = "f" + hex.formatHex(b).substring(1);
            rnd.nextBytes(b);
            String iid = "e" + hex.formatHex(b).substring(1);
            lj.append(i == 0 ? "" : ",").append("{\"id\":\"").append(lid).append("\",\"names\":[\"list-layer-").append(i)
                    .append("\"],\"created\":\"").append(created).append("\"}");
            ij.append(i == 0 ? "" : ",").append("{\"id\":\"").append(iid).append("\",\"names\":[\"list-image-").append(i)
                    .append("\"],\"layer\":\"").append(lid).append("\",\"created\":\"").append(created).append("\"}");
            java.nio.file.Files.createDirectory(g.resolve("vfs/dir/" + lid));
        }
        java.nio.file.Files.writeString(g.resolve("vfs-layers/layers.json"), lj.append(']'));
        java.nio.file.Files.writeString(g.resolve("vfs-images/images.json"), ij.append(']'));
        long s1 = System.nanoTime();
        report("setup: write " + m + " layer + " + m + " image records and trees", s0, s1, 2L * m);
        for (int round = 0; round < 3; round++) {
            Store fresh = Store.open(StoreOptions.vfs(g, r)); // a new instance reads the files again
            long a = System.nanoTime();
            List<Layer> ls = fresh.layers();
            long b = System.nanoTime();
            List<Image> is = fresh.images();
            long c = System.nanoTime();
            if (ls.size() != m || is.size() != m) {
                throw new AssertionError("expected " + m + " records, got " + ls.size() + " layers, " + is.size() + " images");
            }
            report("list " + m + " layers (cold instance, round " + (round + 1) + ")", a, b, m);
            report("list " + m + " images (cold instance, round " + (round + 1) + ")", b, c, m);
            long d = System.nanoTime();
            fresh.layers();
            fresh.images();
            long e = System.nanoTime();
            report("list " + m + " layers + images again (cached, token unchanged)", d, e, 2L * m);
        }
    }

    private static void report(String what, long from, long to, long ops) {
        double s = (to - from) / 1e9;
        System.out.printf("%-62s %9.3f s %10.3f ms/op%n", what, s, s * 1000 / ops);
    }
}
