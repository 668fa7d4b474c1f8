package io.cargohold.content.internal;

import io.cargohold.content.PutOptions;
import io.cargohold.digest.Digest;
import io.cargohold.digest.DigestAlgorithm;
import io.cargohold.errors.NotFoundException;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Child-process main for {@link CrashTest}: writes blobs and data records for ever, and removes some,
 * printing a line only after each operation has returned ("OK", "DATA", "RM"), and before each removal
 * ("RMSTART"); "BEGIN op" and "END" around each call that changes the store, so the test can tell
 * a kill that landed mid-operation ({@link io.cargohold.testkit.KillTally}). It is killed with SIGKILL
 * at a random moment (System.out flushes every line).
 */
public final class CrashWriter {
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        Random r = new Random(Long.parseLong(args[1]));
        try (LocalBlobStore store = TestStores.open(root)) {
            System.out.println("READY");
            List<Digest> mine = new ArrayList<>();
            for (int n = 0; ; n++) {
                byte[] data = TestStores.randomBytes(r, r.nextInt(4) == 0 ? r.nextInt(2_000_000) : r.nextInt(20_000));
                DigestAlgorithm a = r.nextInt(4) == 0 ? DigestAlgorithm.SHA512 : DigestAlgorithm.SHA256;
                System.out.println("BEGIN put");
                Digest d = store.put(new ByteArrayInputStream(data), PutOptions.defaults().withAlgorithm(a)).info().digest();
                System.out.println("END");
                System.out.println("OK " + d);
                System.out.println("BEGIN setData");
                store.setData(d, "n", Integer.toString(n));
                System.out.println("END");
                System.out.println("DATA " + d + " " + n);
                if (n % 4 == 3 && !mine.isEmpty()) {
                    Digest victim = mine.remove(r.nextInt(mine.size()));
                    System.out.println("RMSTART " + victim);
                    System.out.println("BEGIN delete");
                    try {
                        store.delete(victim);
                    } catch (NotFoundException alreadyGone) {
                        // fine
                    }
                    System.out.println("END");
                    System.out.println("RM " + victim);
                }
                mine.add(d);
            }
        }
    }
}
