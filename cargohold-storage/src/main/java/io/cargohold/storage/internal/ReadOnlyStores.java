package io.cargohold.storage.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The additional read-only image stores ({@code vfs.imagestore}, {@code overlay.imagestore}): their
 * layouts and their {@code layers.lock} / {@code images.lock} (null where a store has none), opened
 * read-only. Shared by the layer store and the image store; the coordinator takes their locks last.
 */
final class ReadOnlyStores {
    /** One additional store. */
    record Store(StoreLayout layout, TokenLockFile layersLock, TokenLockFile imagesLock) {
    }

    private final List<Store> stores;

    private ReadOnlyStores(List<Store> stores) {
        this.stores = List.copyOf(stores);
    }

    static ReadOnlyStores open(List<Path> roots, String driver) throws IOException {
        List<Store> out = new ArrayList<>();
        for (Path dir : roots) {
            StoreLayout ro = new StoreLayout(dir, dir, driver);
            TokenLockFile ll = Files.exists(ro.layersLock()) ? TokenLockFile.open(ro.layersLock(), true) : null;
            TokenLockFile il = Files.exists(ro.imagesLock()) ? TokenLockFile.open(ro.imagesLock(), true) : null;
            out.add(new Store(ro, ll, il));
        }
        return new ReadOnlyStores(out);
    }

    List<Store> all() {
        return stores;
    }

    List<StoreLayout> layouts() {
        return stores.stream().map(Store::layout).toList();
    }
}
