package io.cargohold.storage.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.digest.Digest;
import io.cargohold.errors.AlreadyExistsException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.fs.lock.LockMode;
import io.cargohold.storage.internal.Records.ContainerRec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The container store ({@code G/<driver>-containers/containers.json}, {@code containers.lock}, container big
 * data and the {@code userdata} directories under the graph and run roots), upstream's
 * {@code containerStore}. Not thread-safe and locking only inside {@link #locked}: the coordinator
 * ({@link StoreEngine}) calls it in its lock order.
 */
final class ContainerStore {
    private final StoreLayout layout;
    private final TokenLockFile lock;
    private List<ContainerRec> containers = new ArrayList<>();

    ContainerStore(StoreLayout layout) throws IOException {
        this.layout = layout;
        RecordFiles.mkdirs(layout.containersDir());
        this.lock = TokenLockFile.open(layout.containersLock(), false);
        RecordFiles.mkdirs(layout.runContainersDir());
    }

    TokenLockFile lock() {
        return lock;
    }

    /** The container records (live: the caller holds the lock). */
    List<ContainerRec> records() {
        return containers;
    }

    <T> T locked(LockMode mode, StoreOp<T> op) throws IOException {
        try (var held = lock.lock(mode)) {
            if (lock.modified()) {
                List<ContainerRec> loaded = new ArrayList<>();
                for (JsonNode n : RecordFiles.readArray(layout.containersJson())) {
                    loaded.add(ContainerRec.from(n));
                }
                containers = RecordLookup.dedupeNames(loaded, r -> r.names);
            }
            return op.run();
        }
    }

    void save() throws IOException {
        StoreEngine.save(lock, layout.containersJson(), containers.stream().map(ContainerRec::json).toList());
    }

    ContainerRec find(String key) {
        return RecordLookup.lookup(containers, key, x -> x.id, x -> x.names, x -> x.layer);
    }

    ContainerRec require(String key) throws IOException {
        ContainerRec r = find(key);
        if (r == null) {
            throw new NotFoundException("container not known");
        }
        return r;
    }

    /** Whether a container uses {@code layerId} as its layer. */
    boolean usesLayer(String layerId) {
        return containers.stream().anyMatch(c -> c.layer.equals(layerId));
    }

    /** A fresh or given container ID, checked against the records. */
    String newId(String wanted) throws AlreadyExistsException {
        if (wanted == null || wanted.isEmpty()) {
            return RecordLookup.generateId(x -> containers.stream().anyMatch(r -> r.id.equals(x)));
        }
        if (containers.stream().anyMatch(r -> r.id.equals(wanted))) {
            throw new AlreadyExistsException("that ID is already in use");
        }
        return wanted;
    }

    /** The names, deduplicated, none held by another container (upstream's message otherwise). */
    List<String> freeNames(List<String> wanted) throws AlreadyExistsException {
        List<String> names = RecordLookup.dedupe(wanted);
        for (String n : names) {
            if (containers.stream().anyMatch(r -> r.names.contains(n))) {
                ContainerRec holder = containers.stream().filter(x -> x.names.contains(n)).findFirst().orElseThrow();
                throw new AlreadyExistsException("the container name \"" + n + "\" is already in use by " + holder.id
                        + ". You have to remove that container to be able to reuse that name: that name is already in use");
            }
        }
        return names;
    }

    void add(ContainerRec r) throws IOException {
        containers.add(r);
        save();
    }

    /**
     * Drops a container record and its directory under the graph root, and under the run root its
     * whole directory (or, as upstream's store-level Delete does, only its {@code userdata}).
     */
    void delete(ContainerRec c, boolean onlyRunUserdata) throws IOException {
        containers.remove(c);
        save();
        RecordFiles.removeTree(layout.containersDir().resolve(c.id));
        RecordFiles.removeTree(onlyRunUserdata ? layout.containerRunDirectory(c.id) : layout.runContainersDir().resolve(c.id));
    }

    void setBigData(String key, String item, byte[] data) throws IOException {
        ContainerRec r = require(key);
        Path file = StoreLayout.bigDataFile(layout.containersDir(), r.id, item);
        RecordFiles.mkdirs(file.getParent());
        RecordFiles.write(file, data);
        if (!r.bigDataNames.contains(item)) {
            r.bigDataNames.add(item);
        }
        r.bigDataSizes.put(item, (long) data.length);
        r.bigDataDigests.put(item, Digest.sha256(data).toString());
        save();
    }

    byte[] bigData(String key, String item) throws IOException {
        ContainerRec r = require(key);
        try {
            return Files.readAllBytes(StoreLayout.bigDataFile(layout.containersDir(), r.id, item));
        } catch (NoSuchFileException e) {
            throw new NotFoundException("container " + r.id + " has no big data item \"" + item + "\"", e);
        }
    }

    Path directory(String key, boolean run) throws IOException {
        ContainerRec r = require(key);
        Path dir = run ? layout.containerRunDirectory(r.id) : layout.containerDirectory(r.id);
        RecordFiles.mkdirs(dir);
        return dir;
    }

    void updateNames(String key, List<String> wanted, boolean add, boolean first) throws IOException {
        ContainerRec r = require(key);
        RecordLookup.updateNames(containers, r, x -> x.names, wanted, add, first);
        save();
    }

    void setMetadata(String key, String metadata) throws IOException {
        require(key).metadata = metadata;
        save();
    }
}
