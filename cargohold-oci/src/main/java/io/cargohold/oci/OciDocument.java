package io.cargohold.oci;

import io.cargohold.digest.Digest;
import java.util.List;

/** A parsed manifest or index, always with the exact bytes it was parsed from (never re-serialised). */
public sealed interface OciDocument permits OciDocument.Manifest, OciDocument.Index {
    String mediaType();

    byte[] raw();

    Digest digest();

    /** Every descriptor this document refers to (config and layers; or manifests; and a subject). */
    List<Descriptor> children();

    /** An image manifest (OCI or Docker schema 2). */
    record Manifest(String mediaType, Descriptor config, List<Descriptor> layers, Descriptor subject, String artifactType,
                    byte[] raw, Digest digest) implements OciDocument {
        public Manifest {
            layers = List.copyOf(layers);
        }

        @Override
        public List<Descriptor> children() {
            List<Descriptor> out = new java.util.ArrayList<>();
            out.add(config);
            out.addAll(layers);
            if (subject != null) {
                out.add(subject);
            }
            return out;
        }
    }

    /** An image index / manifest list. */
    record Index(String mediaType, List<Descriptor> manifests, Descriptor subject, byte[] raw, Digest digest) implements OciDocument {
        public Index {
            manifests = List.copyOf(manifests);
        }

        @Override
        public List<Descriptor> children() {
            List<Descriptor> out = new java.util.ArrayList<>(manifests);
            if (subject != null) {
                out.add(subject);
            }
            return out;
        }
    }
}
