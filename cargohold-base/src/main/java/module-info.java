/**
 * What every Cargohold module shares: digests ({@link io.cargohold.digest.Digest}) and the error
 * hierarchy ({@link io.cargohold.errors.CargoholdException}) are API; the file, lock, text and
 * documentation helpers are exported only to the sibling modules that use them (JGit's "x-friends").
 */
@SuppressWarnings("module") // the friends are compiled after this module
module io.cargohold.base {
    exports io.cargohold.digest;
    exports io.cargohold.errors;
    exports io.cargohold to io.cargohold.cli, io.cargohold.cstorage;
    exports io.cargohold.fs to io.cargohold.content, io.cargohold.oci, io.cargohold.storage, io.cargohold.copy,
            io.cargohold.registry, io.cargohold.cli, io.cargohold.cstorage;
    exports io.cargohold.fs.lock to io.cargohold.content, io.cargohold.storage, io.cargohold.cli, io.cargohold.cstorage;
    exports io.cargohold.text to io.cargohold.storage, io.cargohold.copy, io.cargohold.registry, io.cargohold.cli,
            io.cargohold.cstorage;
    exports io.cargohold.docs to io.cargohold.cli, io.cargohold.cstorage;
    exports io.cargohold.logging to io.cargohold.content, io.cargohold.oci, io.cargohold.storage, io.cargohold.copy,
            io.cargohold.registry, io.cargohold.cli, io.cargohold.cstorage;
}
