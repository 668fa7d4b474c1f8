package io.cargohold.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The AOT training runs recorded by {@code bin/build}: the common commands against a throw-away store,
 * in one JVM, so the cache holds the classes a typical invocation loads and links.
 * {@code Train DIR} records every command (the cache of copy, import, export, fsck, check, gc and the
 * {@code --json} forms); {@code Train DIR quick} only the plain status, list, blob ls and blob get that
 * run without picocli, for the cache the launcher uses for those. Two caches, because the JVM loads and links every class of a
 * cache at start-up whether the command needs it or not: ~30 microseconds of CPU per class, ~30 ms
 * for the copy engine's classes that {@code cargohold list} never touches.
 */
public final class Train {
    private Train() {
    }

    public static void main(String[] args) throws IOException {
        // what main does before run: the environment and the warm-up thread (their classes then come from the cache)
        System.getenv().size();
        io.cargohold.StartupWarmup.begin();
        Logging.configure(); // as main: SLF4J's provider by name (no class path scan), and Logging from the cache
        Path root = Path.of(args[0]).resolve("store");
        Path file = Path.of(args[0]).resolve("blob");
        Files.writeString(file, "training content\n");
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
        String r = root.toString();
        if (args.length > 1 && args[1].equals("quick")) {
            quick(r, file, sink);
            return;
        }
        String[][] runs = {
                {"--root", r, "status"},
                {"--root", r, "status", "--json"},
                {"--root", r, "blob", "put", file.toString()},
                {"--root", r, "blob", "put", "--json", "--media-type", "text/plain", file.toString()},
                {"--root", r, "blob", "ls"},
                {"--root", r, "blob", "ls", "--json"},
                {"--root", r, "blob", "resolve", "sha256:4"},
                {"--root", r, "blob", "info", "--json", "sha256:"},
                {"--root", r, "blob", "get", "sha256:"},
                {"--root", r, "blob", "data", "set", "sha256:", "label", "x"},
                {"--root", r, "blob", "data", "ls", "sha256:"},
                {"--root", r, "kv", "set", "refs", "a:b", "v", "--blob", "sha256:"},
                {"--root", r, "kv", "ls", "refs", "--json"},
                {"--root", r, "kv", "get", "refs", "a:b"},
                {"--root", r, "kv", "rm", "refs", "a:b"},
                {"--root", r, "blob", "rm", "sha256:"},
                {"--root", r, "fsck"},
                {"--root", r, "blob", "get", "nothing"},
                {"--root", r, "--help"},
        };
        for (String[] a : runs) {
            int code = Main.run(new ByteArrayInputStream(new byte[0]), sink, sink, Map.of(), a);
            System.out.println(String.join(" ", a) + " -> " + code);
        }
        // copy: a one-layer image in a hand-made layout, through the common transports
        Path layout = Path.of(args[0]).resolve("layout");
        writeLayout(layout);
        String src = "oci:" + layout + ":latest";
        String cs = "containers-storage:[vfs@" + Path.of(args[0]).resolve("g") + "+" + Path.of(args[0]).resolve("r") + "]train:latest";
        String[][] copies = {
                {"--root", r, "copy", src, "oci:" + Path.of(args[0]).resolve("out") + ":latest"},
                {"--root", r, "copy", "--json", src, "cargohold:train:latest"},
                {"--root", r, "copy", "-q", src, cs},
                {"--root", r, "copy", "-q", cs, "oci:" + Path.of(args[0]).resolve("out2") + ":latest"},
                {"--root", r, "copy", "-q", "cargohold:train:latest", "docker-archive:" + Path.of(args[0]).resolve("a.tar")},
                {"--root", r, "copy", "-q", "ocii:x", "oci:y"},
                {"--root", r, "list"},
                {"--root", r, "list", "--json"},
                {"--root", r, "inspect", "train:latest"},
                {"--root", r, "status"},
                {"--root", r, "nosuchcommand"},
        };
        for (String[] a : copies) {
            int code = Main.run(new ByteArrayInputStream(new byte[0]), sink, sink, Map.of(), a);
            System.out.println(String.join(" ", a) + " -> " + code);
        }
        // docker://: the registry client and java.net.http's classes, against a registry served here
        try (TrainingRegistry reg = new TrainingRegistry(layout)) {
            String image = "docker://" + reg.host() + "/train:latest";
            String[][] pulls = {
                    {"--root", r, "copy", "-q", "--src-tls-verify=false", image, "oci:" + Path.of(args[0]).resolve("pulled") + ":latest"},
                    {"--root", r, "copy", "-q", "--src-tls-verify=false", image, "cargohold:pulled:latest"},
                    {"--root", r, "copy", "-q", "--src-tls-verify=false", image, "cargohold:pulled:latest"},
                    {"--root", r, "copy", "-q", "--dest-tls-verify=false", src, "docker://" + reg.host() + "/pushed:latest"},
                    {"--root", r, "inspect", "--tls-verify=false", image},
                    {"--root", r, "ls-tags", "--tls-verify=false", "docker://" + reg.host() + "/train"},
            };
            for (String[] a : pulls) {
                int code = Main.run(new ByteArrayInputStream(new byte[0]), sink, sink, Map.of(), a);
                System.out.println(String.join(" ", a) + " -> " + code);
            }
        }
    }

    /**
     * Just enough of the distribution API, on the JDK's HTTP server, for the training pulls and push: the
     * layout's blobs and its one manifest (tag {@code latest}, any repository), uploads accepted and dropped.
     */
    private static final class TrainingRegistry implements AutoCloseable {
        private final com.sun.net.httpserver.HttpServer server;

        TrainingRegistry(Path layout) throws IOException {
            String index = Files.readString(layout.resolve("index.json"));
            int at = index.indexOf("sha256:");
            String manifestDigest = index.substring(at, at + 71);
            server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/v2/", x -> {
                try (x) {
                    String path = x.getRequestURI().getPath();
                    boolean head = x.getRequestMethod().equals("HEAD");
                    var h = x.getResponseHeaders();
                    h.set("Docker-Distribution-API-Version", "registry/2.0");
                    byte[] body = null;
                    int status = 404;
                    if (path.equals("/v2/")) {
                        status = 200;
                        body = "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    } else if (path.endsWith("/tags/list")) {
                        status = 200;
                        h.set("Content-Type", "application/json");
                        body = "{\"name\":\"train\",\"tags\":[\"latest\"]}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    } else if (path.contains("/blobs/uploads/")) {
                        status = x.getRequestMethod().equals("PUT") ? 201 : 202;
                        h.set("Location", path.endsWith("/uploads/") ? path + "u1" : path);
                        h.set("Range", "0-0");
                        x.getRequestBody().transferTo(java.io.OutputStream.nullOutputStream());
                    } else if (x.getRequestMethod().equals("PUT")) {
                        status = 201;
                        x.getRequestBody().transferTo(java.io.OutputStream.nullOutputStream());
                    } else if (path.contains("/manifests/") || path.contains("/blobs/sha256:")) {
                        boolean manifest = path.contains("/manifests/");
                        String name = path.substring(path.lastIndexOf('/') + 1);
                        String digest = manifest && !name.startsWith("sha256:") ? manifestDigest : name;
                        Path blob = layout.resolve("blobs/sha256").resolve(digest.substring(Math.min(7, digest.length())));
                        if (digest.startsWith("sha256:") && Files.isRegularFile(blob) && (!path.contains("/pushed/") || manifest)) {
                            status = 200;
                            body = Files.readAllBytes(blob);
                            h.set("Docker-Content-Digest", digest);
                            if (manifest) {
                                h.set("Content-Type", "application/vnd.oci.image.manifest.v1+json");
                            }
                        }
                    }
                    if (body == null || head) {
                        if (body != null) {
                            h.set("Content-Length", Integer.toString(body.length));
                        }
                        x.sendResponseHeaders(status, -1);
                    } else {
                        x.sendResponseHeaders(status, body.length);
                        x.getResponseBody().write(body);
                    }
                }
            });
            server.start();
        }

        String host() {
            return "127.0.0.1:" + server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    /**
     * The plain forms {@link io.cargohold.cli.cargohold.QuickCommands} runs without picocli (status, list,
     * blob ls, blob get): what bin/cargohold's quick cache holds.
     */
    private static void quick(String r, Path file, PrintStream sink) throws IOException {
        byte[] content = Files.readAllBytes(file);
        String digest = sha(content);
        String descriptor = "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + digest + "\",\"size\":"
                + content.length + "}";
        // the store is filled through the library, not the CLI, so no picocli class is recorded
        try (io.cargohold.content.BlobStore store = io.cargohold.content.BlobStores.open(Path.of(r), io.cargohold.content.StoreOptions.defaults())) {
            store.put(new ByteArrayInputStream(content), io.cargohold.content.PutOptions.defaults());
            store.putRecord("refs", "train:latest", descriptor, io.cargohold.digest.Digest.parse(digest));
            // and a real image, so list computes and prints an image size (its formatting classes then come
            // from the cache too: without it they were ~80 classes loaded from the jars at every list)
            Path layout = Path.of(r).resolveSibling("quick-layout");
            writeLayout(layout);
            try (var blobs = Files.list(layout.resolve("blobs/sha256"))) {
                for (Path b : blobs.toList()) {
                    store.put(new ByteArrayInputStream(Files.readAllBytes(b)), io.cargohold.content.PutOptions.defaults());
                }
            }
            String index = Files.readString(layout.resolve("index.json"));
            String manifest = index.substring(index.indexOf("{\"mediaType\""), index.indexOf(",\"annotations\"")) + "}";
            int at = manifest.indexOf("sha256:");
            store.putRecord("refs", "train:image", manifest, io.cargohold.digest.Digest.parse(manifest.substring(at, at + 71)));
        }
        String[][] runs = {
                {"--root", r, "status"},
                {"--root", r, "blob", "ls"},
                {"--root", r, "blob", "get", digest},
                {"--root", r, "blob", "get", digest.substring(0, 12)},
                {"--root", r, "blob", "get", "sha256:"},
                {"--root", r, "blob", "get", "nothing"},
                {"--root", r, "list"},
                {"--root", r, "images"},
                {"--root", r, "status"},
                {"--root", r, "list"},
        };
        for (String[] a : runs) {
            int code = Main.run(new ByteArrayInputStream(new byte[0]), sink, sink, Map.of(), a);
            System.out.println(String.join(" ", a) + " -> " + code);
        }
        // the training's images are under 1 KiB, printed as "N B": a size in KiB and up is formatted as a decimal
        // number, whose classes (the JDK's FormattedFPDecimal, ToDecimal...) were then loaded from the JDK at every list
        sink.println(Output.bytes(1536));
    }

    /**
     * An OCI layout holding one image of one gzip layer (one file), tag latest. The layer's one ustar
     * header is a fixed 512-byte block written here (training input, not output anyone reads): the
     * CLI's module does not read commons-compress, and this alone is no reason to make it.
     */
    private static void writeLayout(Path dir) throws IOException {
        java.io.ByteArrayOutputStream tar = new java.io.ByteArrayOutputStream();
        byte[] content = "trained\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] header = new byte[512];
        put(header, 0, "etc/train");
        put(header, 100, "0000644");
        put(header, 108, "0000000");
        put(header, 116, "0000000");
        put(header, 124, String.format("%011o", content.length));
        put(header, 136, "00000000000");
        header[156] = '0';
        put(header, 257, "ustar");
        put(header, 263, "00");
        java.util.Arrays.fill(header, 148, 156, (byte) ' ');
        int sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        put(header, 148, String.format("%06o", sum));
        header[154] = 0;
        tar.write(header);
        tar.write(content);
        tar.write(new byte[512 - content.length + 1024]);
        byte[] diff = tar.toByteArray();
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (var z = new java.util.zip.GZIPOutputStream(gz)) {
            z.write(diff);
        }
        byte[] layer = gz.toByteArray();
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-01T00:00:00Z\",\"config\":{},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + sha(diff) + "\"]}}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + sha(config) + "\",\"size\":" + config.length + "},\"layers\":[{"
                + "\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + sha(layer) + "\",\"size\":" + layer.length
                + "}]}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Path blobs = dir.resolve("blobs/sha256");
        Files.createDirectories(blobs);
        for (byte[] b : new byte[][] {layer, config, manifest}) {
            Files.write(blobs.resolve(sha(b).substring(7)), b);
        }
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"digest\":\"" + sha(manifest) + "\",\"size\":" + manifest.length
                + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"latest\"}}]}");
    }

    private static void put(byte[] h, int off, String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, off, b.length);
    }

    private static String sha(byte[] b) {
        return io.cargohold.digest.Digest.sha256(b).toString();
    }
}
