package io.cargohold.copy;

import io.cargohold.errors.InvalidArgumentException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The transports a copy knows, by name; parses {@code TRANSPORT:REFERENCE} as skopeo does. */
public final class Transports {
    private final Map<String, Transport> byName = new LinkedHashMap<>();

    private Transports(List<Transport> transports) {
        for (Transport t : transports) {
            byName.put(t.name(), t);
        }
    }

    public static Transports of(List<Transport> transports) {
        return new Transports(transports);
    }

    /** Every transport of this module. */
    public static Transports standard() {
        List<Transport> all = new ArrayList<>();
        // each transport package adds itself here
        all.add(io.cargohold.copy.oci.OciLayoutTransport.INSTANCE);
        all.add(io.cargohold.copy.cargohold.CargoholdTransport.standard());
        all.add(io.cargohold.copy.dockerarchive.DockerArchiveTransport.INSTANCE);
        all.add(io.cargohold.copy.ociarchive.OciArchiveTransport.INSTANCE);
        all.add(io.cargohold.copy.storage.StorageTransport.INSTANCE);
        all.add(io.cargohold.copy.sample.SampleTransport.INSTANCE);
        // transports of other modules on the class path (docker:// from cargohold-registry), by ServiceLoader
        for (Transport t : java.util.ServiceLoader.load(Transport.class, Transports.class.getClassLoader())) {
            all.add(t);
        }
        return new Transports(all);
    }

    /** These transports with {@code t} added, or replacing the one of its name (a transport configured for one side of a copy). */
    public Transports with(Transport t) {
        List<Transport> all = new ArrayList<>(byName.values());
        all.removeIf(x -> x.name().equals(t.name()));
        all.add(t);
        return new Transports(all);
    }

    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    public Transport get(String name) throws InvalidArgumentException {
        Transport t = byName.get(name);
        if (t == null) {
            throw new InvalidArgumentException("unknown transport \"" + name + "\" (known: " + String.join(", ", names()) + ")");
        }
        return t;
    }

    /** Parses {@code TRANSPORT:REFERENCE}; a missing colon or an unknown transport names the known ones. */
    public ImageReference parse(String image) throws InvalidArgumentException {
        int colon = image.indexOf(':');
        if (colon <= 0) {
            throw new InvalidArgumentException("invalid image name \"" + image + "\", expected colon-separated transport:reference"
                    + " (transports: " + String.join(", ", names()) + ")");
        }
        String name = image.substring(0, colon);
        Transport t = byName.get(name);
        if (t == null) {
            throw new InvalidArgumentException("invalid image name \"" + image + "\", unknown transport \"" + name
                    + "\" (known: " + String.join(", ", names()) + ")");
        }
        return t.parse(image.substring(colon + 1));
    }
}
