package io.cargohold.storage.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Upstream's {@code pkg/config.GetGraphDriverOptions}: the option strings the per-driver tables (and the
 * general keys they fall back to) give for a driver. Its quirks are kept: {@code ReloadConfigurationFile}
 * has already added the general {@code ignore_chown_errors}, {@code mountopt}, {@code size}… so these can
 * appear twice (the later one wins in the driver); aufs returns early after its own mountopt, btrfs after
 * min_space; the general {@code force_mask} (an os.FileMode) is printed with Go's {@code %s}, that is
 * as {@code FileMode.String()} ({@code -rwxr-x---}), not in octal.
 */
final class GraphDriverOptions {
    private GraphDriverOptions() {
    }

    static List<String> of(String driver, TomlConfig.OptionsConfig o) {
        List<String> d = new ArrayList<>();
        switch (driver) {
            case "aufs" -> {
                if (!o.aufs().mountOpt().isEmpty()) {
                    d.add(driver + ".mountopt=" + o.aufs().mountOpt());
                    return d;
                } else if (!o.mountOpt().isEmpty()) {
                    d.add(driver + ".mountopt=" + o.mountOpt());
                }
            }
            case "btrfs" -> {
                if (!o.btrfs().minSpace().isEmpty()) {
                    d.add(driver + ".min_space=" + o.btrfs().minSpace());
                    return d;
                }
                either(d, driver, "size", o.btrfs().size(), o.size());
            }
            case "devicemapper" -> {
                TomlConfig.Thinpool t = o.thinpool();
                dm(d, "thinp_autoextend_percent", t.autoExtendPercent());
                dm(d, "thinp_autoextend_threshold", t.autoExtendThreshold());
                dm(d, "basesize", t.baseSize());
                dm(d, "blocksize", t.blockSize());
                dm(d, "directlvm_device", t.directLvmDevice());
                dm(d, "directlvm_device_force", t.directLvmDeviceForce());
                dm(d, "fs", t.fs());
                dm(d, "libdm_log_level", t.logLevel());
                dm(d, "metadata_size", t.metadataSize());
                dm(d, "min_free_space", t.minFreeSpace());
                dm(d, "mkfsarg", t.mkfsArg());
                either(d, driver, "mountopt", t.mountOpt(), o.mountOpt());
                either(d, driver, "size", t.size(), o.size());
                dm(d, "use_deferred_deletion", t.useDeferredDeletion());
                dm(d, "use_deferred_removal", t.useDeferredRemoval());
                dm(d, "xfs_nospace_max_retries", t.xfsNoSpaceMaxRetries());
            }
            case "overlay", "overlay2" -> {
                TomlConfig.Overlay ov = o.overlay();
                either(d, driver, "ignore_chown_errors", ov.ignoreChownErrors(), o.ignoreChownErrors());
                either(d, driver, "mount_program", ov.mountProgram(), o.mountProgram());
                either(d, driver, "mountopt", ov.mountOpt(), o.mountOpt());
                either(d, driver, "size", ov.size(), o.size());
                if (!ov.inodes().isEmpty()) {
                    d.add(driver + ".inodes=" + ov.inodes());
                }
                either(d, driver, "skip_mount_home", ov.skipMountHome(), o.skipMountHome());
                if (!ov.forceMask().isEmpty()) {
                    d.add(driver + ".force_mask=" + ov.forceMask());
                } else if (o.forceMask() != 0) {
                    d.add(driver + ".force_mask=" + fileModeString(o.forceMask()));
                }
            }
            case "vfs" -> either(d, driver, "ignore_chown_errors", o.vfs().ignoreChownErrors(), o.ignoreChownErrors());
            case "zfs" -> {
                if (!o.zfs().fsName().isEmpty()) {
                    d.add(driver + ".fsname=" + o.zfs().fsName());
                }
                either(d, driver, "mountopt", o.zfs().mountOpt(), o.mountOpt());
                either(d, driver, "size", o.zfs().size(), o.size());
            }
            default -> {
            }
        }
        return d;
    }

    private static void either(List<String> d, String driver, String key, String specific, String general) {
        if (!specific.isEmpty()) {
            d.add(driver + "." + key + "=" + specific);
        } else if (!general.isEmpty()) {
            d.add(driver + "." + key + "=" + general);
        }
    }

    private static void dm(List<String> d, String key, String value) {
        if (!value.isEmpty()) {
            d.add("dm." + key + "=" + value);
        }
    }

    /** Go's {@code os.FileMode.String()} for a uint32 mode. */
    static String fileModeString(long m) {
        String types = "dalTLDpSugct?";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < types.length(); i++) {
            if ((m & (1L << (31 - i))) != 0) {
                b.append(types.charAt(i));
            }
        }
        if (b.isEmpty()) {
            b.append('-');
        }
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            b.append((m & (1L << (8 - i))) != 0 ? rwx.charAt(i) : '-');
        }
        return b.toString();
    }
}
