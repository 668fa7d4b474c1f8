package io.cargohold.oci;

import io.cargohold.oci.graph.DescriptorWalker;
import io.cargohold.oci.layout.OciLayoutDir;
import io.cargohold.oci.refs.Reference;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Test set-up: puts one reference of a layout into the store through an {@link ImportSession}, the
 * way the copy engine's cargohold: destination does (the engine itself lives in cargohold-copy).
 */
final class TestImports {
    private TestImports() {
    }

    static ImageRef importLayout(OciStore oci, Path dir, String sref, Reference dref) throws IOException {
        OciLayoutDir layout = OciLayoutDir.open(dir);
        Descriptor top = layout.find(sref).getFirst();
        DescriptorWalker.Loader loader = new DescriptorWalker.Loader() {
            @Override
            public byte[] read(Descriptor d, String namedBy) throws IOException {
                try (InputStream in = layout.openBlob(d, namedBy)) {
                    return in.readNBytes(OciParser.MAX_DOCUMENT + 1);
                }
            }

            @Override
            public boolean has(Descriptor d) throws IOException {
                return layout.hasBlob(d);
            }
        };
        try (ImportSession s = oci.beginImport()) {
            for (DescriptorWalker.Node n : DescriptorWalker.over(loader, DescriptorWalker.Subjects.IF_PRESENT).plan(top, "index.json")) {
                if (!s.has(n.descriptor())) {
                    try (InputStream in = layout.openBlob(n.descriptor(), n.namedBy())) {
                        s.put(in, n.descriptor());
                    }
                }
            }
            return s.commit(dref, Descriptor.of(top.mediaType(), top.digest(), top.size()));
        }
    }
}
