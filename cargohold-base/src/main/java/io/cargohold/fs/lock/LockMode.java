package io.cargohold.fs.lock;

/** Shared (read) or exclusive (write) record lock. */
public enum LockMode { SHARED, EXCLUSIVE }
