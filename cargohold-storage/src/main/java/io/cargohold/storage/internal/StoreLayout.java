package io.cargohold.storage.internal;

import java.nio.file.Path;
import java.util.Base64;

/**
 * Every path of a containers/storage v1.43.0 store, under the graph root G and the run root R (see
 * the disk-format spec, section 1), but those inside an overlay layer's directory (the overlay
 * driver's). The only code that builds them.
 */
public record StoreLayout(Path graphRoot, Path runRoot, String driver) {
    public StoreLayout {
        graphRoot = graphRoot.toAbsolutePath().normalize();
        runRoot = runRoot.toAbsolutePath().normalize();
    }

    public Path storageLock() {
        return graphRoot.resolve("storage.lock");
    }

    public Path usernsLock() {
        return graphRoot.resolve("userns.lock");
    }

    /**
     * {@code G/tmp/cargohold-partials}: where a writer keeps the partial download of a layer blob so a rerun
     * can continue it (not part of the store: upstream creates {@code G/tmp} and never reads it).
     */
    public Path partialBlobs() {
        return graphRoot.resolve("tmp").resolve("cargohold-partials");
    }

    public Path driverHome() {
        return graphRoot.resolve(driver);
    }

    /** {@code G/vfs/dir}: the layer trees (overlay: {@code G/overlay}, the layer directories). */
    public Path layerTrees() {
        return driver.equals("overlay") ? driverHome() : driverHome().resolve("dir");
    }

    /** vfs: {@code G/vfs/dir/ID}, the layer's tree; overlay: {@code G/overlay/ID/diff}, the layer's own files. */
    public Path layerTree(String id) {
        Path dir = layerTrees().resolve(Path.of(id).getFileName().toString());
        return driver.equals("overlay") ? dir.resolve("diff") : dir;
    }

    /**
     * Whether an entry of {@link #layerTrees()} names a layer: for overlay not the {@code l} link directory,
     * nor the driver's staging and feature-check directories.
     */
    public boolean isLayerDirectoryName(String name) {
        if (!driver.equals("overlay")) {
            return true;
        }
        return !name.equals("l") && !name.equals("staging") && !name.startsWith("compat") && !name.startsWith("opaque-bug-check")
                && !name.startsWith("metacopy-check") && !name.startsWith(".");
    }

    public Path layersDir() {
        return graphRoot.resolve(driver + "-layers");
    }

    public Path layersJson() {
        return layersDir().resolve("layers.json");
    }

    public Path layersLock() {
        return layersDir().resolve("layers.lock");
    }

    public Path tarSplit(String id) {
        return layersDir().resolve(id + ".tar-split.gz");
    }

    public Path runLayersDir() {
        return runRoot.resolve(driver + "-layers");
    }

    public Path mountpointsJson() {
        return runLayersDir().resolve("mountpoints.json");
    }

    public Path mountpointsLock() {
        return runLayersDir().resolve("mountpoints.lock");
    }

    public Path imagesDir() {
        return graphRoot.resolve(driver + "-images");
    }

    public Path imagesJson() {
        return imagesDir().resolve("images.json");
    }

    public Path imagesLock() {
        return imagesDir().resolve("images.lock");
    }

    public Path containersDir() {
        return graphRoot.resolve(driver + "-containers");
    }

    public Path containersJson() {
        return containersDir().resolve("containers.json");
    }

    public Path containersLock() {
        return containersDir().resolve("containers.lock");
    }

    public Path runContainersDir() {
        return runRoot.resolve(driver + "-containers");
    }

    public Path containerDirectory(String id) {
        return containersDir().resolve(id).resolve("userdata");
    }

    public Path containerRunDirectory(String id) {
        return runContainersDir().resolve(id).resolve("userdata");
    }

    public Path locksDir() {
        return runRoot.resolve(driver + "-locks");
    }

    /** The big-data file of {@code key} for the record {@code id} in a record directory. */
    public static Path bigDataFile(Path recordDir, String id, String key) {
        return recordDir.resolve(id).resolve(bigDataBaseName(key));
    }

    /**
     * Upstream's {@code makeBigDataBaseName}: scan the key and stop at the first rune that is not
     * {@code a-z}, {@code 0-9} or {@code .} or is not a single byte; if anything remains after that
     * rune, the name is {@code =} + standard base64 of the whole key, else the key itself (quirks
     * included: a key whose only offending rune is its last stays verbatim).
     */
    public static String bigDataBaseName(String key) {
        byte[] utf8 = key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int i = 0;
        while (i < key.length()) {
            int cp = key.codePointAt(i);
            int width = Character.charCount(cp);
            boolean ok = cp < 0x80 && ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || cp == '.');
            if (!ok) {
                if (i + width < key.length()) {
                    return "=" + Base64.getEncoder().encodeToString(utf8);
                }
                break;
            }
            i += width;
        }
        return key;
    }
}
