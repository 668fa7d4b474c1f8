package io.cargohold.copy;

import java.nio.file.Path;

/**
 * Child-process main for {@link KilledExportTest} and the torture run: {@code copy SRC DST} with the
 * content store at ROOT (args: ROOT SRC DST), one blob at a time, printing START, BLOB DIGEST as each
 * blob is done, and DONE.
 */
public final class CopyAnyWorker {
    public static void main(String[] args) throws Exception {
        CopyContext context = CopyContext.of(Path.of(args[0]), null);
        Transports t = Transports.standard();
        System.out.println("START");
        System.out.flush();
        ImageCopier.copy(t.parse(args[1]), t.parse(args[2]), context,
                CopyOptions.defaults().withAll(true).withParallelism(1).withListener(new CopyListener() {
                    @Override
                    public void blobDone(io.cargohold.oci.Descriptor d, boolean reused) {
                        System.out.println("BLOB " + d.digest());
                        System.out.flush();
                    }
                }));
        System.out.println("DONE");
    }
}
