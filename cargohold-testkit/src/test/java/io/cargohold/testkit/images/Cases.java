package io.cargohold.testkit.images;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The OCI layout cases of {@link TestImages}, for parameterized tests. */
record Cases(String name, Writer writer, List<String> refs) {
    interface Writer {
        WrittenLayout write(Path dir, long seed) throws IOException;
    }

    WrittenLayout write(Path dir, long seed) throws IOException {
        return writer.write(dir, seed);
    }

    @Override
    public String toString() {
        return name;
    }

    static Stream<Cases> all() {
        return Stream.of(
                new Cases("small", TestImages::small, List.of("latest")),
                new Cases("twoTagsSharingLayers", TestImages::twoTagsSharingLayers, List.of("latest", "v2")),
                new Cases("multiArch", TestImages::multiArch, List.of("latest")),
                new Cases("zstd", TestImages::zstd, List.of("latest")),
                new Cases("hardlinksWhiteoutsOddNames", TestImages::hardlinksWhiteoutsOddNames, List.of("latest")),
                new Cases("dockerSchema2", TestImages::dockerSchema2, List.of("latest", "bare")),
                new Cases("large", (dir, seed) -> TestImages.large(dir, 6L << 20, seed, Compression.GZIP, 1), List.of("latest")));
    }
}
