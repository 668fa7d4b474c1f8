package io.cargohold.copy.dockerarchive;

import io.cargohold.copy.CopyContext;
import io.cargohold.copy.ImageDestination;
import io.cargohold.copy.ImageReference;
import io.cargohold.copy.ImageSource;
import io.cargohold.copy.Transport;
import io.cargohold.copy.internal.TarIndex;
import io.cargohold.copy.storage.DockerReference;
import io.cargohold.errors.InvalidArgumentException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code docker-archive:FILE[:NAME[:TAG]|:@N]}: a {@code docker save} tar, as containers/image v5.23's
 * {@code docker/archive} (the path ends at the first colon; a name without a tag means {@code :latest};
 * {@code @N} picks the N-th image of {@code manifest.json} when reading). Read: the chosen image as a
 * Docker schema 2 manifest over the archive's files, layers uncompressed (their digests are the
 * DiffIDs). Written: a new archive (an existing non-empty file is refused, as upstream) built in a
 * temp file next to it and renamed into place at commit.
 */
public final class DockerArchiveTransport implements Transport {
    public static final DockerArchiveTransport INSTANCE = new DockerArchiveTransport();
    public static final String NAME = "docker-archive";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ImageReference parse(String reference) throws InvalidArgumentException {
        if (reference.isEmpty()) {
            throw new InvalidArgumentException("docker-archive reference " + reference + " isn't of the form <path>[:<reference>]");
        }
        int colon = reference.indexOf(':');
        String path = colon < 0 ? reference : reference.substring(0, colon);
        if (colon < 0) {
            return new Ref(Path.of(path), null, -1);
        }
        String rest = reference.substring(colon + 1);
        if (!rest.isEmpty() && rest.charAt(0) == '@') {
            int i;
            try {
                i = Integer.parseInt(rest.substring(1));
            } catch (NumberFormatException e) {
                throw new InvalidArgumentException("Invalid source index " + rest + ": " + e.getMessage());
            }
            if (i < 0) {
                throw new InvalidArgumentException("Invalid source index @" + i + ": must not be negative");
            }
            return new Ref(Path.of(path), null, i);
        }
        if (rest.isEmpty()) {
            return new Ref(Path.of(path), null, -1);
        }
        if (rest.contains("@")) {
            throw new InvalidArgumentException("docker-archive doesn't support digest references: " + rest);
        }
        DockerReference r;
        try {
            r = DockerReference.parseNormalized(rest); // ParseNormalizedNamed, then TagNameOnly, as upstream
        } catch (InvalidArgumentException e) {
            throw new InvalidArgumentException("docker-archive parsing reference: " + e.getMessage(), e);
        }
        return new Ref(Path.of(path), r.toString(), -1);
    }

    /** An image listed in an archive's manifest.json. */
    public record Item(int index, String config, List<String> repoTags, List<String> layers) {
    }

    /** What the archive's manifest.json lists (for importing every image under its own tags). */
    public static List<Item> items(Path file, CopyContext context) throws IOException {
        try (TarIndex tar = TarIndex.open(file, "docker archive " + file, context.tmpDir())) {
            return DockerArchiveSource.readItems(tar);
        }
    }

    /** A parsed {@code docker-archive:} reference: {@code tag} is normalised (docker.io/library/…), or null. */
    public record Ref(Path path, String tag, int sourceIndex) implements ImageReference {
        @Override
        public Transport transport() {
            return INSTANCE;
        }

        @Override
        public String withinTransport() {
            return path + (tag != null ? ":" + tag : sourceIndex >= 0 ? ":@" + sourceIndex : "");
        }

        @Override
        public ImageSource newSource(CopyContext context) throws IOException {
            return DockerArchiveSource.open(this, context);
        }

        @Override
        public ImageDestination newDestination(CopyContext context) throws IOException {
            if (sourceIndex >= 0) {
                throw new InvalidArgumentException("Destination reference must not contain a manifest index @" + sourceIndex);
            }
            return DockerArchiveDestination.create(this);
        }
    }
}
