package io.cargohold.copy.cargohold;

import io.cargohold.oci.Descriptor;

import java.nio.file.Path;

/** One exported reference: where, under which name, and how many blobs were written or already there. */
public record ExportResult(Path layout, String refName, Descriptor descriptor, int blobs, int written, long bytesWritten) {
}
