package io.cargohold.copy.ociarchive;

import io.cargohold.copy.CopyBlob;
import io.cargohold.copy.CopyContext;
import io.cargohold.copy.ImageDestination;
import io.cargohold.copy.ImageReference;
import io.cargohold.copy.RawManifest;
import io.cargohold.copy.oci.OciLayoutTransport;
import io.cargohold.errors.NotFoundException;
import io.cargohold.fs.Fsync;
import io.cargohold.oci.Descriptor;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Stages a fresh layout with the {@code oci:} destination, then tars it at commit into a temp file renamed over {@code FILE}. */
final class OciArchiveDestination implements ImageDestination {
    private final OciArchiveTransport.Ref ref;
    private final Path dir;
    private final ImageDestination layout;
    private final Path target;

    private OciArchiveDestination(OciArchiveTransport.Ref ref, Path dir, ImageDestination layout, Path target) {
        this.ref = ref;
        this.dir = dir;
        this.layout = layout;
        this.target = target;
    }

    static OciArchiveDestination create(OciArchiveTransport.Ref ref, CopyContext context) throws IOException {
        Path target = ref.file().toAbsolutePath();
        if (!Files.isDirectory(target.getParent())) {
            throw new NotFoundException("creating tar file \"" + ref.file() + "\": no such directory: " + target.getParent());
        }
        Path dir = TempLayout.create(context.tmpDir());
        try {
            return new OciArchiveDestination(ref, dir, OciLayoutTransport.of(dir.toString(), ref.refName()).newDestination(context), target);
        } catch (IOException | RuntimeException e) {
            TempLayout.delete(dir);
            throw e;
        }
    }

    @Override
    public ImageReference reference() {
        return ref;
    }

    @Override
    public LayerCompression desiredLayerCompression() {
        return layout.desiredLayerCompression();
    }

    @Override
    public boolean supportsManifestType(String mediaType, boolean topLevel) {
        return layout.supportsManifestType(mediaType, topLevel);
    }

    @Override
    public boolean supportsIndex() {
        return layout.supportsIndex();
    }

    @Override
    public Optional<Descriptor> tryReuse(CopyBlob blob) throws IOException {
        return layout.tryReuse(blob);
    }

    @Override
    public Descriptor putBlob(InputStream content, CopyBlob blob) throws IOException {
        return layout.putBlob(content, blob);
    }

    @Override
    public void putManifest(RawManifest manifest, boolean topLevel) throws IOException {
        layout.putManifest(manifest, topLevel);
    }

    @Override
    public void commit(RawManifest unparsedTopLevel) throws IOException {
        layout.commit(unparsedTopLevel);
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        boolean done = false;
        try {
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new BufferedOutputStream(
                    Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), 1 << 16))) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                for (Path p : tree()) {
                    String name = dir.relativize(p).toString().replace('\\', '/');
                    boolean isDir = Files.isDirectory(p);
                    TarArchiveEntry e = new TarArchiveEntry(isDir ? name + "/" : name);
                    e.setModTime(Files.getLastModifiedTime(p).toMillis());
                    if (isDir) {
                        e.setMode(040755);
                        tar.putArchiveEntry(e);
                    } else {
                        e.setMode(0100644);
                        e.setSize(Files.size(p));
                        tar.putArchiveEntry(e);
                        Files.copy(p, tar);
                    }
                    tar.closeArchiveEntry();
                }
                tar.finish();
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            done = true;
            Fsync.directory(target.getParent());
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** The staged layout's directories and files, parents first, in a stable order. */
    private List<Path> tree() throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(p -> !p.equals(dir)).sorted().forEach(out::add);
        }
        return out;
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
