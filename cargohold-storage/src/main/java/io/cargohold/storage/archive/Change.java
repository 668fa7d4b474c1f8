package io.cargohold.storage.archive;

import java.util.Objects;

/**
 * One difference between a layer's tree and its parent's, as containers/storage's {@code archive.Change}:
 * an absolute-style path ({@code /usr/bin/x}) and what happened to it.
 */
public record Change(String path, Kind kind) {
    /** The kinds of change, with the letters upstream prints for them. */
    public enum Kind {
        MODIFY("C"), ADD("A"), DELETE("D");

        private final String letter;

        Kind(String letter) {
            this.letter = letter;
        }

        /** {@code C}, {@code A} or {@code D}. */
        public String letter() {
            return letter;
        }

        @Override
        public String toString() {
            return letter;
        }
    }

    public Change {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(kind, "kind");
    }

    /** {@code "C /path"}, as upstream's {@code Change.String()}. */
    @Override
    public String toString() {
        return kind.letter() + " " + path;
    }
}
