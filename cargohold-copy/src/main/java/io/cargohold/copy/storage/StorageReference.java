package io.cargohold.copy.storage;

import io.cargohold.copy.CopyContext;
import io.cargohold.copy.ImageDestination;
import io.cargohold.copy.ImageReference;
import io.cargohold.copy.ImageSource;
import io.cargohold.copy.Transport;
import io.cargohold.digest.Digest;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.storage.Image;
import io.cargohold.storage.Store;
import io.cargohold.storage.StoreOptions;
import java.io.IOException;
import java.util.regex.Pattern;

/**
 * A parsed containers-storage reference: the store (null: the context's default store), a normalised
 * name with a tag and/or digest (may be null), and an image ID (full; null when not given), or an ID
 * prefix still to be expanded against the store (upstream's ParseStoreReference does that at parse
 * time, with the store at hand).
 */
public final class StorageReference implements ImageReference {
    private static final int MINIMUM_TRUNCATED_ID_LENGTH = 3;
    private static final Pattern FULL_ID = Pattern.compile("[a-f0-9]{64}");

    private final Transport transport;
    private final StoreSpec spec;
    private final DockerReference named;
    private final String id;
    /** A trailing {@code @X} that is neither a digest nor a full ID: an ID prefix to expand. */
    private final String idPrefix;
    /** The whole text when it may be an ID prefix given as a name ({@code abc123}). */
    private final String maybeIdPrefix;

    private StorageReference(Transport transport, StoreSpec spec, DockerReference named, String id, String idPrefix,
                             String maybeIdPrefix) {
        this.transport = transport;
        this.spec = spec;
        this.named = named;
        this.id = id;
        this.idPrefix = idPrefix;
        this.maybeIdPrefix = maybeIdPrefix;
    }

    static StorageReference parse(Transport transport, String reference) throws InvalidArgumentException {
        StoreSpec spec = null;
        String ref = reference;
        if (!ref.isEmpty() && ref.charAt(0) == '[') {
            int close = ref.indexOf(']');
            if (close < 1) {
                throw new InvalidArgumentException("invalid reference"); // ParseReference's bare ErrInvalidReference
            }
            spec = StoreSpec.parse(ref.substring(1, close));
            ref = ref.substring(close + 1);
        }
        if (ref.isEmpty()) {
            throw new InvalidArgumentException("\"" + ref + "\" is an empty reference: invalid reference");
        }
        String id = null;
        String idPrefix = null;
        int split = ref.lastIndexOf('@');
        if (split != -1) {
            String possibleId = ref.substring(split + 1);
            if (possibleId.isEmpty()) {
                throw new InvalidArgumentException("empty trailing digest or ID in \"" + ref + "\": invalid reference");
            }
            if (!looksLikeDigest(possibleId)) {
                if (FULL_ID.matcher(possibleId).matches()) {
                    id = possibleId;
                } else if (possibleId.length() >= MINIMUM_TRUNCATED_ID_LENGTH) {
                    idPrefix = possibleId;
                } else {
                    throw new InvalidArgumentException("\"" + possibleId + "\" does not look like an image ID or digest: invalid reference");
                }
                ref = ref.substring(0, split);
            }
        }
        String maybeIdPrefix = null;
        if (id == null && idPrefix == null && ref.length() >= MINIMUM_TRUNCATED_ID_LENGTH && ref.indexOf('@') < 0
                && ref.indexOf(':') < 0) {
            maybeIdPrefix = ref;
        }
        DockerReference named = null;
        if (!ref.isEmpty()) {
            try {
                named = DockerReference.parseNormalized(ref);
            } catch (InvalidArgumentException e) {
                if (maybeIdPrefix == null) {
                    throw new InvalidArgumentException("parsing named reference \"" + ref + "\": " + e.getMessage(), e);
                }
                // only an image ID prefix can make sense of it (checked against the store)
            }
        }
        return new StorageReference(transport, spec, named, id, idPrefix, maybeIdPrefix);
    }

    private static boolean looksLikeDigest(String s) {
        try {
            Digest.parse(s);
            return true;
        } catch (InvalidArgumentException e) {
            return false;
        }
    }

    @Override
    public Transport transport() {
        return transport;
    }

    /** The name (with tag and/or digest) this reference gives, or null. */
    public DockerReference named() {
        return named;
    }

    /** The image ID given in full, or null. */
    public String id() {
        return id;
    }

    @Override
    public String withinTransport() {
        String store = spec == null ? "" : "[" + spec + "]";
        String name = named != null ? named.toString() : maybeIdPrefix != null ? maybeIdPrefix : "";
        String tail = id != null ? "@" + id : idPrefix != null ? "@" + idPrefix : "";
        return store + name + tail;
    }

    @Override
    public String toString() {
        return string();
    }

    /** The store options this reference names. */
    StoreOptions storeOptions(CopyContext context) throws InvalidArgumentException {
        StoreOptions defaults = context == null ? null : context.defaultStorage();
        if (spec == null) {
            if (defaults == null) {
                throw new InvalidArgumentException(string() + ": no default containers-storage store is configured;"
                        + " name one as containers-storage:[vfs@GRAPHROOT+RUNROOT]NAME");
            }
            return defaults;
        }
        return spec.toOptions(defaults);
    }

    /** A name and/or full ID, with any ID prefix expanded against {@code store}, as upstream's ParseStoreReference. */
    record Resolved(DockerReference named, String id) {
    }

    Resolved resolve(Store store) throws IOException {
        if (idPrefix != null) {
            Image img = imageOrNull(store, idPrefix);
            if (img == null || !img.id().startsWith(idPrefix)) {
                throw new InvalidArgumentException("\"" + idPrefix + "\" does not look like an image ID or digest: invalid reference");
            }
            return new Resolved(named, img.id());
        }
        if (id == null && maybeIdPrefix != null) {
            Image img = imageOrNull(store, maybeIdPrefix);
            if (img != null && img.id().startsWith(maybeIdPrefix)) {
                return new Resolved(null, img.id());
            }
            if (named == null) {
                // not an ID after all: report the name's own parse error
                try {
                    DockerReference.parseNormalized(maybeIdPrefix);
                } catch (InvalidArgumentException e) {
                    throw new InvalidArgumentException("parsing named reference \"" + maybeIdPrefix + "\": " + e.getMessage(), e);
                }
            }
        }
        return new Resolved(named, id);
    }

    private static Image imageOrNull(Store store, String key) throws IOException {
        try {
            return store.image(key);
        } catch (NotFoundException e) {
            return null;
        }
    }

    @Override
    public ImageSource newSource(CopyContext context) throws IOException {
        Store store = Store.open(storeOptions(context));
        return StorageImageSource.open(this, store, resolve(store));
    }

    @Override
    public ImageDestination newDestination(CopyContext context) throws IOException {
        Store store = Store.open(storeOptions(context));
        return new StorageImageDestination(this, store, resolve(store), context);
    }
}
