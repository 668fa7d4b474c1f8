/** The content store: {@link io.cargohold.content.BlobStores} opens one. */
module io.cargohold.content {
    requires transitive io.cargohold.base;
    requires java.sql;
    requires org.xerial.sqlitejdbc;

    exports io.cargohold.content;
    exports io.cargohold.content.gc;
}
