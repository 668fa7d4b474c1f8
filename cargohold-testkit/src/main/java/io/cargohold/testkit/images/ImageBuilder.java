package io.cargohold.testkit.images;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds an image: config JSON, layer blobs and manifest, all JSON written by Jackson and every
 * digest and size computed from the exact bytes. OCI media types unless {@link #dockerMediaTypes()}.
 *
 * <pre>{@code
 * Image img = ImageBuilder.create()
 *         .platform(Platform.LINUX_AMD64)
 *         .env("PATH=/usr/bin:/bin").cmd("/bin/sh")
 *         .layer(base, Compression.GZIP, "ADD rootfs.tar /")
 *         .history("ENV PATH=/usr/bin:/bin")          // an empty_layer history entry
 *         .build();
 * }</pre>
 */
public final class ImageBuilder {
    /** 2023-11-15T22:13:20Z: the default {@code created} of config and history. */
    public static final Instant DEFAULT_CREATED = LayerBuilder.DEFAULT_MTIME.plusSeconds(86_400);

    private record LayerSpec(Layer layer, Compression compression, int level) {}

    /** A history entry; a null time means the image's {@code created}, resolved at build. */
    private record History(String createdBy, Instant created, boolean emptyLayer) {}

    private Platform platform = Platform.LINUX_AMD64;
    private Instant created = DEFAULT_CREATED;
    private String author;
    private boolean docker;
    private final List<LayerSpec> layers = new ArrayList<>();
    private final List<History> history = new ArrayList<>();
    private final List<String> env = new ArrayList<>();
    private List<String> entrypoint;
    private List<String> cmd;
    private String user;
    private String workingDir;
    private String stopSignal;
    private final Map<String, String> labels = new TreeMap<>();
    private final List<String> exposedPorts = new ArrayList<>();
    private final List<String> volumes = new ArrayList<>();
    private final Map<String, String> manifestAnnotations = new LinkedHashMap<>();

    private ImageBuilder() {}

    public static ImageBuilder create() {
        return new ImageBuilder();
    }

    /** Docker schema 2 media types for manifest, config and layers (zstd layers are refused). */
    public ImageBuilder dockerMediaTypes() {
        this.docker = true;
        return this;
    }

    boolean isDocker() {
        return docker;
    }

    /** Platform written into the config (architecture, os, variant) and used by image indexes. */
    public ImageBuilder platform(Platform p) {
        this.platform = p;
        return this;
    }

    public ImageBuilder platform(String osArchVariant) {
        return platform(Platform.parse(osArchVariant));
    }

    /** The config's {@code created}, also the default time of history entries. */
    public ImageBuilder created(Instant t) {
        this.created = t;
        return this;
    }

    public ImageBuilder author(String a) {
        this.author = a;
        return this;
    }

    public ImageBuilder env(String... kv) {
        env.addAll(List.of(kv));
        return this;
    }

    public ImageBuilder entrypoint(String... args) {
        this.entrypoint = List.of(args);
        return this;
    }

    public ImageBuilder cmd(String... args) {
        this.cmd = List.of(args);
        return this;
    }

    public ImageBuilder user(String u) {
        this.user = u;
        return this;
    }

    public ImageBuilder workingDir(String d) {
        this.workingDir = d;
        return this;
    }

    public ImageBuilder stopSignal(String s) {
        this.stopSignal = s;
        return this;
    }

    public ImageBuilder label(String key, String value) {
        labels.put(key, value);
        return this;
    }

    /** e.g. {@code 8080/tcp}. */
    public ImageBuilder exposedPort(String port) {
        exposedPorts.add(port);
        return this;
    }

    public ImageBuilder volume(String path) {
        volumes.add(path);
        return this;
    }

    public ImageBuilder manifestAnnotation(String key, String value) {
        manifestAnnotations.put(key, value);
        return this;
    }

    /**
     * Adds a gzip layer, with a history entry {@code created_by: "ADD layer-N.tar /"} created at the
     * image's {@link #created} time.
     */
    public ImageBuilder layer(Layer layer) {
        return layer(layer, Compression.GZIP, "ADD layer-" + (layers.size() + 1) + ".tar /");
    }

    public ImageBuilder layer(Layer layer, Compression c) {
        return layer(layer, c, "ADD layer-" + (layers.size() + 1) + ".tar /");
    }

    /** Adds a layer stored with {@code c} and its history entry. */
    public ImageBuilder layer(Layer layer, Compression c, String createdBy) {
        return layer(layer, c, c.defaultLevel(), createdBy, null);
    }

    /**
     * Adds a layer stored with {@code c} at {@code level}, with its history entry created at
     * {@code historyCreated} (null: the image's {@link #created} time).
     */
    public ImageBuilder layer(Layer layer, Compression c, int level, String createdBy, Instant historyCreated) {
        if (docker && c == Compression.ZSTD) {
            throw new IllegalArgumentException("Docker schema 2 images cannot have zstd layers");
        }
        layers.add(new LayerSpec(layer, c, level));
        history.add(new History(createdBy, historyCreated, false));
        return this;
    }

    /** A history entry without a layer ({@code empty_layer: true}, at {@link #created}), as ENV/LABEL/CMD steps make. */
    public ImageBuilder history(String createdBy) {
        history.add(new History(createdBy, null, true));
        return this;
    }

    public Image build() {
        if (docker && !manifestAnnotations.isEmpty()) {
            throw new IllegalStateException("Docker schema 2 manifests have no annotations");
        }
        List<Descriptor> layerDescs = new ArrayList<>();
        List<String> diffIds = new ArrayList<>();
        List<Blob> layerBlobs = new ArrayList<>();
        for (LayerSpec s : layers) {
            Blob b = s.layer().blob(s.compression(), s.level());
            String mt = docker ? s.compression().dockerMediaType() : s.compression().ociMediaType();
            layerDescs.add(new Descriptor(mt, b.digest(), b.size()));
            layerBlobs.add(b);
            diffIds.add(s.layer().diffId());
        }

        // --- config (field order of the OCI/Docker Go structs)
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("created", rfc3339(created));
        if (author != null) {
            cfg.put("author", author);
        }
        cfg.put("architecture", platform.architecture());
        cfg.put("os", platform.os());
        if (platform.variant() != null) {
            cfg.put("variant", platform.variant());
        }
        Map<String, Object> run = new LinkedHashMap<>();
        if (user != null) {
            run.put("User", user);
        }
        if (!exposedPorts.isEmpty()) {
            Map<String, Object> ports = new TreeMap<>();
            exposedPorts.forEach(p -> ports.put(p, Map.of()));
            run.put("ExposedPorts", ports);
        }
        if (!env.isEmpty()) {
            run.put("Env", env);
        }
        if (entrypoint != null) {
            run.put("Entrypoint", entrypoint);
        }
        if (cmd != null) {
            run.put("Cmd", cmd);
        }
        if (!volumes.isEmpty()) {
            Map<String, Object> vols = new TreeMap<>();
            volumes.forEach(v -> vols.put(v, Map.of()));
            run.put("Volumes", vols);
        }
        if (workingDir != null) {
            run.put("WorkingDir", workingDir);
        }
        if (!labels.isEmpty()) {
            run.put("Labels", labels);
        }
        if (stopSignal != null) {
            run.put("StopSignal", stopSignal);
        }
        cfg.put("config", run);
        Map<String, Object> rootfs = new LinkedHashMap<>();
        rootfs.put("type", "layers");
        rootfs.put("diff_ids", diffIds);
        cfg.put("rootfs", rootfs);
        List<Map<String, Object>> hist = new ArrayList<>();
        for (History h : history) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("created", rfc3339(h.created() == null ? created : h.created()));
            e.put("created_by", h.createdBy());
            if (h.emptyLayer()) {
                e.put("empty_layer", true);
            }
            hist.add(e);
        }
        cfg.put("history", hist);
        Blob configBlob = Blob.of(Json.write(cfg));
        Descriptor config = new Descriptor(docker ? MediaTypes.DOCKER_CONFIG : MediaTypes.OCI_CONFIG, configBlob.digest(),
                configBlob.size());

        // --- manifest
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schemaVersion", 2);
        m.put("mediaType", docker ? MediaTypes.DOCKER_MANIFEST : MediaTypes.OCI_MANIFEST);
        m.put("config", config.toJson());
        m.put("layers", layerDescs.stream().map(Descriptor::toJson).toList());
        if (!manifestAnnotations.isEmpty()) {
            m.put("annotations", manifestAnnotations);
        }
        Blob manifestBlob = Blob.of(Json.write(m));
        Descriptor manifest = new Descriptor(docker ? MediaTypes.DOCKER_MANIFEST : MediaTypes.OCI_MANIFEST,
                manifestBlob.digest(), manifestBlob.size());

        List<Layer> sources = layers.stream().map(LayerSpec::layer).toList();
        return new Image(manifest, manifestBlob, config, configBlob, layerDescs, layerBlobs, diffIds, platform, sources);
    }

    static String rfc3339(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t);
    }
}
