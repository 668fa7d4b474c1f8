/**
 * The registry client ({@link io.cargohold.registry.RegistryClient}), the {@code docker://} transport and
 * registries.conf ({@link io.cargohold.registry.config.RegistriesConf}).
 */
module io.cargohold.registry {
    requires transitive io.cargohold.copy;
    requires java.net.http;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.toml;

    exports io.cargohold.registry;
    exports io.cargohold.registry.docker;
    exports io.cargohold.registry.config;

    provides io.cargohold.copy.Transport with io.cargohold.registry.docker.DockerTransport;
}
