package io.cargohold.copy.cargohold;

import io.cargohold.copy.CopyResult;
import io.cargohold.oci.Descriptor;
import java.nio.file.Path;

/**
 * One exported reference: where, under which name, and how many blobs were written or already there;
 * the copy it was ({@link CopyResult}) and how long it took.
 */
public record ExportResult(Path layout, String refName, Descriptor descriptor, int blobs, int written, long bytesWritten, CopyResult copy,
                           double seconds) {
}
