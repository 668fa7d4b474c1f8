/** The registry client ({@link io.cargohold.registry.RegistryClient}) and the {@code docker://} transport. */
module io.cargohold.registry {
    requires transitive io.cargohold.copy;
    requires java.net.http;
    requires com.fasterxml.jackson.databind;

    exports io.cargohold.registry;
    exports io.cargohold.registry.docker;

    provides io.cargohold.copy.Transport with io.cargohold.registry.docker.DockerTransport;
}
