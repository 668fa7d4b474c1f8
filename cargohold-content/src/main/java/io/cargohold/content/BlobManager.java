package io.cargohold.content;

import io.cargohold.digest.Digest;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Lists, removes and annotates committed blobs. */
public interface BlobManager {
    List<BlobInfo> list(BlobQuery query) throws IOException;

    /**
     * Removes a blob, its index row and all its data records.
     *
     * @throws io.cargohold.errors.NotFoundException           when the blob is not stored
     * @throws io.cargohold.errors.FailedPreconditionException when key/value records reference it
     */
    void delete(Digest digest) throws IOException;

    /** Sets (creates or replaces) a data record on a blob. */
    void setData(Digest digest, String name, String value) throws IOException;

    Optional<String> getData(Digest digest, String name) throws IOException;

    /** All data records of a blob, by name. */
    Map<String, String> listData(Digest digest) throws IOException;

    /** @return false when the blob had no such record */
    boolean removeData(Digest digest, String name) throws IOException;
}
