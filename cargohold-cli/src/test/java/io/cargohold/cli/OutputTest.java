package io.cargohold.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OutputTest {
    /**
     * Sizes print as Locale.ROOT formats them ("1.5 KiB"), whatever the default locale: Output.bytes formats
     * with no locale at all (which loads no locale data), and must print what the ROOT locale's format did.
     */
    @Test
    void bytesPrintsWhatTheRootLocalePrintsWhateverTheDefault() {
        List<Long> sizes = new ArrayList<>(List.of(0L, 1L, 1023L, 1024L, 1075L, 1076L, 1536L, 10 * 1024L - 1, 1024L * 1024 - 1,
                1024L * 1024, 5L << 30, (1L << 40) * 1023, Long.MAX_VALUE));
        Random random = new Random(17);
        for (int i = 0; i < 2000; i++) {
            sizes.add(random.nextLong(1L << (1 + random.nextInt(62))));
        }
        Locale before = Locale.getDefault();
        try {
            for (Locale l : List.of(Locale.ROOT, Locale.GERMANY, Locale.forLanguageTag("ar-EG"), Locale.forLanguageTag("hi-IN-u-nu-deva"))) {
                Locale.setDefault(l);
                for (long n : sizes) {
                    assertEquals(Output.bytes(n, Locale.ROOT), Output.bytes(n), n + " in " + l);
                }
            }
        } finally {
            Locale.setDefault(before);
        }
        assertEquals("1.5 KiB", Output.bytes(1536));
        assertEquals("1023 B", Output.bytes(1023));
    }
}
