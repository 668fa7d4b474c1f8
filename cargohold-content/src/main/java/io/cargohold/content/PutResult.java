package io.cargohold.content;

/** The outcome of a put: the blob's info and whether this call added it or found it present. */
public record PutResult(BlobInfo info, Status status) {
    /** An expected race is a result, not an exception. */
    public enum Status { INSERTED, ALREADY_PRESENT }
}
