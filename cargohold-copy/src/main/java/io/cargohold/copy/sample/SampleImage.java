package io.cargohold.copy.sample;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cargohold.copy.ImageReference;
import io.cargohold.copy.ImageSource;
import io.cargohold.copy.Platforms;
import io.cargohold.copy.RawManifest;
import io.cargohold.digest.Digest;
import io.cargohold.errors.NotFoundException;
import io.cargohold.oci.Descriptor;
import io.cargohold.oci.MediaTypes;
import io.cargohold.oci.Platform;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The built-in sample image {@code sample:hello}: two gzip layers (a base with {@code /etc} and
 * {@code /usr/share/cargohold}, and {@code /hello.txt} on top), an OCI config for this machine's
 * platform and an OCI manifest. Every byte is fixed (file times, owners, gzip headers, JSON field
 * order), so copying it twice is a no-op the second time and its digest is the same on every run.
 */
public final class SampleImage implements ImageSource {
    /** The names {@code sample:} knows. */
    public static final List<String> NAMES = List.of("hello");

    private static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ImageReference reference;
    private final RawManifest manifest;
    private final Map<Digest, byte[]> blobs = new LinkedHashMap<>();

    private SampleImage(ImageReference reference) {
        this.reference = reference;
        byte[] base = gzipTar(List.of(
                dir("etc/"),
                file("etc/os-release", "NAME=\"Cargohold sample\"\nID=cargohold-sample\nVERSION_ID=1\n"),
                dir("usr/"), dir("usr/share/"), dir("usr/share/cargohold/"),
                file("usr/share/cargohold/README", "This image was built in memory by `cargohold demo` (sample:hello).\n"
                        + "Copy it anywhere: cargohold copy sample:hello oci:/tmp/hello:latest\n")));
        byte[] top = gzipTar(List.of(file("hello.txt", "Hello from Cargohold!\n")));
        Platform p = Platforms.current();
        ObjectNode config = JSON.createObjectNode();
        config.put("created", CREATED.toString());
        config.put("architecture", p.architecture());
        if (p.variant() != null) {
            config.put("variant", p.variant());
        }
        config.put("os", p.os());
        ObjectNode cfg = config.putObject("config");
        cfg.putArray("Env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        cfg.putArray("Cmd").add("/bin/cat").add("/hello.txt");
        cfg.putObject("Labels").put("org.opencontainers.image.title", "Cargohold sample: hello");
        ObjectNode rootfs = config.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode diffIds = rootfs.putArray("diff_ids");
        diffIds.add(Digest.sha256(gunzip(base)).toString());
        diffIds.add(Digest.sha256(gunzip(top)).toString());
        ArrayNode history = config.putArray("history");
        history.addObject().put("created", CREATED.toString()).put("created_by", "cargohold sample: /etc, /usr/share/cargohold");
        history.addObject().put("created", CREATED.toString()).put("created_by", "cargohold sample: /hello.txt");
        byte[] configBytes = bytes(config);

        ObjectNode m = JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", MediaTypes.OCI_MANIFEST);
        m.set("config", descriptor(MediaTypes.OCI_CONFIG, configBytes));
        ArrayNode layers = m.putArray("layers");
        layers.add(descriptor(MediaTypes.OCI_LAYER_GZIP, base));
        layers.add(descriptor(MediaTypes.OCI_LAYER_GZIP, top));
        m.putObject("annotations").put("org.opencontainers.image.created", CREATED.toString());
        this.manifest = RawManifest.of(bytes(m), MediaTypes.OCI_MANIFEST);
    }

    /** The sample named by {@code ref} (one of {@link #NAMES}). */
    public static SampleImage build(ImageReference ref) {
        return new SampleImage(ref);
    }

    @Override
    public ImageReference reference() {
        return reference;
    }

    @Override
    public RawManifest manifest() {
        return manifest;
    }

    @Override
    public InputStream blob(Descriptor d) throws IOException {
        byte[] b = blobs.get(d.digest());
        if (b == null) {
            throw new NotFoundException(reference.string() + " has no blob " + d.digest());
        }
        return new ByteArrayInputStream(b);
    }

    private ObjectNode descriptor(String mediaType, byte[] content) {
        Digest d = Digest.sha256(content);
        blobs.put(d, content);
        ObjectNode n = JSON.createObjectNode();
        n.put("mediaType", mediaType);
        n.put("digest", d.toString());
        n.put("size", content.length);
        return n;
    }

    private static byte[] bytes(ObjectNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Entry(String name, byte[] content) {
    }

    private static Entry dir(String name) {
        return new Entry(name, null);
    }

    private static Entry file(String name, String content) {
        return new Entry(name, content.getBytes(StandardCharsets.UTF_8));
    }

    /** A tar of {@code entries} (root-owned, fixed times), gzip-compressed with a fixed header. */
    private static byte[] gzipTar(List<Entry> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // the JDK writes a fixed gzip header (MTIME 0, no name), so the bytes are the same on every run
        try (GZIPOutputStream gz = new GZIPOutputStream(out); TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Entry e : entries) {
                TarArchiveEntry t = new TarArchiveEntry(e.name(), e.content() == null ? TarArchiveEntry.LF_DIR : TarArchiveEntry.LF_NORMAL);
                t.setMode(e.content() == null ? 040755 : 0100644);
                t.setUserId(0);
                t.setGroupId(0);
                t.setUserName("root");
                t.setGroupName("root");
                t.setLastModifiedTime(FileTime.from(CREATED));
                if (e.content() != null) {
                    t.setSize(e.content().length);
                }
                tar.putArchiveEntry(t);
                if (e.content() != null) {
                    tar.write(e.content());
                }
                tar.closeArchiveEntry();
            }
            tar.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] gunzip(byte[] gz) {
        try (InputStream in = new java.util.zip.GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
