package io.cargohold.copy.internal;

import io.cargohold.copy.CopyOptions.LayerFormat;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.oci.MediaTypes;
import io.cargohold.storage.archive.Compression;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.Deflater;

/** Layer media types and their compressions, and the streams that change a layer's compression. */
public final class LayerMediaTypes {
    private LayerMediaTypes() {
    }

    /** The compression a layer media type says, or null when it is not a layer type this engine can transform. */
    public static Compression compressionOf(String mediaType) {
        if (mediaType == null) {
            return null;
        }
        return switch (mediaType) {
            case MediaTypes.OCI_LAYER, MediaTypes.DOCKER_LAYER -> Compression.NONE;
            case MediaTypes.OCI_LAYER_GZIP, MediaTypes.DOCKER_LAYER_GZIP -> Compression.GZIP;
            case MediaTypes.OCI_LAYER_ZSTD -> Compression.ZSTD;
            default -> null;
        };
    }

    public static Compression of(LayerFormat f) {
        return f == LayerFormat.ZSTD ? Compression.ZSTD : Compression.GZIP;
    }

    /** The layer media type for {@code c} in a manifest of type {@code manifestType}; null when that manifest type cannot say it. */
    public static String layerType(String manifestType, Compression c) {
        boolean docker = MediaTypes.DOCKER_MANIFEST.equals(manifestType);
        return switch (c) {
            case NONE -> docker ? MediaTypes.DOCKER_LAYER : MediaTypes.OCI_LAYER;
            case GZIP -> docker ? MediaTypes.DOCKER_LAYER_GZIP : MediaTypes.OCI_LAYER_GZIP;
            case ZSTD -> docker ? null : MediaTypes.OCI_LAYER_ZSTD;
            default -> null;
        };
    }

    /** The OCI equivalent of a Docker schema 2 media type (manifest, config, layers); others unchanged. */
    public static String toOci(String mediaType) throws InvalidArgumentException {
        if (mediaType == null) {
            return null;
        }
        return switch (mediaType) {
            case MediaTypes.DOCKER_MANIFEST -> MediaTypes.OCI_MANIFEST;
            case MediaTypes.DOCKER_MANIFEST_LIST -> MediaTypes.OCI_INDEX;
            case MediaTypes.DOCKER_CONFIG -> MediaTypes.OCI_CONFIG;
            case MediaTypes.DOCKER_LAYER -> MediaTypes.OCI_LAYER;
            case MediaTypes.DOCKER_LAYER_GZIP -> MediaTypes.OCI_LAYER_GZIP;
            case MediaTypes.DOCKER_FOREIGN_LAYER -> "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
            default -> mediaType;
        };
    }

    /** A compressing stream over {@code out}; {@code level} null = the format's default. */
    public static OutputStream compress(OutputStream out, Compression c, Integer level) throws IOException {
        return switch (c) {
            case NONE -> out;
            // on every core, one gzip member (containers/image compresses with pgzip too)
            case GZIP -> Compression.parallelGzip(out, level == null ? Deflater.DEFAULT_COMPRESSION : level);
            case ZSTD -> new ZstdOutputStream(out, level == null ? 3 : level);
            default -> throw new InvalidArgumentException("cannot write " + c.extension() + " layers (gzip or zstd)");
        };
    }

    public static InputStream decompress(InputStream in, Compression c) throws IOException {
        return c.decompress(in);
    }
}
