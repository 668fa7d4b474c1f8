package io.cargohold.cli.cargohold;

import io.cargohold.cli.Output;
import io.cargohold.content.BlobStore;
import io.cargohold.content.KvRecord;
import io.cargohold.errors.NotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cargohold kv ...}: named records in namespaces, optionally pinning a blob. */
@Command(name = "kv", description = "Set, get, list and remove key/value records.",
        subcommands = {KvCommands.Set.class, KvCommands.Get.class, KvCommands.Ls.class, KvCommands.Rm.class})
final class KvCommands {
    /**
     * The namespaces the OCI layer owns: a reference must reach the root's index.json and a lease
     * belongs to a running import, so neither is written or removed behind the OCI layer's back
     * (reading them is fine).
     */
    static void requireNotReserved(String namespace) throws io.cargohold.errors.InvalidArgumentException {
        if (io.cargohold.oci.OciStore.REFS.equals(namespace)) {
            throw new io.cargohold.errors.InvalidArgumentException("namespace \"" + namespace + "\" is reserved to image references "
                    + "(they are kept in the store's index.json too): use 'cargohold copy', 'import' or 'rm'");
        }
        if (io.cargohold.oci.OciStore.LEASES.equals(namespace)) {
            throw new io.cargohold.errors.InvalidArgumentException("namespace \"" + namespace + "\" is reserved to the leases of imports: "
                    + "'cargohold gc' drops expired ones");
        }
    }

    @Command(name = "set", description = "Create or replace a record.")
    static final class Set extends StoreCommand {
        @Parameters(index = "0", paramLabel = "NAMESPACE", description = "The records' namespace (refs and leases are reserved for the OCI store).")
        String namespace;

        @Parameters(index = "1", paramLabel = "KEY", description = "The record's key within the namespace.")
        String key;

        @Parameters(index = "2", paramLabel = "VALUE", description = "The record's value (text).")
        String value;

        @Option(names = "--blob", paramLabel = "DIGEST|PREFIX", description = "A blob the record references (it cannot be removed while referenced).")
        String blob;

        @Override
        Integer callWithoutStore() throws IOException {
            requireNotReserved(namespace);
            return null;
        }

        @Override
        int run(BlobStore store) throws IOException {
            store.putRecord(namespace, key, value, blob == null ? null : resolve(store, blob));
            return 0;
        }
    }

    @Command(name = "get", description = "Print a record's value.")
    static final class Get extends StoreCommand {
        @Parameters(index = "0", paramLabel = "NAMESPACE", description = "The records' namespace (refs and leases are reserved for the OCI store).")
        String namespace;

        @Parameters(index = "1", paramLabel = "KEY", description = "The record's key within the namespace.")
        String key;

        @Option(names = "--json", description = "Print the whole record as JSON.")
        boolean json;

        @Override
        int run(BlobStore store) throws IOException {
            KvRecord r = store.getRecord(namespace, key)
                    .orElseThrow(() -> new NotFoundException("no record \"" + key + "\" in namespace \"" + namespace + "\""));
            if (json) {
                Output.json(ctx().out(), Output.record(r));
            } else {
                ctx().out().println(r.value());
            }
            return 0;
        }
    }

    @Command(name = "ls", description = "List a namespace's records (KEY, VALUE, blob).")
    static final class Ls extends StoreCommand {
        @Parameters(index = "0", paramLabel = "NAMESPACE", description = "The records' namespace (refs and leases are reserved for the OCI store).")
        String namespace;

        @Option(names = "--prefix", paramLabel = "PREFIX", description = "Only keys starting with PREFIX.")
        String prefix;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        int run(BlobStore store) throws IOException {
            List<KvRecord> records = store.listRecords(namespace, prefix);
            if (json) {
                List<Object> rows = new ArrayList<>();
                records.forEach(r -> rows.add(Output.record(r)));
                Output.json(ctx().out(), rows);
            } else {
                records.forEach(r -> ctx().out().println(Output.recordLine(r)));
            }
            return 0;
        }
    }

    @Command(name = "rm", description = "Remove a record.")
    static final class Rm extends StoreCommand {
        @Parameters(index = "0", paramLabel = "NAMESPACE", description = "The records' namespace (refs and leases are reserved for the OCI store).")
        String namespace;

        @Parameters(index = "1", paramLabel = "KEY", description = "The record's key within the namespace.")
        String key;

        @Override
        Integer callWithoutStore() throws IOException {
            requireNotReserved(namespace);
            return null;
        }

        @Override
        int run(BlobStore store) throws IOException {
            if (!store.removeRecord(namespace, key)) {
                throw new NotFoundException("no record \"" + key + "\" in namespace \"" + namespace + "\"");
            }
            return 0;
        }
    }
}
