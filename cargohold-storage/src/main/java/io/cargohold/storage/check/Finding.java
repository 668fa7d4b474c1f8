package io.cargohold.storage.check;

/**
 * One problem found by a store check: its kind and the whole message, worded as upstream's check
 * words it (for example {@code layer 3f…: +/datafile3, layer content modified} or
 * {@code image 9a…: data item "manifest": image data item has incorrect size}).
 */
public record Finding(Problem problem, String message) {
    @Override
    public String toString() {
        return message;
    }
}
