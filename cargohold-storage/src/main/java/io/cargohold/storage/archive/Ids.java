package io.cargohold.storage.archive;

import io.cargohold.storage.IdMap;
import java.io.IOException;
import java.util.List;

/**
 * ID translation as containers/storage's {@code idtools}: an empty list of ranges is the identity (upstream's
 * nil map); an ID outside every range of a non-empty list is an error.
 */
final class Ids {
    private Ids() {
    }

    static long toContainer(long hostId, List<IdMap> maps) throws IOException {
        if (maps == null || maps.isEmpty()) {
            return hostId;
        }
        for (IdMap m : maps) {
            if (hostId >= m.hostId() && hostId <= m.hostId() + m.size() - 1) {
                return m.containerId() + (hostId - m.hostId());
            }
        }
        throw new IOException("host ID " + hostId + " cannot be mapped to a container ID");
    }

    static long toHost(long containerId, List<IdMap> maps) throws IOException {
        if (maps == null || maps.isEmpty()) {
            return containerId;
        }
        for (IdMap m : maps) {
            if (containerId >= m.containerId() && containerId <= m.containerId() + m.size() - 1) {
                return m.hostId() + (containerId - m.containerId());
            }
        }
        throw new IOException("container ID " + containerId + " cannot be mapped to a host ID");
    }

    static boolean empty(List<IdMap> uids, List<IdMap> gids) {
        return (uids == null || uids.isEmpty()) && (gids == null || gids.isEmpty());
    }

    /**
     * Upstream's {@code IDMappings.RootPair()}: the host IDs of container root; a single one-ID range names
     * its host ID whatever its container ID; when either cannot be mapped both are -1 (which chown ignores).
     */
    static IdPair rootPair(List<IdMap> uids, List<IdMap> gids) {
        try {
            long uid = uids != null && uids.size() == 1 && uids.get(0).size() == 1 ? uids.get(0).hostId() : toHost(0, uids);
            long gid = gids != null && gids.size() == 1 && gids.get(0).size() == 1 ? gids.get(0).hostId() : toHost(0, gids);
            return new IdPair((int) uid, (int) gid);
        } catch (IOException e) {
            return new IdPair(-1, -1);
        }
    }
}
