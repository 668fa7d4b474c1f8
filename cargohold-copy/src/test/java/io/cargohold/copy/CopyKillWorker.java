package io.cargohold.copy;

import java.nio.file.Path;

/**
 * Child-process main for {@link KilledCopyTest}: {@code copy oci:LAYOUT:latest cargohold:REF} into the
 * store at ROOT (args: ROOT LAYOUT REF), printing START before, BLOB DIGEST as each blob is stored, and DONE after.
 */
public final class CopyKillWorker {
    public static void main(String[] args) throws Exception {
        CopyContext context = CopyContext.of(Path.of(args[0]), null);
        Transports t = Transports.standard();
        System.out.println("START");
        System.out.flush();
        ImageCopier.copy(t.parse("oci:" + args[1] + ":latest"), t.parse("cargohold:" + args[2]), context,
                CopyOptions.defaults().withParallelism(1).withListener(new CopyListener() {
                    @Override
                    public void blobDone(io.cargohold.oci.Descriptor d, boolean reused) {
                        System.out.println("BLOB " + d.digest());
                        System.out.flush();
                    }
                }));
        System.out.println("DONE");
    }
}
