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

    StoreOptions storeOptions() throws io.cargohold.errors.InvalidArgumentException {
        StoreOptions o = StoreOptions.defaults();
        String grace = ctx().env().get("CARGOHOLD_FRESH_BLOB_GRACE");
        if (grace != null) {
            o = o.withFreshBlobGrace(freshBlobGrace(grace));
        }
        Double t = top().lockTimeoutSeconds;
        return t == null ? o : o.withLockTimeout(Duration.ofMillis((long) (t * 1000)));
    }

    /**
     * {@code $CARGOHOLD_FRESH_BLOB_GRACE}: seconds (0 or more) that a blob put without a reference is kept
     * from gc (StoreOptions.freshBlobGrace; default 1 hour).
     */
    static Duration freshBlobGrace(String seconds) throws io.cargohold.errors.InvalidArgumentException {
        double s;
        try {
            s = Double.parseDouble(seconds);
        } catch (NumberFormatException e) {
            s = -1;
        }
        if (!(s >= 0) || Double.isInfinite(s)) {
            throw new io.cargohold.errors.InvalidArgumentException(
                    "$CARGOHOLD_FRESH_BLOB_GRACE must be a number of seconds, 0 or more (got \"" + seconds + "\")");
        }
        return Duration.ofMillis((long) (s * 1000));
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
