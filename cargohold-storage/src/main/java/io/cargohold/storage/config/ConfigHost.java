package io.cargohold.storage.config;

import java.nio.file.Path;

/**
 * The host paths upstream's defaults come from ({@code types/options_linux.go}, {@code types/utils.go},
 * {@code pkg/idtools}): the system storage.conf ({@code /usr/share/containers/storage.conf}) and its
 * override ({@code /etc/containers/storage.conf}), root's default graph and run roots, the base of
 * per-user runtime directories ({@code /run/user}), the file that names the init process
 * ({@code /proc/1/comm}), the temporary directory and {@code /etc/subuid}/{@code /etc/subgid}.
 * {@link #REAL} is the machine's; tests use {@link #under(Path)} so that nothing reads the host's
 * {@code /etc/containers}.
 */
public record ConfigHost(Path defaultConfigFile, Path defaultOverrideConfigFile, String defaultGraphRoot, String defaultRunRoot,
                         Path runUserBase, Path procInitComm, Path tmpDir, Path subuid, Path subgid) {
    /** This machine's paths, as upstream's Linux build has them. */
    public static final ConfigHost REAL = new ConfigHost(Path.of("/usr/share/containers/storage.conf"),
            Path.of("/etc/containers/storage.conf"), "/var/lib/containers/storage", "/run/containers/storage", Path.of("/run/user"),
            Path.of("/proc/1/comm"), Path.of(System.getProperty("java.io.tmpdir")), Path.of("/etc/subuid"), Path.of("/etc/subgid"));

    /** The same layout below {@code root} (nothing there until a test writes it; /proc/1/comm is the real one). */
    public static ConfigHost under(Path root) {
        return new ConfigHost(root.resolve("usr/share/containers/storage.conf"), root.resolve("etc/containers/storage.conf"),
                root.resolve("var/lib/containers/storage").toString(), root.resolve("run/containers/storage").toString(),
                root.resolve("run/user"), Path.of("/proc/1/comm"), root.resolve("tmp"), root.resolve("etc/subuid"),
                root.resolve("etc/subgid"));
    }
}
