package io.cargohold.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cargohold.digest.Digest;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.InvalidArgumentException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Strict parsing of manifests, indexes and descriptors. A malformed or inconsistent document is a
 * {@link CorruptException} that says which document and what is wrong.
 */
public final class OciParser {
    /** Made on first use (writing JSON, reading config blobs): see {@link JsonTrees} for reading documents without it. */
    static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    }
    private static final Pattern MEDIA_TYPE =
            Pattern.compile("[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}");
    /** Documents larger than this are refused (manifests and indexes are small; this bounds memory). */
    public static final int MAX_DOCUMENT = 4 * 1024 * 1024;

    private OciParser() {
    }

    /**
     * Parses a manifest or index whose descriptor said {@code declaredMediaType}; the document's own
     * {@code mediaType} field, when present, must agree.
     */
    public static OciDocument parse(byte[] raw, String declaredMediaType) throws CorruptException {
        Digest digest = Digest.sha256(raw);
        String what = describe(declaredMediaType) + " " + digest;
        JsonNode root = tree(raw, what);
        String own = optionalText(root, "mediaType", what);
        if (own != null && declaredMediaType != null && !own.equals(declaredMediaType)) {
            throw new CorruptException(what + ": its mediaType is " + own + " but its descriptor says " + declaredMediaType);
        }
        String mediaType = own != null ? own : declaredMediaType;
        JsonNode sv = root.get("schemaVersion");
        if (sv == null || !sv.isInt() || sv.intValue() != 2) {
            throw new CorruptException(what + ": schemaVersion must be 2");
        }
        if (MediaTypes.isIndex(mediaType) || (mediaType == null && root.has("manifests"))) {
            if (root.has("config") || root.has("layers")) {
                throw new CorruptException(what + ": an index must not have config or layers");
            }
            List<Descriptor> manifests = descriptors(root, "manifests", what, true);
            return new OciDocument.Index(mediaType == null ? MediaTypes.OCI_INDEX : mediaType, manifests,
                    optionalDescriptor(root, "subject", what), raw, digest);
        }
        if (MediaTypes.isManifest(mediaType) || (mediaType == null && root.has("config"))) {
            if (root.has("manifests")) {
                throw new CorruptException(what + ": a manifest must not have manifests");
            }
            if (MediaTypes.DOCKER_MANIFEST.equals(declaredMediaType) && own == null) {
                throw new CorruptException(what + ": a Docker schema 2 manifest must carry its mediaType");
            }
            JsonNode config = root.get("config");
            if (config == null) {
                throw new CorruptException(what + ": config is missing");
            }
            return new OciDocument.Manifest(mediaType == null ? MediaTypes.OCI_MANIFEST : mediaType,
                    descriptor(config, what + " config"), descriptors(root, "layers", what, true),
                    optionalDescriptor(root, "subject", what), optionalText(root, "artifactType", what), raw, digest);
        }
        throw new CorruptException(what + ": not an image manifest or index (mediaType " + mediaType + ")");
    }

    private static String describe(String mediaType) {
        if (MediaTypes.isIndex(mediaType)) {
            return "index";
        }
        if (MediaTypes.isManifest(mediaType)) {
            return "manifest";
        }
        return "document";
    }

    static JsonNode tree(byte[] raw, String what) throws CorruptException {
        if (raw.length > MAX_DOCUMENT) {
            throw new CorruptException(what + ": larger than " + MAX_DOCUMENT + " bytes");
        }
        try {
            JsonNode root = JsonTrees.read(raw);
            if (root == null || !root.isObject()) {
                throw new CorruptException(what + ": not a JSON object");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new CorruptException(what + ": malformed JSON: " + e.getOriginalMessage(), e);
        } catch (java.io.IOException e) {
            throw new CorruptException(what + ": unreadable: " + e.getMessage(), e);
        }
    }

    private static List<Descriptor> descriptors(JsonNode root, String field, String what, boolean required) throws CorruptException {
        JsonNode arr = root.get(field);
        if (arr == null || arr.isNull()) {
            if (required) {
                throw new CorruptException(what + ": " + field + " is missing");
            }
            return List.of();
        }
        if (!arr.isArray()) {
            throw new CorruptException(what + ": " + field + " is not an array");
        }
        List<Descriptor> out = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            out.add(descriptor(arr.get(i), what + " " + field + "[" + i + "]"));
        }
        return out;
    }

    private static Descriptor optionalDescriptor(JsonNode root, String field, String what) throws CorruptException {
        JsonNode n = root.get(field);
        return n == null || n.isNull() ? null : descriptor(n, what + " " + field);
    }

    /** Parses one descriptor object strictly. */
    public static Descriptor descriptor(JsonNode n, String what) throws CorruptException {
        if (n == null || !n.isObject()) {
            throw new CorruptException(what + ": not a descriptor object");
        }
        String mediaType = optionalText(n, "mediaType", what);
        if (mediaType == null || !MEDIA_TYPE.matcher(mediaType).matches()) {
            throw new CorruptException(what + ": invalid or missing mediaType " + (mediaType == null ? "" : "\"" + mediaType + "\""));
        }
        String d = optionalText(n, "digest", what);
        Digest digest;
        try {
            digest = Digest.parse(d == null ? "" : d);
        } catch (InvalidArgumentException e) {
            throw new CorruptException(what + ": " + e.getMessage(), e);
        }
        JsonNode size = n.get("size");
        if (size == null || !size.canConvertToLong() || !size.isIntegralNumber() || size.longValue() < 0) {
            throw new CorruptException(what + ": size must be a non-negative integer");
        }
        List<String> urls = new ArrayList<>();
        JsonNode u = n.get("urls");
        if (u != null && !u.isNull()) {
            if (!u.isArray()) {
                throw new CorruptException(what + ": urls is not an array");
            }
            u.forEach(x -> urls.add(x.asText()));
        }
        return new Descriptor(mediaType, digest, size.longValue(), urls, annotations(n, what), platform(n.get("platform"), what),
                optionalText(n, "artifactType", what));
    }

    static Map<String, String> annotations(JsonNode n, String what) throws CorruptException {
        JsonNode a = n.get("annotations");
        if (a == null || a.isNull()) {
            return Map.of();
        }
        if (!a.isObject()) {
            throw new CorruptException(what + ": annotations is not an object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (var it = a.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isTextual()) {
                throw new CorruptException(what + ": annotation " + e.getKey() + " is not a string");
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }

    private static Platform platform(JsonNode p, String what) throws CorruptException {
        if (p == null || p.isNull()) {
            return null;
        }
        if (!p.isObject()) {
            throw new CorruptException(what + ": platform is not an object");
        }
        String arch = optionalText(p, "architecture", what);
        String os = optionalText(p, "os", what);
        if (arch == null || os == null) {
            throw new CorruptException(what + ": platform needs architecture and os");
        }
        List<String> features = new ArrayList<>();
        JsonNode f = p.get("os.features");
        if (f != null && f.isArray()) {
            f.forEach(x -> features.add(x.asText()));
        }
        return new Platform(arch, os, optionalText(p, "os.version", what), features, optionalText(p, "variant", what));
    }

    private static String optionalText(JsonNode n, String field, String what) throws CorruptException {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new CorruptException(what + ": " + field + " is not a string");
        }
        return v.textValue();
    }

    /**
     * Every descriptor-shaped object anywhere in a JSON document (an object with a valid
     * {@code digest}, an integral {@code size} and a {@code mediaType}): how garbage collection follows
     * documents of media types it does not know. Returns null when the bytes are not a JSON object.
     */
    public static Set<Digest> descriptorsAnywhere(byte[] raw) {
        JsonNode root = objectOrNull(raw);
        if (root == null) {
            return null;
        }
        Set<Digest> out = new HashSet<>();
        collect(root, out);
        return out;
    }

    private static void collect(JsonNode n, Set<Digest> out) {
        if (n.isObject()) {
            JsonNode d = n.get("digest");
            if (d != null && d.isTextual() && n.has("mediaType") && n.has("size") && n.get("size").isIntegralNumber()) {
                try {
                    out.add(Digest.parse(d.textValue()));
                } catch (InvalidArgumentException ignored) {
                    // not a descriptor after all
                }
            }
            n.forEach(c -> collect(c, out));
        } else if (n.isArray()) {
            n.forEach(c -> collect(c, out));
        }
    }

    /**
     * What a JSON document is, judged by its content alone: {@code "image index"} or {@code "image
     * manifest"} when its own {@code mediaType} names one, or when it has an index's shape (a
     * {@code manifests} array holding a descriptor) or a manifest's (a {@code config} descriptor and a
     * {@code layers} array); null for anything else, also for bytes that are not a JSON object. An
     * image config never matches: its {@code config} object is the container's settings, not a
     * descriptor (no {@code digest}), and it has no {@code layers} or {@code manifests}.
     */
    public static String documentKind(byte[] raw) {
        JsonNode root = objectOrNull(raw);
        if (root == null) {
            return null;
        }
        JsonNode mt = root.get("mediaType");
        if (mt != null && mt.isTextual()) {
            if (MediaTypes.isIndex(mt.textValue())) {
                return "image index";
            }
            if (MediaTypes.isManifest(mt.textValue())) {
                return "image manifest";
            }
        }
        JsonNode manifests = root.get("manifests");
        if (manifests != null && manifests.isArray()) {
            for (JsonNode m : manifests) {
                if (descriptorShaped(m)) {
                    return "image index";
                }
            }
        }
        JsonNode layers = root.get("layers");
        if (descriptorShaped(root.get("config")) && layers != null && layers.isArray()) {
            return "image manifest";
        }
        return null;
    }

    /** The JSON object {@code raw} holds, or null when it holds anything else or is not JSON. */
    private static JsonNode objectOrNull(byte[] raw) {
        try {
            JsonNode root = JsonTrees.read(raw);
            return root != null && root.isObject() ? root : null;
        } catch (java.io.IOException notJson) {
            return null;
        }
    }

    private static boolean descriptorShaped(JsonNode n) {
        return n != null && n.isObject() && n.path("digest").isTextual() && n.path("mediaType").isTextual()
                && n.path("size").isIntegralNumber();
    }

    /** Serialises a descriptor as OCI JSON (field order as the spec lists them). */
    public static Map<String, Object> toJson(Descriptor d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mediaType", d.mediaType());
        m.put("digest", d.digest().toString());
        m.put("size", d.size());
        if (!d.urls().isEmpty()) {
            m.put("urls", d.urls());
        }
        if (!d.annotations().isEmpty()) {
            m.put("annotations", new java.util.TreeMap<>(d.annotations()));
        }
        if (d.platform() != null) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("architecture", d.platform().architecture());
            p.put("os", d.platform().os());
            if (d.platform().osVersion() != null) {
                p.put("os.version", d.platform().osVersion());
            }
            if (!d.platform().osFeatures().isEmpty()) {
                p.put("os.features", d.platform().osFeatures());
            }
            if (d.platform().variant() != null) {
                p.put("variant", d.platform().variant());
            }
            m.put("platform", p);
        }
        if (d.artifactType() != null) {
            m.put("artifactType", d.artifactType());
        }
        return m;
    }

    public static byte[] toBytes(Object jsonValue) {
        try {
            return Json.MAPPER.writeValueAsBytes(jsonValue);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Descriptor descriptorFromBytes(byte[] json, String what) throws CorruptException {
        return descriptor(tree(json, what), what);
    }
}
