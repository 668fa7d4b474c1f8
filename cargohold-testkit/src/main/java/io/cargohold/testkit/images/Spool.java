package io.cargohold.testkit.images;

import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/** Spool files become blob files by hard link, so they get a blob's usual mode. */
final class Spool {
    static final FileAttribute<?> FILE_MODE = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--"));

    private Spool() {}
}
