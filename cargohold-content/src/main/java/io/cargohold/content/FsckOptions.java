package io.cargohold.content;

/**
 * What {@code fsck} does. {@code verifyContent} re-hashes every blob (slow, thorough); without it only
 * presence and sizes are checked. {@code repair} fixes what is safe: re-indexes verified blobs that
 * have no index row and removes leftover temp files; everything else is only reported.
 */
public record FsckOptions(boolean verifyContent, boolean repair) {
    public static FsckOptions checkOnly() {
        return new FsckOptions(true, false);
    }

    public static FsckOptions repairing() {
        return new FsckOptions(true, true);
    }
}
