package io.cargohold.cli.cargohold;

import io.cargohold.cli.Output;
import io.cargohold.content.BlobStore;
import io.cargohold.digest.Digest;
import io.cargohold.errors.NotFoundException;
import java.io.IOException;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cargohold blob data ...}: named data records carried by a blob. */
@Command(name = "data", description = "Set, get, list and remove a blob's data records (e.g. a label, a last-access time).",
        subcommands = {BlobDataCommands.Set.class, BlobDataCommands.Get.class, BlobDataCommands.Ls.class, BlobDataCommands.Rm.class})
final class BlobDataCommands {

    @Command(name = "set", description = "Set a data record on a blob.")
    static final class Set extends StoreCommand {
        @Parameters(index = "0", paramLabel = "DIGEST|PREFIX", description = "The blob: its digest or an unambiguous prefix of it.")
        String ref;

        @Parameters(index = "1", paramLabel = "NAME", description = "The data record's name (e.g. a label key).")
        String name;

        @Parameters(index = "2", paramLabel = "VALUE", description = "The value to store (text).")
        String value;

        @Override
        int run(BlobStore store) throws IOException {
            store.setData(resolve(store, ref), name, value);
            return 0;
        }
    }

    @Command(name = "get", description = "Print a data record's value.")
    static final class Get extends StoreCommand {
        @Parameters(index = "0", paramLabel = "DIGEST|PREFIX", description = "The blob: its digest or an unambiguous prefix of it.")
        String ref;

        @Parameters(index = "1", paramLabel = "NAME", description = "The data record's name (e.g. a label key).")
        String name;

        @Override
        int run(BlobStore store) throws IOException {
            Digest d = resolve(store, ref);
            String v = store.getData(d, name).orElseThrow(() -> new NotFoundException("blob " + d + " has no data record \"" + name + "\""));
            ctx().out().println(v);
            return 0;
        }
    }

    @Command(name = "ls", description = "List a blob's data records (NAME=VALUE).")
    static final class Ls extends StoreCommand {
        @Parameters(index = "0", paramLabel = "DIGEST|PREFIX", description = "The blob: its digest or an unambiguous prefix of it.")
        String ref;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        int run(BlobStore store) throws IOException {
            Map<String, String> data = store.listData(store.info(resolve(store, ref)).digest());
            if (json) {
                Output.json(ctx().out(), data);
            } else {
                data.forEach((k, v) -> ctx().out().println(k + "=" + v));
            }
            return 0;
        }
    }

    @Command(name = "rm", description = "Remove a data record.")
    static final class Rm extends StoreCommand {
        @Parameters(index = "0", paramLabel = "DIGEST|PREFIX", description = "The blob: its digest or an unambiguous prefix of it.")
        String ref;

        @Parameters(index = "1", paramLabel = "NAME", description = "The data record's name (e.g. a label key).")
        String name;

        @Override
        int run(BlobStore store) throws IOException {
            Digest d = resolve(store, ref);
            if (!store.removeData(d, name)) {
                throw new NotFoundException("blob " + d + " has no data record \"" + name + "\"");
            }
            return 0;
        }
    }
}
