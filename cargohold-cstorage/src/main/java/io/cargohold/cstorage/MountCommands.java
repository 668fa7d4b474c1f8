package io.cargohold.cstorage;

import java.util.List;

/** Commands of this group (see Commands for the registration order). */
final class MountCommands {
    private MountCommands() {
    }

    static List<Command> all() {
        return List.of();
    }
}
