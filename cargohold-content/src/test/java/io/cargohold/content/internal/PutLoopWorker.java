package io.cargohold.content.internal;

import io.cargohold.content.PutOptions;
import io.cargohold.content.StoreOptions;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Child-process main for {@link FreshBlobLeaseTest}: puts {@code count} distinct blobs (no pin of
 * their own) one after another and prints "PUT <digest>" after each put has returned, then "DONE".
 * args: root, seed, count, grace in milliseconds.
 */
public final class PutLoopWorker {
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        int count = Integer.parseInt(args[2]);
        StoreOptions o = StoreOptions.defaults().withFsync(false).withFreshBlobGrace(Duration.ofMillis(Long.parseLong(args[3])));
        try (LocalBlobStore store = LocalBlobStore.open(root, o)) {
            for (int i = 0; i < count; i++) {
                byte[] b = ("blob " + args[1] + "/" + i + " " + "x".repeat(i % 1000)).getBytes(StandardCharsets.UTF_8);
                var r = store.put(new ByteArrayInputStream(b), PutOptions.defaults());
                System.out.println("PUT " + r.info().digest());
            }
        }
        System.out.println("DONE");
    }
}
