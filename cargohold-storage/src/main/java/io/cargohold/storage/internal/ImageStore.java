package io.cargohold.storage.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.digest.Digest;
import io.cargohold.errors.AlreadyExistsException;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.fs.lock.LockMode;
import io.cargohold.storage.ImageOptions;
import io.cargohold.storage.internal.Records.ImageRec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The image store ({@code G/<driver>-images/images.json}, {@code images.lock}, image big data), upstream's
 * {@code imageStore}, with the images of the additional read-only stores. Not thread-safe and locking
 * only inside {@link #locked}: the coordinator ({@link StoreEngine}) calls it in its lock order.
 */
final class ImageStore {
    private final StoreLayout layout;
    private final ReadOnlyStores readOnly;
    private final TokenLockFile lock;
    private List<ImageRec> images = new ArrayList<>();

    ImageStore(StoreLayout layout, ReadOnlyStores readOnly) throws IOException {
        this.layout = layout;
        this.readOnly = readOnly;
        RecordFiles.mkdirs(layout.imagesDir());
        this.lock = TokenLockFile.open(layout.imagesLock(), false);
    }

    TokenLockFile lock() {
        return lock;
    }

    /** The primary store's image records (live: the caller holds the lock). */
    List<ImageRec> records() {
        return images;
    }

    /** Runs with images.lock held in {@code mode}, the records reloaded when another writer changed them. */
    <T> T locked(LockMode mode, StoreOp<T> op) throws IOException {
        try (var held = lock.lock(mode)) {
            if (lock.modified()) {
                List<ImageRec> loaded = new ArrayList<>();
                for (JsonNode n : RecordFiles.readArray(layout.imagesJson())) {
                    loaded.add(ImageRec.from(n));
                }
                images = RecordLookup.dedupeNames(loaded, r -> r.names);
                boolean digestsSet = false;
                for (ImageRec r : images) {
                    digestsSet |= fillDigest(r);
                }
                if (mode == LockMode.EXCLUSIVE && digestsSet) {
                    save();
                }
            }
            return op.run();
        }
    }

    void save() throws IOException {
        StoreEngine.save(lock, layout.imagesJson(), images.stream().map(ImageRec::json).toList());
    }

    /** Sets an empty image digest from its manifest items, as upstream does on (re)computing digests. */
    static boolean fillDigest(ImageRec r) {
        if (r.digest.isEmpty()) {
            List<String> ds = r.digests();
            if (!ds.isEmpty()) {
                r.digest = ds.getFirst();
                return true;
            }
        }
        return false;
    }

    List<ImageRec> readOnlyRecords() throws IOException {
        List<ImageRec> out = new ArrayList<>();
        for (ReadOnlyStores.Store s : readOnly.all()) {
            StoreEngine.sharedIfPresent(s.imagesLock(), () -> {
                for (JsonNode n : RecordFiles.readArray(s.layout().imagesJson())) {
                    ImageRec r = ImageRec.from(n);
                    r.readOnly = true;
                    fillDigest(r);
                    out.add(r);
                }
                return null;
            });
        }
        return out;
    }

    List<ImageRec> all() throws IOException {
        List<ImageRec> all = new ArrayList<>(images);
        all.addAll(readOnlyRecords());
        return all;
    }

    ImageRec find(String key) {
        return RecordLookup.lookup(images, key, x -> x.id, x -> x.names, null);
    }

    ImageRec require(String key, boolean includeReadOnly) throws IOException {
        ImageRec r = find(key);
        if (r == null && includeReadOnly) {
            r = RecordLookup.lookup(readOnlyRecords(), key, x -> x.id, x -> x.names, null);
        }
        if (r == null) {
            throw new NotFoundException("image not known");
        }
        return r;
    }

    /** Creates an image record whose top layer is {@code top} (an existing layer's full ID, or ""). */
    ImageRec create(ImageOptions o, String top) throws IOException {
        List<ImageRec> all = all();
        String id = o.id();
        if (id == null || id.isEmpty()) {
            id = RecordLookup.generateId(x -> all.stream().anyMatch(r -> r.id.equals(x)));
        } else if (all.stream().anyMatch(r -> r.id.equals(o.id()))) {
            throw new AlreadyExistsException("an image with ID \"" + o.id() + "\" already exists: that ID is already in use");
        }
        List<String> names = RecordLookup.dedupe(o.names());
        for (String n : names) {
            if (images.stream().anyMatch(r -> r.names.contains(n))) {
                ImageRec holder = images.stream().filter(x -> x.names.contains(n)).findFirst().orElseThrow();
                throw new AlreadyExistsException("image name \"" + n + "\" is already associated with image \"" + holder.id
                        + "\": that name is already in use");
            }
        }
        ImageRec r = new ImageRec();
        r.id = id;
        r.digest = o.digest() == null ? "" : o.digest();
        r.names = names;
        r.layer = top;
        r.metadata = o.metadata() == null ? "" : o.metadata();
        r.created = o.created() == null ? RecordLookup.now() : o.created();
        images.add(r);
        save();
        return r;
    }

    static void validateDigest(String d) throws InvalidArgumentException {
        int colon = d.indexOf(':');
        String alg = colon < 0 ? "" : d.substring(0, colon);
        String hex = colon < 0 ? "" : d.substring(colon + 1);
        int len = switch (alg) {
            case "sha256" -> 64;
            case "sha384" -> 96;
            case "sha512" -> 128;
            default -> -1;
        };
        if (len < 0 || hex.length() != len || !hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new InvalidArgumentException("invalid digest \"" + d + "\"");
        }
    }

    /** Drops an image record and its big-data directory. */
    void delete(ImageRec r) throws IOException {
        images.remove(r);
        save();
        RecordFiles.removeTree(layout.imagesDir().resolve(r.id));
    }

    void setBigData(String key, String item, byte[] data) throws IOException {
        ImageRec r = require(key, false);
        Path file = StoreLayout.bigDataFile(layout.imagesDir(), r.id, item);
        RecordFiles.mkdirs(file.getParent());
        RecordFiles.write(file, data);
        if (!r.bigDataNames.contains(item)) {
            r.bigDataNames.add(item);
        }
        r.bigDataSizes.put(item, (long) data.length);
        r.bigDataDigests.put(item, Digest.sha256(data).toString());
        fillDigest(r);
        save();
    }

    byte[] bigData(String key, String item) throws IOException {
        ImageRec r = require(key, true);
        Path dir = layout.imagesDir();
        if (r.readOnly) {
            for (ReadOnlyStores.Store s : readOnly.all()) {
                if (Files.isDirectory(s.layout().imagesDir().resolve(r.id))) {
                    dir = s.layout().imagesDir();
                }
            }
        }
        try {
            return Files.readAllBytes(StoreLayout.bigDataFile(dir, r.id, item));
        } catch (NoSuchFileException e) {
            throw new NotFoundException("image " + r.id + " has no big data item \"" + item + "\"", e);
        }
    }

    void updateNames(String key, List<String> wanted, boolean add, boolean first) throws IOException {
        ImageRec r = find(key);
        if (r == null) {
            // An image of a read-only store (errata 6): upstream creates a record with the same
            // ID in the writable store, copying top layer, metadata, created time and digest,
            // named with the given names minus the first when there are several (a quirk
            // stores.bats relies on). The read-only store is never written.
            ImageRec ro = require(key, true);
            ImageRec copy = new ImageRec();
            copy.id = ro.id;
            copy.layer = ro.layer;
            copy.metadata = ro.metadata;
            copy.created = ro.created;
            copy.digest = ro.digest;
            copy.names = new ArrayList<>(wanted.size() > 1 ? wanted.subList(1, wanted.size()) : wanted);
            for (ImageRec other : images) {
                other.names.removeAll(copy.names);
            }
            images.add(copy);
            save();
            return;
        }
        RecordLookup.updateNames(images, r, x -> x.names, wanted, add, first);
        List<String> history = new ArrayList<>();
        for (int i = r.names.size() - 1; i >= 0; i--) {
            history.add(r.names.get(i));
        }
        for (String h : r.namesHistory) {
            if (!history.contains(h)) {
                history.add(h);
            }
        }
        r.namesHistory = history;
        save();
    }

    void setMetadata(String key, String metadata) throws IOException {
        require(key, false).metadata = metadata;
        save();
    }
}
