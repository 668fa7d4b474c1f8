package io.cargohold.copy;

import java.nio.file.Path;

/**
 * Child-process main for {@link KilledCopyTest} and {@link ConcurrentCopyTest}: {@code copy oci:LAYOUT:latest cargohold:REF} into the
 * store at ROOT (args: ROOT LAYOUT REF), printing START before, BLOB DIGEST as each blob is stored, BYTES N (read from the source), and DONE after.
 */
public final class CopyKillWorker {
    public static void main(String[] args) throws Exception {
        CopyContext context = CopyContext.of(Path.of(args[0]), null);
        Transports t = Transports.standard();
        System.out.println("START");
        System.out.flush();
        CopyResult r = ImageCopier.copy(t.parse("oci:" + args[1] + ":latest"), t.parse("cargohold:" + args[2]), context,
                CopyOptions.defaults().withParallelism(1).withListener(new CopyListener() {
                    @Override
                    public void blobDone(io.cargohold.oci.Descriptor d, boolean reused) {
                        System.out.println("BLOB " + d.digest());
                        System.out.flush();
                    }
                }));
        System.out.println("BYTES " + r.bytesCopied());
        System.out.println("DONE");
    }
}
