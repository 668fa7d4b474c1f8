package io.cargohold.storage.check;

/**
 * What a repair may remove besides damaged images and layers: damaged containers (upstream's
 * {@code RemoveContainers}, the CLI's {@code --force}), and whether mount counts the check found are
 * reset to zero (a count left behind by a process killed while it had a layer mounted; with the vfs
 * driver a mount is only that count, so resetting it unmounts nothing).
 */
public record RepairOptions(boolean removeContainers, boolean resetMounts) {
    public static RepairOptions defaults() {
        return new RepairOptions(false, false);
    }
}
