package io.cargohold.content.internal;

import java.util.List;

/**
 * The index schema, as the list of steps that build it: step N brings a database from version N-1 to
 * N. A database records its version in SQLite's {@code user_version}. Steps are never edited once
 * released; a change is a new step.
 */
final class Migrations {
    private Migrations() {
    }

    static final List<List<String>> STEPS = List.of(
            // 1: blobs, their data records, key/value records.
            List.of(
                    """
                    CREATE TABLE blobs (
                      digest     TEXT    NOT NULL PRIMARY KEY,
                      size       INTEGER NOT NULL CHECK (size >= 0),
                      media_type TEXT,
                      added_at   INTEGER NOT NULL
                    ) WITHOUT ROWID""",
                    """
                    CREATE TABLE blob_data (
                      digest     TEXT    NOT NULL REFERENCES blobs(digest) ON DELETE CASCADE,
                      name       TEXT    NOT NULL,
                      value      TEXT    NOT NULL,
                      updated_at INTEGER NOT NULL,
                      PRIMARY KEY (digest, name)
                    ) WITHOUT ROWID""",
                    """
                    CREATE TABLE kv (
                      namespace  TEXT    NOT NULL,
                      key        TEXT    NOT NULL,
                      value      TEXT    NOT NULL,
                      digest     TEXT    REFERENCES blobs(digest) ON DELETE RESTRICT,
                      updated_at INTEGER NOT NULL,
                      PRIMARY KEY (namespace, key)
                    ) WITHOUT ROWID"""),
            // 2: indexes for the reverse lookups (which records pin a blob; searches by media type and
            //    by data record), so neither a removal nor a search scans a table.
            List.of(
                    "CREATE INDEX kv_by_digest ON kv(digest) WHERE digest IS NOT NULL",
                    "CREATE INDEX blobs_by_media_type ON blobs(media_type) WHERE media_type IS NOT NULL",
                    "CREATE INDEX blob_data_by_name ON blob_data(name, value)"));

    static int current() {
        return STEPS.size();
    }
}
