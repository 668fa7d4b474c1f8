package io.cargohold.cstorage;

import io.cargohold.storage.IdMap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The ID-mapping options of {@code create-layer}, {@code import-layer} and {@code create-container}
 * ({@code --hostuidmap}, {@code --hostgidmap}, {@code --uidmap}, {@code --gidmap},
 * {@code --subuidmap}, {@code --subgidmap}) and upstream's {@code paramIDMapping} that turns them into
 * maps. Use: {@code IdMapOptions ids = IdMapOptions.define(flags);} in a command's setup (after its
 * other flags, as upstream declares them), then in the action {@code IdMapOptions.Maps m = ids.resolve();}
 * (an {@link IdMapException} carries upstream's message: print it to stderr, return 1) and pass
 * {@link Maps#uidMap()} / {@link Maps#gidMap()} to {@code withIdMaps}: null = none given (inherit the
 * parent's or the store's maps), empty = host mapping forced, else the maps.
 */
public final class IdMapOptions {
    /** A bad combination or a malformed map; the message is upstream's. */
    public static final class IdMapException extends Exception {
        private static final long serialVersionUID = 1L;

        public IdMapException(String message) {
            super(message);
        }
    }

    /**
     * The result: {@code hostUid}/{@code hostGid} as given; {@code uidMap}/{@code gidMap} null when no map
     * was given and host mapping was not forced, an empty list for host mapping, else the maps
     * (sub-ID ranges first, then {@code --uidmap}/{@code --gidmap} entries, as upstream appends them).
     */
    public record Maps(boolean hostUid, boolean hostGid, List<IdMap> uidMap, List<IdMap> gidMap) {
    }

    private final FlagSet.Flag<Boolean> hostUid;
    private final FlagSet.Flag<Boolean> hostGid;
    private final FlagSet.Flag<String> uidMap;
    private final FlagSet.Flag<String> gidMap;
    private final FlagSet.Flag<String> subUidMap;
    private final FlagSet.Flag<String> subGidMap;
    private Path etc = Path.of("/etc");

    private IdMapOptions(FlagSet flags) {
        hostUid = flags.bool(List.of("-hostuidmap"), false, "Force host UID map");
        hostGid = flags.bool(List.of("-hostgidmap"), false, "Force host GID map");
        uidMap = flags.string(List.of("-uidmap"), "", "UID map");
        gidMap = flags.string(List.of("-gidmap"), "", "GID map");
        subUidMap = flags.string(List.of("-subuidmap"), "", "subuid UID map for a user");
        subGidMap = flags.string(List.of("-subgidmap"), "", "subgid GID map for a group");
    }

    /** Defines the six options on {@code flags} (in upstream's order). */
    public static IdMapOptions define(FlagSet flags) {
        return new IdMapOptions(flags);
    }

    /** For tests: read {@code subuid}, {@code subgid} and {@code passwd} from {@code dir} instead of /etc. */
    IdMapOptions etc(Path dir) {
        this.etc = dir;
        return this;
    }

    /** Upstream's paramIDMapping. */
    public Maps resolve() throws IdMapException {
        return resolve(hostUid.get(), hostGid.get(), uidMap.get(), gidMap.get(), subUidMap.get(), subGidMap.get(), etc);
    }

    static Maps resolve(boolean hostUid, boolean hostGid, String uidSpec, String gidSpec, String subUid, String subGid, Path etc)
            throws IdMapException {
        if (hostUid && (!uidSpec.isEmpty() || !subUid.isEmpty())) {
            throw new IdMapException("host uid map specified along with UID mapping");
        }
        if (hostGid && (!gidSpec.isEmpty() || !subGid.isEmpty())) {
            throw new IdMapException("host gid map specified along with GID mapping");
        }
        if (subGid.isEmpty() && !subUid.isEmpty()) {
            subGid = subUid;
        }
        if (subUid.isEmpty() && !subGid.isEmpty()) {
            subUid = subGid;
        }
        List<IdMap> uids = new ArrayList<>();
        List<IdMap> gids = new ArrayList<>();
        if (!subUid.isEmpty() && !subGid.isEmpty()) {
            Path subuid = etc.resolve("subuid");
            Path subgid = etc.resolve("subgid");
            List<long[]> ur = readSubid(subuid, subUid, etc);
            List<long[]> gr = readSubid(subgid, subGid, etc);
            if (ur.isEmpty()) {
                throw new IdMapException("no subuid ranges found for user \"" + subUid + "\" in /etc/subuid");
            }
            if (gr.isEmpty()) {
                throw new IdMapException("no subgid ranges found for group \"" + subGid + "\" in /etc/subgid");
            }
            uids.addAll(createIdMap(ur));
            gids.addAll(createIdMap(gr));
        }
        uids.addAll(parseIdMap(uidSpec, "uid"));
        gids.addAll(parseIdMap(gidSpec, "gid"));
        return new Maps(hostUid, hostGid, forStore(hostUid, uids), forStore(hostGid, gids));
    }

    private static List<IdMap> forStore(boolean host, List<IdMap> maps) {
        if (host) {
            return List.of();
        }
        return maps.isEmpty() ? null : List.copyOf(maps);
    }

    /**
     * idtools.ParseIDMap for one spec {@code cid:hid:size[:cid:hid:size...]} ({@code setting} "uid" or
     * "gid", used in the message); an empty spec gives no maps.
     */
    public static List<IdMap> parseIdMap(String spec, String setting) throws IdMapException {
        List<IdMap> out = new ArrayList<>();
        if (spec.isEmpty()) {
            return out;
        }
        IdMapException bad = new IdMapException("initializing ID mappings: " + setting
                + " setting is malformed expected [\"uint32:uint32:uint32\"]: [" + FlagSet.goQuote(spec) + "]");
        String[] parts = spec.split(":", -1);
        if (parts.length % 3 != 0) {
            throw bad;
        }
        for (int i = 0; i < parts.length; i += 3) {
            Long c = parseUint32(parts[i]);
            Long h = parseUint32(parts[i + 1]);
            Long s = parseUint32(parts[i + 2]);
            if (c == null || h == null || s == null) {
                throw bad;
            }
            out.add(new IdMap(c, h, s));
        }
        return out;
    }

    /** strconv.ParseUint(s, 10, 32); null on any error. */
    static Long parseUint32(String s) {
        if (s.isEmpty() || s.length() > 10) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return null;
            }
        }
        long v = Long.parseLong(s);
        return v > 0xFFFFFFFFL ? null : v;
    }

    /** idtools.parseSubidFile: the ranges of {@code user} (by name, or by its UID from passwd). */
    private static List<long[]> readSubid(Path file, String user, Path etc) throws IdMapException {
        String uid = lookupUid(etc.resolve("passwd"), user);
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IdMapException("open /etc/" + file.getFileName() + ": no such file or directory");
        } catch (IOException e) {
            throw new IdMapException("open /etc/" + file.getFileName() + ": " + e.getMessage());
        }
        List<long[]> ranges = new ArrayList<>();
        String shown = "/etc/" + file.getFileName();
        for (String line : lines) {
            String text = line.strip();
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            String[] parts = text.split(":", -1);
            if (parts.length != 3) {
                throw new IdMapException("cannot parse subuid/gid information: Format not correct for " + shown + " file");
            }
            if (parts[0].equals(user) || user.equals("ALL") || (!parts[0].isEmpty() && parts[0].equals(uid))) {
                long start = atoi(parts[1], shown);
                long length = atoi(parts[2], shown);
                ranges.add(new long[] {start, length});
            }
        }
        return ranges;
    }

    private static long atoi(String s, String file) throws IdMapException {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IdMapException("string to int conversion failed during subuid/gid parsing of " + file
                    + ": strconv.Atoi: parsing " + FlagSet.goQuote(s) + ": invalid syntax");
        }
    }

    private static String lookupUid(Path passwd, String user) {
        try {
            for (String line : Files.readAllLines(passwd, StandardCharsets.UTF_8)) {
                String[] f = line.split(":", -1);
                if (f.length > 2 && f[0].equals(user)) {
                    return f[2];
                }
            }
        } catch (IOException e) {
            // as user.Lookup failing: match by name only
        }
        return "";
    }

    /** idtools.createIDMap: ranges sorted by start, container IDs consecutive from 0. */
    private static List<IdMap> createIdMap(List<long[]> ranges) {
        List<long[]> sorted = new ArrayList<>(ranges);
        sorted.sort((a, b) -> Long.compare(a[0], b[0])); // not Comparator.comparingLong: serializable, not in the AOT cache
        List<IdMap> out = new ArrayList<>();
        long cid = 0;
        for (long[] r : sorted) {
            out.add(new IdMap(cid, r[0], r[1]));
            cid += r[1];
        }
        return out;
    }
}
