package io.cargohold.copy.sample;

import io.cargohold.copy.CopyContext;
import io.cargohold.copy.ImageDestination;
import io.cargohold.copy.ImageReference;
import io.cargohold.copy.ImageSource;
import io.cargohold.copy.Transport;
import io.cargohold.errors.InvalidArgumentException;
import java.io.IOException;

/**
 * {@code sample:hello}: a small image built in memory (no file, no network), the same bytes on every
 * run (one digest per architecture and JDK build), for trying a copy or a store without an image at hand. It is
 * read-only: nothing can be copied to it.
 */
public final class SampleTransport implements Transport {
    public static final SampleTransport INSTANCE = new SampleTransport();

    @Override
    public String name() {
        return "sample";
    }

    @Override
    public ImageReference parse(String reference) throws InvalidArgumentException {
        if (!SampleImage.NAMES.contains(reference)) {
            throw new InvalidArgumentException("invalid sample reference \"sample:" + reference + "\": the samples are "
                    + String.join(", ", SampleImage.NAMES.stream().map(n -> "sample:" + n).toList()));
        }
        return new Ref(reference);
    }

    /** A parsed {@code sample:} reference. */
    public record Ref(String name) implements ImageReference {
        @Override
        public Transport transport() {
            return INSTANCE;
        }

        @Override
        public String withinTransport() {
            return name;
        }

        @Override
        public ImageSource newSource(CopyContext context) {
            return SampleImage.build(this);
        }

        @Override
        public ImageDestination newDestination(CopyContext context) throws IOException {
            throw new InvalidArgumentException("sample:" + name + " is a built-in image and cannot be written to");
        }
    }
}
