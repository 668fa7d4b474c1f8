/** {@code containers-storage}, upstream's command line, over the storage module. */
module io.cargohold.cstorage {
    requires io.cargohold.storage;
    requires com.fasterxml.jackson.databind;
}
