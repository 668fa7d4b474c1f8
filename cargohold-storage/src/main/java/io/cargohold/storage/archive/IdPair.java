package io.cargohold.storage.archive;

/** A user and group ID pair, as containers/storage's {@code idtools.IDPair}. */
public record IdPair(int uid, int gid) {
}
