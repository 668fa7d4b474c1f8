package io.cargohold.oci;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Who holds an import's lease: the lease id is {@code <boot id>.<pid>.<process start time>.<random>},
 * so a lease whose process is gone (killed) is recognised at once on the same machine (same boot, and
 * the pid is free or now names a process started at another time) and released, instead of pinning
 * its blobs until it expires; a lease of another machine or boot is left to its expiry.
 */
final class LeaseOwner {
    private static final String BOOT = bootId();
    private static final String SELF = ProcessHandle.current().pid() + "." + startTime(ProcessHandle.current().pid());

    private LeaseOwner() {
    }

    /** A new lease id owned by this process. */
    static String newLeaseId() {
        return BOOT + "." + SELF + "." + Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
    }

    /** True when the lease id names a process of this boot that no longer runs. */
    static boolean isDead(String leaseId) {
        String[] p = leaseId.split("\\.");
        if (p.length != 4 || BOOT.isEmpty() || !p[0].equals(BOOT)) {
            return false;
        }
        long pid;
        try {
            pid = Long.parseLong(p[1]);
        } catch (NumberFormatException e) {
            return false;
        }
        String start = startTime(pid);
        return start == null || !start.equals(p[2]);
    }

    private static String bootId() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/random/boot_id"), StandardCharsets.US_ASCII).trim().replace("-", "").substring(0, 12);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** Field 22 of /proc/PID/stat (start time in clock ticks since boot), or null when there is no such process. */
    private static String startTime(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return f[19];
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
