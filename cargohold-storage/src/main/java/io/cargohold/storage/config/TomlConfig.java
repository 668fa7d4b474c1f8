package io.cargohold.storage.config;

import java.util.List;
import java.util.Map;

/**
 * The storage.conf document as containers/storage v1.43.0 declares it ({@code types.TomlConfig} with
 * {@code pkg/config.OptionsConfig}): every key upstream decodes, with Go's zero values for keys that are
 * absent ({@code ""}, {@code 0}, {@code false}, empty lists, a null {@code pull_options}).
 *
 * @param storage the {@code [storage]} table
 */
public record TomlConfig(Storage storage) {
    /** An empty document (what upstream has when the file does not exist). */
    public static final TomlConfig EMPTY = new TomlConfig(new Storage("", "", "", "", OptionsConfig.EMPTY));

    /**
     * {@code [storage]}.
     *
     * @param driver              {@code driver}
     * @param runRoot             {@code runroot}
     * @param graphRoot           {@code graphroot}
     * @param rootlessStoragePath {@code rootless_storage_path}
     * @param options             {@code [storage.options]}
     */
    public record Storage(String driver, String runRoot, String graphRoot, String rootlessStoragePath, OptionsConfig options) {
    }

    /**
     * {@code [storage.options]} ({@code pkg/config.OptionsConfig}).
     *
     * @param additionalImageStores {@code additionalimagestores}
     * @param additionalLayerStores {@code additionallayerstores}
     * @param size                  {@code size}
     * @param remapUids             {@code remap-uids}
     * @param remapGids             {@code remap-gids}
     * @param ignoreChownErrors     {@code ignore_chown_errors}
     * @param forceMask             {@code force_mask}, an integer (os.FileMode) here, unlike the overlay table's string
     * @param remapUser             {@code remap-user}
     * @param remapGroup            {@code remap-group}
     * @param rootAutoUsernsUser    {@code root-auto-userns-user}
     * @param autoUsernsMinSize     {@code auto-userns-min-size} (uint32)
     * @param autoUsernsMaxSize     {@code auto-userns-max-size} (uint32)
     * @param aufs                  {@code [storage.options.aufs]}
     * @param btrfs                 {@code [storage.options.btrfs]}
     * @param thinpool              {@code [storage.options.thinpool]}
     * @param overlay               {@code [storage.options.overlay]}
     * @param vfs                   {@code [storage.options.vfs]}
     * @param zfs                   {@code [storage.options.zfs]}
     * @param skipMountHome         {@code skip_mount_home}
     * @param mountProgram          {@code mount_program}
     * @param mountOpt              {@code mountopt}
     * @param pullOptions           {@code pull_options} (null when absent)
     * @param disableVolatile       {@code disable-volatile}
     */
    public record OptionsConfig(List<String> additionalImageStores, List<String> additionalLayerStores, String size,
                                String remapUids, String remapGids, String ignoreChownErrors, long forceMask, String remapUser,
                                String remapGroup, String rootAutoUsernsUser, long autoUsernsMinSize, long autoUsernsMaxSize,
                                Aufs aufs, Btrfs btrfs, Thinpool thinpool, Overlay overlay, Vfs vfs, Zfs zfs, String skipMountHome,
                                String mountProgram, String mountOpt, Map<String, String> pullOptions, boolean disableVolatile) {
        static final OptionsConfig EMPTY = new OptionsConfig(List.of(), List.of(), "", "", "", "", 0, "", "", "", 0, 0,
                new Aufs(""), new Btrfs("", ""), new Thinpool("", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""),
                new Overlay("", "", "", "", "", "", ""), new Vfs(""), new Zfs("", "", ""), "", "", "", null, false);

        public OptionsConfig {
            additionalImageStores = List.copyOf(additionalImageStores);
            additionalLayerStores = List.copyOf(additionalLayerStores);
            pullOptions = pullOptions == null ? null : Map.copyOf(pullOptions);
        }
    }

    /** {@code [storage.options.aufs]}: {@code mountopt}. */
    public record Aufs(String mountOpt) {
    }

    /** {@code [storage.options.btrfs]}: {@code min_space}, {@code size}. */
    public record Btrfs(String minSpace, String size) {
    }

    /** {@code [storage.options.thinpool]} (devicemapper), every key a string as upstream declares it. */
    public record Thinpool(String autoExtendPercent, String autoExtendThreshold, String baseSize, String blockSize,
                           String directLvmDevice, String directLvmDeviceForce, String fs, String logLevel, String metadataSize,
                           String minFreeSpace, String mkfsArg, String mountOpt, String size, String useDeferredDeletion,
                           String useDeferredRemoval, String xfsNoSpaceMaxRetries) {
    }

    /** {@code [storage.options.overlay]}: ignore_chown_errors, mountopt, mount_program, size, inodes, skip_mount_home, force_mask. */
    public record Overlay(String ignoreChownErrors, String mountOpt, String mountProgram, String size, String inodes,
                          String skipMountHome, String forceMask) {
    }

    /** {@code [storage.options.vfs]}: {@code ignore_chown_errors}. */
    public record Vfs(String ignoreChownErrors) {
    }

    /** {@code [storage.options.zfs]}: {@code mountopt}, {@code fsname}, {@code size}. */
    public record Zfs(String mountOpt, String fsName, String size) {
    }
}
