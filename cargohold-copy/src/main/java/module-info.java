/**
 * The copy engine ({@link io.cargohold.copy.ImageCopier}) and its transports; more transports plug in
 * through {@link io.cargohold.copy.Transport} as services (the registry module's {@code docker://}).
 */
module io.cargohold.copy {
    requires transitive io.cargohold.oci;
    requires transitive io.cargohold.storage;
    requires com.fasterxml.jackson.databind;
    requires org.apache.commons.compress;
    requires com.github.luben.zstd_jni;

    exports io.cargohold.copy;
    exports io.cargohold.copy.cargohold;
    exports io.cargohold.copy.storage;

    uses io.cargohold.copy.Transport;
}
