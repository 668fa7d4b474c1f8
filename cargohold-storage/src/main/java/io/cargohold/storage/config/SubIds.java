package io.cargohold.storage.config;

import io.cargohold.text.GoStrings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The part of upstream's {@code idtools.NewIDMappings} that storage.conf's {@code remap-user} /
 * {@code remap-group} reach: the user's and group's ranges must be found in /etc/subuid and /etc/subgid
 * (upstream's ReloadConfigurationFile then replaces the maps with {@code remap-uids}/{@code remap-gids},
 * so only its errors matter). Entries are matched by name ({@code ALL} matches all); upstream also
 * matches the numeric uid of the named user from the passwd database, which this does not look up.
 */
final class SubIds {
    private SubIds() {
    }

    static void mappings(String user, String group, Path subuid, Path subgid) throws IOException {
        if (ranges(subuid, user) == 0) {
            throw new IOException("no subuid ranges found for user " + GoStrings.quote(user) + " in /etc/subuid");
        }
        if (ranges(subgid, group) == 0) {
            throw new IOException("no subgid ranges found for group " + GoStrings.quote(group) + " in /etc/subgid");
        }
    }

    private static int ranges(Path file, String name) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw StorageConfig.goError("open " + file, e);
        }
        int n = 0;
        for (String l : lines) {
            String t = l.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] p = t.split(":", -1);
            if (p.length != 3) {
                throw new IOException("cannot parse subuid/gid information: Format not correct for " + file + " file");
            }
            if (p[0].equals(name) || name.equals("ALL")) {
                try {
                    Integer.parseInt(p[1]);
                    Integer.parseInt(p[2]);
                } catch (NumberFormatException e) {
                    throw new IOException("string to int conversion failed during subuid/gid parsing of " + file + ": strconv.Atoi: parsing "
                            + GoStrings.quote(p[1]) + ": invalid syntax");
                }
                n++;
            }
        }
        return n;
    }
}
