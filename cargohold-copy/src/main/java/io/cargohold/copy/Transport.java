package io.cargohold.copy;

import io.cargohold.errors.InvalidArgumentException;

/** A transport: a name and a parser of its references (adding one never touches the engine). */
public interface Transport {
    String name();

    ImageReference parse(String reference) throws InvalidArgumentException;
}
