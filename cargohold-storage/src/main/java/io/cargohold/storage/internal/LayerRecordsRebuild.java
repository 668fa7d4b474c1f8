package io.cargohold.storage.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.cargohold.storage.archive.TarHeader;
import io.cargohold.storage.archive.TarSplitScan;
import io.cargohold.storage.internal.Records.ContainerRec;
import io.cargohold.storage.internal.Records.ImageRec;
import io.cargohold.storage.internal.Records.LayerRec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Rebuilds {@code layers.json} after it was lost or damaged, from what else the store holds: each
 * layer tree with a tar-split file is read whole (the diff digest, size and owners come out of one
 * pass; a layer is placed only where that digest is the diff ID an image's config names), and the images' configs ({@code rootfs.diff_ids})
 * and manifests give the order of the layers, their parents and compressed digests: an image's chain
 * is accepted when containers/image's layer IDs (the diff ID for a base layer, else
 * {@code sha256(parentID + "+" + diffID)}) lead to its top layer, or when each diff ID matches
 * exactly one verified layer. A container's layer gets its image's top layer as parent. What cannot
 * be placed this way gets no record (a later check reports its tree as not accounted for). Names,
 * metadata and ID maps of layers are lost with the file.
 */
final class LayerRecordsRebuild {
    private LayerRecordsRebuild() {
    }

    private record Verified(String digest, long size, List<Long> uids, List<Long> gids, OffsetDateTime created) {
    }

    static List<LayerRec> rebuild(StoreLayout layout, List<ImageRec> images, List<ContainerRec> containers) throws IOException {
        Map<String, Verified> verified = new LinkedHashMap<>();
        List<String> trees = new ArrayList<>();
        if (Files.isDirectory(layout.layerTrees())) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(layout.layerTrees())) {
                for (Path p : ds) {
                    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && layout.isLayerDirectoryName(p.getFileName().toString())) {
                        trees.add(p.getFileName().toString());
                    }
                }
            }
        }
        trees.sort(null);
        for (String id : trees) {
            Path ts = layout.tarSplit(id);
            if (!Files.exists(ts)) {
                continue;
            }
            TreeSet<Long> uids = new TreeSet<>();
            TreeSet<Long> gids = new TreeSet<>();
            try (InputStream in = Files.newInputStream(ts)) {
                TarSplitScan.Result r = TarSplitScan.scan(in, layout.layerTree(id), TarSplitScan.Depth.DIGEST, (TarHeader h) -> {
                    String name = new String(h.name(), StandardCharsets.UTF_8);
                    if (!name.substring(name.lastIndexOf('/') + 1).startsWith(".wh.")) {
                        uids.add(h.uid() & 0xFFFFFFFFL);
                        gids.add(h.gid() & 0xFFFFFFFFL);
                    }
                });
                if (r.problems().isEmpty()) {
                    OffsetDateTime created = OffsetDateTime.ofInstant(Files.getLastModifiedTime(ts).toInstant(), ZoneOffset.UTC);
                    verified.put(id, new Verified(r.digest(), r.size(), List.copyOf(uids), List.copyOf(gids), created));
                }
            } catch (IOException | RuntimeException e) {
                // unreadable: not rebuilt
            }
        }
        Map<String, LayerRec> out = new LinkedHashMap<>();
        for (ImageRec image : images) {
            placeChain(layout, image, verified, out);
        }
        for (ContainerRec c : containers) {
            if (!c.layer.isEmpty() && trees.contains(c.layer) && !out.containsKey(c.layer)) {
                String parent = images.stream().filter(i -> i.id.equals(c.image)).map(i -> i.layer).findFirst().orElse("");
                if (parent.isEmpty() || out.containsKey(parent)) {
                    LayerRec r = new LayerRec();
                    r.id = c.layer;
                    r.parent = parent;
                    r.created = c.created;
                    r.uidMap = new ArrayList<>(c.uidMap);
                    r.gidMap = new ArrayList<>(c.gidMap);
                    out.put(r.id, r);
                }
            }
        }
        for (LayerRec r : out.values()) {
            r.bigDataNames = bigDataNames(layout.layersDir().resolve(r.id));
        }
        // parents first, as upstream keeps them (and as a reader expects when it walks the list)
        List<LayerRec> ordered = new ArrayList<>();
        for (LayerRec r : out.values()) {
            addParentsFirst(r, out, ordered);
        }
        return ordered;
    }

    private static void addParentsFirst(LayerRec r, Map<String, LayerRec> all, List<LayerRec> ordered) {
        if (ordered.contains(r)) {
            return;
        }
        LayerRec p = all.get(r.parent);
        if (p != null) {
            addParentsFirst(p, all, ordered);
        }
        ordered.add(r);
    }

    /** Places an image's layers (parents, compressed digests) when its chain can be told for sure. */
    private static void placeChain(StoreLayout layout, ImageRec image, Map<String, Verified> verified, Map<String, LayerRec> out) {
        if (image.layer.isEmpty()) {
            return;
        }
        List<String> diffIds = new ArrayList<>();
        JsonNode manifest = null;
        for (String key : image.bigDataNames) {
            try {
                byte[] data = Files.readAllBytes(StoreLayout.bigDataFile(layout.imagesDir(), image.id, key));
                JsonNode n = GoJson.parse(data);
                if (n.path("rootfs").path("diff_ids").isArray() && diffIds.isEmpty()) {
                    n.path("rootfs").path("diff_ids").forEach(d -> diffIds.add(d.asText()));
                } else if (key.equals("manifest") && n.path("layers").isArray()) {
                    manifest = n;
                }
            } catch (IOException | RuntimeException e) {
                // not JSON, or gone: not this one
            }
        }
        if (diffIds.isEmpty()) {
            return;
        }
        // containers/image's IDs first
        List<String> ids = new ArrayList<>();
        String parent = "";
        for (String d : diffIds) {
            String hex = d.substring(d.indexOf(':') + 1);
            String id = parent.isEmpty() ? hex : sha256Hex(parent + "+" + hex);
            ids.add(id);
            parent = id;
        }
        if (!parent.equals(image.layer)) {
            // else match diff IDs one by one, downwards from the top layer, accepting only unique matches
            ids.clear();
            String top = image.layer;
            for (int i = diffIds.size() - 1; i >= 0; i--) {
                String want = diffIds.get(i);
                String id = i == diffIds.size() - 1 ? top : null;
                if (id == null) {
                    List<String> c = verified.entrySet().stream().filter(e -> e.getValue().digest().equals(want)).map(Map.Entry::getKey).toList();
                    if (c.size() != 1) {
                        return;
                    }
                    id = c.getFirst();
                }
                ids.addFirst(id);
            }
        }
        for (int i = 0; i < ids.size(); i++) {
            Verified v = verified.get(ids.get(i));
            if (v == null || !v.digest().equals(diffIds.get(i))) {
                return;
            }
        }
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            if (out.containsKey(id)) {
                continue;
            }
            Verified v = verified.get(id);
            LayerRec r = new LayerRec();
            r.id = id;
            r.parent = i == 0 ? "" : ids.get(i - 1);
            r.created = v.created();
            r.uncompressedDigest = v.digest();
            r.uncompressedSize = v.size();
            r.uidSet = new ArrayList<>(v.uids());
            r.gidSet = new ArrayList<>(v.gids());
            if (manifest != null && manifest.path("layers").size() == ids.size()) {
                JsonNode l = manifest.path("layers").get(i);
                r.compressedDigest = l.path("digest").asText("");
                r.compressedSize = l.path("size").asLong();
                String mt = l.path("mediaType").asText("");
                r.compression = mt.endsWith("gzip") ? 2 : mt.endsWith("zstd") ? 4 : 0;
            }
            out.put(id, r);
        }
    }

    private static List<String> bigDataNames(Path dir) {
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return names;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.startsWith("=")) {
                    try {
                        n = new String(Base64.getDecoder().decode(n.substring(1)), StandardCharsets.UTF_8);
                    } catch (IllegalArgumentException e) {
                        continue;
                    }
                }
                names.add(n);
            }
        } catch (IOException e) {
            return names;
        }
        names.sort(null);
        return names;
    }

    private static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The images and containers as their files say, for the rebuild (unreadable: none). */
    static List<ImageRec> images(StoreLayout layout) {
        List<ImageRec> out = new ArrayList<>();
        try {
            for (JsonNode n : RecordFiles.readArray(layout.imagesJson())) {
                out.add(ImageRec.from(n));
            }
        } catch (IOException e) {
            // nothing to place chains with
        }
        return out;
    }

    static List<ContainerRec> containers(StoreLayout layout) {
        List<ContainerRec> out = new ArrayList<>();
        try {
            for (JsonNode n : RecordFiles.readArray(layout.containersJson())) {
                out.add(ContainerRec.from(n));
            }
        } catch (IOException e) {
            // no container layers then
        }
        return out;
    }
}
