/**
 * The layer, image and container store on containers/storage's on-disk format
 * ({@link io.cargohold.storage.Store}); its internals are exported only to the
 * {@code containers-storage} front end, which speaks upstream's record formats directly.
 */
@SuppressWarnings("module") // the friends are compiled after this module
module io.cargohold.storage {
    requires transitive io.cargohold.base;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.toml;
    requires org.apache.commons.compress;
    requires com.github.luben.zstd_jni;

    exports io.cargohold.storage;
    exports io.cargohold.storage.archive;
    exports io.cargohold.storage.check;
    exports io.cargohold.storage.config;
    exports io.cargohold.storage.internal to io.cargohold.cstorage;
    exports io.cargohold.storage.internal.driver to io.cargohold.cstorage;
}
