package io.cargohold.storage.archive;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * User and group names for tar headers, as Go's {@code tar.FileInfoHeader} fills {@code Uname} and
 * {@code Gname}: looked up by the file's host IDs (before any ID mapping), empty when there is none. Read
 * from {@code /etc/passwd} and {@code /etc/group} (the first entry for an ID), as Go's pure-Go lookup does.
 */
final class UserNames {
    private final Map<Long, String> users;
    private final Map<Long, String> groups;

    private UserNames(Map<Long, String> users, Map<Long, String> groups) {
        this.users = users;
        this.groups = groups;
    }

    static UserNames load() {
        return new UserNames(read(Path.of("/etc/passwd")), read(Path.of("/etc/group")));
    }

    String user(long uid) {
        return users.getOrDefault(uid, "");
    }

    String group(long gid) {
        return groups.getOrDefault(gid, "");
    }

    private static Map<Long, String> read(Path file) {
        Map<Long, String> out = new HashMap<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return out;
        }
        for (String line : lines) {
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("+") || line.startsWith("-")) {
                continue;
            }
            String[] f = line.split(":", -1);
            if (f.length < 3) {
                continue;
            }
            try {
                out.putIfAbsent(Long.parseLong(f[2].trim()), f[0]);
            } catch (NumberFormatException e) {
                // not an entry
            }
        }
        return out;
    }
}
