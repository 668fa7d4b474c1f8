package io.cargohold.cli.cargohold;

import io.cargohold.cli.CliContext;
import io.cargohold.content.BlobStore;
import io.cargohold.content.BlobStores;
import io.cargohold.content.StoreOptions;
import io.cargohold.digest.Digest;
import io.cargohold.digest.DigestPrefix;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A subcommand that works on the store: opens it, runs, closes it. */
abstract class StoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** The top-level command when {@link QuickCommands} runs this one without picocli (spec is then null). */
    CargoholdCommand top;

    CargoholdCommand top() {
        return top != null ? top : (CargoholdCommand) spec.root().userObject();
    }

    CliContext ctx() {
        return top().context;
    }

    StoreOptions storeOptions() {
        StoreOptions o = StoreOptions.defaults();
        Double t = top().lockTimeoutSeconds;
        return t == null ? o : o.withLockTimeout(Duration.ofMillis((long) (t * 1000)));
    }

    @Override
    public final Integer call() throws IOException {
        Integer early = callWithoutStore();
        if (early != null) {
            return early;
        }
        try (BlobStore store = BlobStores.open(ctx().storeRoot(top().root), storeOptions())) {
            return run(store);
        }
    }

    abstract int run(BlobStore store) throws IOException;

    /** Work that must happen before (or instead of) opening the store; null to go on and open it. */
    Integer callWithoutStore() throws IOException {
        return null;
    }

    /** A full digest or an unambiguous prefix, resolved through the index. */
    static Digest resolve(BlobStore store, String arg) throws IOException {
        return store.resolve(DigestPrefix.parse(arg));
    }
}
