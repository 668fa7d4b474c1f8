package io.cargohold.registry.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cargohold.copy.Platforms;
import io.cargohold.copy.RawManifest;
import io.cargohold.errors.CorruptException;
import io.cargohold.oci.Descriptor;
import io.cargohold.oci.OciDocument;
import io.cargohold.oci.Platform;
import io.cargohold.registry.RegistryClient;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code skopeo inspect docker://…} shows: the top-level manifest (its digest is the one reported),
 * the image chosen for a platform from an index, its config, and the repository's tags.
 */
public final class RegistryInspector {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One layer as skopeo's {@code LayersData} lists it. */
    public record LayerData(String mediaType, String digest, long size, Map<String, String> annotations) {
    }

    /**
     * @param name     {@code HOST/REPO}
     * @param topLevel the manifest or index the reference names (raw)
     * @param manifest the image's manifest (the platform's instance for an index)
     * @param config   the image's config (raw)
     * @param tags     the repository's tags (empty when not asked)
     */
    public record Inspection(String name, RawManifest topLevel, RawManifest manifest, byte[] config, List<String> tags) {
        /** skopeo inspect's JSON fields, in its order. */
        public Map<String, Object> skopeoFields() throws IOException {
            JsonNode c = JSON.readTree(config);
            OciDocument.Manifest m = (OciDocument.Manifest) manifest.parse();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("Name", name);
            out.put("Digest", topLevel.digest().toString());
            out.put("RepoTags", tags);
            out.put("Created", c.path("created").isMissingNode() ? null : c.path("created").asText());
            out.put("DockerVersion", c.path("docker_version").asText(""));
            JsonNode labels = c.path("config").path("Labels");
            out.put("Labels", labels.isObject() ? JSON.convertValue(labels, Map.class) : null);
            out.put("Architecture", c.path("architecture").asText(""));
            if (!c.path("variant").asText("").isEmpty()) {
                out.put("Variant", c.path("variant").asText());
            }
            out.put("Os", c.path("os").asText(""));
            List<String> layers = new ArrayList<>();
            List<Object> data = new ArrayList<>();
            for (Descriptor l : m.layers()) {
                layers.add(l.digest().toString());
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("MIMEType", l.mediaType());
                d.put("Digest", l.digest().toString());
                d.put("Size", l.size());
                d.put("Annotations", l.annotations() == null || l.annotations().isEmpty() ? null : l.annotations());
                data.add(d);
            }
            out.put("Layers", layers);
            out.put("LayersData", data);
            List<String> env = new ArrayList<>();
            c.path("config").path("Env").forEach(e -> env.add(e.asText()));
            out.put("Env", env);
            return out;
        }
    }

    private RegistryInspector() {
    }

    /** The referrers of a manifest: the registry's name, the subject's digest, and the index listing them. */
    public record Referrers(String name, io.cargohold.digest.Digest subject, RawManifest index) {
        /** The descriptors of the index (each with its artifactType and annotations as the registry gave them). */
        public List<Descriptor> manifests() throws IOException {
            return index.parse() instanceof OciDocument.Index i ? i.manifests() : List.of();
        }
    }

    /**
     * The referrers of the manifest {@code ref} names (a tag is resolved to the digest of the manifest's bytes):
     * the registry's referrers API, else the tag-schema fallback ({@code sha256-HEX}), else none
     * ({@link RegistryClient#referrers}); {@code artifactType} filters (null = all).
     */
    public static Referrers referrers(DockerImageReference ref, String artifactType) throws IOException {
        try (RegistryClient c = ref.openClient()) {
            RawManifest subject = c.getManifest(ref.repository(), ref.manifestReference());
            return new Referrers(ref.host() + "/" + ref.repository(), subject.digest(),
                    c.referrers(ref.repository(), subject.digest(), artifactType));
        }
    }

    /** Inspects {@code ref}; {@code platform} null = this machine's; {@code withTags} lists the repository's tags too. */
    public static Inspection inspect(DockerImageReference ref, Platform platform, boolean withTags) throws IOException {
        try (DockerImageSource src = PullSources.open(ref)) {
            RegistryClient c = src.client();
            DockerImageReference physical = src.physical();
            DockerImageReference logical = (DockerImageReference) src.reference();
            RawManifest top = src.manifest();
            RawManifest image = top;
            if (top.parse() instanceof OciDocument.Index index) {
                Descriptor chosen = Platforms.choose(index, platform, ref.string());
                image = c.getManifest(physical.repository(), chosen.digest().toString());
                if (image.isIndex()) {
                    throw new CorruptException(ref.string() + ": the instance for " + Platforms.describe(chosen.platform()) + " is an index");
                }
            }
            Descriptor cd = ((OciDocument.Manifest) image.parse()).config();
            byte[] config;
            try (InputStream in = c.getBlob(physical.repository(), cd.digest(), cd.size(), 0)) {
                config = in.readNBytes(io.cargohold.oci.OciParser.MAX_DOCUMENT + 1);
            }
            if (config.length != cd.size() || !io.cargohold.digest.Digest.sha256(config).equals(cd.digest())) {
                throw new CorruptException(ref.string() + ": config " + cd.digest() + " does not match its descriptor");
            }
            List<String> tags = List.of();
            if (withTags) {
                // as skopeo inspect: the tags of the logical repository, from its own registry (not a mirror)
                try (RegistryClient t = PullSources.client(logical)) {
                    tags = t.tags(logical.repository());
                }
            }
            return new Inspection(logical.host() + "/" + logical.repository(), top, image, config, tags);
        }
    }
}
