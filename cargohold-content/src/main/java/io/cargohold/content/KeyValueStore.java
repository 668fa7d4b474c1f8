package io.cargohold.content;

import io.cargohold.digest.Digest;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** Named records in namespaces (e.g. {@code refs}), each optionally referencing a blob. */
public interface KeyValueStore {
    /**
     * Creates or replaces a record. A referenced blob must be stored, and stays unremovable until the
     * record is removed or points elsewhere.
     */
    KvRecord putRecord(String namespace, String key, String value, Digest blob) throws IOException;

    Optional<KvRecord> getRecord(String namespace, String key) throws IOException;

    /** Records of a namespace whose keys start with {@code keyPrefix} (empty for all), by key. */
    List<KvRecord> listRecords(String namespace, String keyPrefix) throws IOException;

    /** Records that reference a blob. */
    List<KvRecord> recordsReferencing(Digest blob) throws IOException;

    /** @return false when there was no such record */
    boolean removeRecord(String namespace, String key) throws IOException;

    /** Removes every record of a namespace whose key starts with {@code keyPrefix}; returns how many. */
    int removeRecords(String namespace, String keyPrefix) throws IOException;
}
