/** The {@code cargohold} command line: a thin shell over the library modules. */
module io.cargohold.cli {
    requires io.cargohold.copy;
    requires io.cargohold.registry;
    requires info.picocli;
    requires com.fasterxml.jackson.databind;
    // only the AOT cache's training run (Train) serves a registry, on the JDK's HTTP server
    requires static jdk.httpserver;

    // picocli creates and fills the annotated command classes (and the version provider) reflectively
    opens io.cargohold.cli to info.picocli;
    opens io.cargohold.cli.cargohold to info.picocli;
}
