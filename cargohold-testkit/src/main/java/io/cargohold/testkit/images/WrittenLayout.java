package io.cargohold.testkit.images;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What {@link OciLayoutWriter} wrote.
 *
 * @param dir   the layout directory
 * @param refs  index.json entries in order
 * @param blobs every blob file written: digest to size (each digest once, however many references share it)
 */
public record WrittenLayout(Path dir, List<WrittenRef> refs, SortedMap<String, Long> blobs) {
    public WrittenLayout {
        refs = List.copyOf(refs);
        blobs = Collections.unmodifiableSortedMap(new TreeMap<>(blobs));
    }

    public WrittenRef ref(String name) {
        return refs.stream().filter(r -> name.equals(r.name())).findFirst()
                .orElseThrow(() -> new NoSuchElementException("no reference " + name + " in " + dir));
    }

    /** The reference names, in index.json order. */
    public List<String> refNames() {
        return refs.stream().map(WrittenRef::name).toList();
    }

    public Path blobPath(String digest) {
        return dir.resolve("blobs").resolve("sha256").resolve(Digests.hex(digest));
    }

    /** {@code oci:DIR:NAME}, the skopeo image name of a reference. */
    public String skopeoRef(String name) {
        return "oci:" + dir + ":" + name;
    }

    /** {@code DIR:NAME}, umoci's {@code --image} argument. */
    public String umociRef(String name) {
        return dir + ":" + name;
    }
}
