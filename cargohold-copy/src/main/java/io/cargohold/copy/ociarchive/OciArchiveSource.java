package io.cargohold.copy.ociarchive;

import io.cargohold.copy.CopyContext;
import io.cargohold.copy.ImageReference;
import io.cargohold.copy.ImageSource;
import io.cargohold.copy.RawManifest;
import io.cargohold.copy.internal.TarIndex;
import io.cargohold.copy.oci.OciLayoutTransport;
import io.cargohold.digest.Digest;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.oci.Descriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** An oci-archive, extracted safely into a temp directory and read as an {@code oci:} layout there. */
final class OciArchiveSource implements ImageSource {
    private final OciArchiveTransport.Ref ref;
    private final Path dir;
    private final ImageSource layout;
    private final String what;

    private OciArchiveSource(OciArchiveTransport.Ref ref, Path dir, ImageSource layout) {
        this.ref = ref;
        this.dir = dir;
        this.layout = layout;
        this.what = "oci archive " + ref.file();
    }

    static OciArchiveSource open(OciArchiveTransport.Ref ref, CopyContext context) throws IOException {
        String what = "oci archive " + ref.file();
        Path dir = TempLayout.create(context.tmpDir());
        try {
            try (TarIndex tar = TarIndex.open(ref.file(), what, context.tmpDir())) {
                extract(tar, dir, what);
            }
            ImageSource layout = OciLayoutTransport.of(dir.toString(), ref.refName()).newSource(context);
            return new OciArchiveSource(ref, dir, layout);
        } catch (IOException e) {
            TempLayout.delete(dir);
            throw TempLayout.rename(e, dir, what);
        } catch (RuntimeException e) {
            TempLayout.delete(dir);
            throw e;
        }
    }

    /**
     * Writes the layout's files (oci-layout, index.json, blobs/ALG/HEX) under {@code dir}; every other
     * entry is ignored, and links are never created (a blob that is a link is simply absent, which the
     * copy reports when it needs the blob).
     */
    private static void extract(TarIndex tar, Path dir, String what) throws IOException {
        for (String name : tar.names()) {
            String[] parts = name.split("/");
            boolean wanted = name.equals("oci-layout") || name.equals("index.json")
                    || parts.length == 3 && parts[0].equals("blobs") && isBlobName(parts[1], parts[2]);
            if (!wanted) {
                continue;
            }
            Path target = dir.resolve(name).normalize();
            if (!target.startsWith(dir)) {
                throw new CorruptException(what + ": entry " + name + " points out of the layout");
            }
            Files.createDirectories(target.getParent());
            try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                tar.copy(name, out);
            }
        }
        if (!Files.isRegularFile(dir.resolve("index.json"))) {
            throw new CorruptException(what + " is not an OCI image layout: index.json is missing");
        }
    }

    private static boolean isBlobName(String alg, String hex) {
        try {
            Digest.parse(alg + ":" + hex);
            return true;
        } catch (InvalidArgumentException e) {
            return false;
        }
    }

    @Override
    public ImageReference reference() {
        return ref;
    }

    @Override
    public RawManifest manifest() throws IOException {
        try {
            return layout.manifest();
        } catch (IOException e) {
            throw TempLayout.rename(e, dir, what);
        }
    }

    @Override
    public RawManifest manifest(Descriptor instance) throws IOException {
        try {
            return layout.manifest(instance);
        } catch (IOException e) {
            throw TempLayout.rename(e, dir, what);
        }
    }

    @Override
    public InputStream blob(Descriptor d) throws IOException {
        try {
            return layout.blob(d);
        } catch (IOException e) {
            throw TempLayout.rename(e, dir, what);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            layout.close();
        } finally {
            TempLayout.delete(dir);
        }
    }
}
