package io.cargohold.testkit.images;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link DockerArchiveWriter} wrote.
 *
 * @param file   the archive
 * @param size   its size in bytes
 * @param images the images, in manifest.json order
 */
public record WrittenDockerArchive(Path file, long size, List<ArchivedImage> images) {
    public WrittenDockerArchive {
        images = List.copyOf(images);
    }

    /** The only image (throws when there are several). */
    public ArchivedImage image() {
        if (images.size() != 1) {
            throw new IllegalStateException(images.size() + " images in " + file);
        }
        return images.getFirst();
    }

    /** {@code docker-archive:FILE}, the skopeo image name (for an archive of one image). */
    public String skopeoRef() {
        return "docker-archive:" + file;
    }

    /**
     * One manifest.json item.
     *
     * @param repoTags       {@code name:tag} strings
     * @param configPath     path of the config in the archive ({@code <hex>.json})
     * @param config         config descriptor (Docker config media type)
     * @param layerPaths     {@code <diffid-hex>/layer.tar} paths in order
     * @param layers         uncompressed layers: diff_id and tar size
     * @param diffIds        the config's diff_ids
     * @param skopeoDigest   the digest {@code skopeo inspect docker-archive:FILE} reports: that of
     *                       the Docker schema 2 manifest containers/image synthesises for the image
     */
    public record ArchivedImage(List<String> repoTags, String configPath, Descriptor config, List<String> layerPaths,
            List<Descriptor> layers, List<String> diffIds, String skopeoDigest) {
        public ArchivedImage {
            repoTags = List.copyOf(repoTags);
            layerPaths = List.copyOf(layerPaths);
            layers = List.copyOf(layers);
            diffIds = List.copyOf(diffIds);
        }
    }
}
