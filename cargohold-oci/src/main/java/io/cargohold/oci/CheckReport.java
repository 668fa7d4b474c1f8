package io.cargohold.oci;

import io.cargohold.digest.Digest;
import java.util.List;

/** The completeness check of a reference: every needed blob that is missing or corrupt. */
public record CheckReport(ImageRef image, int blobsChecked, long bytesChecked, List<Problem> problems) {
    public CheckReport {
        problems = List.copyOf(problems);
    }

    public boolean complete() {
        return problems.isEmpty();
    }

    /** A needed blob, which document named it, and what is wrong. */
    public record Problem(Digest digest, String mediaType, String namedBy, String reason) {
    }
}
