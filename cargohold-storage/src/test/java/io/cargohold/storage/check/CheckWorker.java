package io.cargohold.storage.check;

import io.cargohold.storage.LayerOptions;
import io.cargohold.storage.Store;
import io.cargohold.storage.StoreOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A second process for the check's crash tests, killed with SIGKILL by the test:
 * {@code apply G R PARENT TAR} creates a layer from TAR and stops for good half-way through it;
 * {@code mount G R LAYER} mounts a layer and waits; {@code repair G R} checks and repairs, printing
 * each step.
 */
public final class CheckWorker {
    private CheckWorker() {
    }

    public static void main(String[] args) throws Exception {
        Store store = Store.open(StoreOptions.vfs(Path.of(args[1]), Path.of(args[2])));
        switch (args[0]) {
            case "apply" -> {
                byte[] tar = Files.readAllBytes(Path.of(args[4]));
                String parent = args[3].isEmpty() ? null : args[3];
                store.createLayer(LayerOptions.of(parent), new InputStream() {
                    int pos;

                    @Override
                    public int read() throws IOException {
                        byte[] b = new byte[1];
                        return read(b, 0, 1) < 0 ? -1 : b[0] & 0xFF;
                    }

                    @Override
                    public int read(byte[] b, int off, int len) {
                        if (pos >= tar.length / 2) {
                            System.out.println("APPLYING");
                            System.out.flush();
                            sleepForever();
                        }
                        int n = Math.min(len, tar.length / 2 - pos);
                        System.arraycopy(tar, pos, b, off, n);
                        pos += n;
                        return n;
                    }
                });
            }
            case "mount" -> {
                store.mount(args[3]);
                System.out.println("MOUNTED");
                System.out.flush();
                sleepForever();
            }
            case "repair" -> {
                System.out.println("READY");
                CheckReport report = store.check(CheckOptions.quick().withMaxUnreferencedAge(java.time.Duration.ZERO),
                        CheckListener.NONE);
                System.out.println("CHECKED " + report.all().size());
                RepairResult result = store.repair(report, new RepairOptions(true, true));
                System.out.println("REPAIRED " + result);
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static void sleepForever() {
        try {
            Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
