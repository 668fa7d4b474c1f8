/**
 * The OCI store over the content store ({@link io.cargohold.oci.OciStore}); the descriptor-graph
 * walker and the OCI layout reader/writer are shared with the copy engine only.
 */
@SuppressWarnings("module") // the friends are compiled after this module
module io.cargohold.oci {
    requires transitive io.cargohold.content;
    requires com.fasterxml.jackson.databind;

    exports io.cargohold.oci;
    exports io.cargohold.oci.refs;
    exports io.cargohold.oci.graph to io.cargohold.copy, io.cargohold.registry, io.cargohold.cli;
    exports io.cargohold.oci.layout to io.cargohold.copy, io.cargohold.registry, io.cargohold.cli;
}
