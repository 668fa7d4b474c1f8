package io.cargohold.testkit.images;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * External tools for tests. The peer tools (skopeo, umoci, podman: the programs whose stores and
 * layouts we share) are required: a missing one fails the test, so a suite never passes by skipping.
 * The one way to leave them out is explicit: {@code -Dcargohold.peers=skip} (bin/test's short option)
 * skips every test that needs one, installed or not, with a reason that starts with
 * {@value #PEER_SKIP_MARK} (bin/lib/TestReports.java counts those in its summary). With CI=true the
 * opt-out is refused. Other tools (tar, sh) are always required.
 */
public final class Tools {
    private Tools() {}

    /** The tools a peer test may skip for with {@code -Dcargohold.peers=skip}. */
    public static final java.util.Set<String> PEERS = java.util.Set.of("skopeo", "umoci", "podman", "docker-registry", "containers-storage");
    /** How skip reasons for peer tools start (the test summary groups and counts them). */
    public static final String PEER_SKIP_MARK = "[peer tool]";

    public record Result(int exit, byte[] stdout, String stderr) {
        public String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }
    }

    /** The tool's path on PATH; fails the test when there is none (see the class comment for the opt-out). */
    public static Path require(String tool) {
        return require(tool, System.getenv(), System.getProperty("cargohold.peers", "required"));
    }

    /**
     * {@link #require(String)} with an explicit environment and policy ({@code required} or
     * {@code skip}; anything else fails).
     */
    public static Path require(String tool, java.util.Map<String, String> env, String policy) {
        boolean peer = PEERS.contains(tool);
        switch (policy) {
            case "required" -> {
            }
            case "skip" -> {
                if ("true".equals(env.get("CI"))) {
                    fail("-Dcargohold.peers=skip is refused with CI=true: CI runs every peer test");
                }
                if (peer) {
                    Assumptions.abort(PEER_SKIP_MARK + " " + tool + ": skipped by -Dcargohold.peers=skip (the short suite)");
                }
            }
            default -> fail("-Dcargohold.peers=" + policy + ": expected required or skip");
        }
        String path = env.getOrDefault("PATH", "");
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, tool);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        fail(tool + " is not on PATH (" + path + ")" + (peer
                ? "; install it (.ci/run does: apt-get install " + tool + ") or run the short suite with -Dcargohold.peers=skip"
                : ""));
        throw new AssertionError("unreachable");
    }

    /** Runs the command (stdin closed), failing the test on a non-zero exit or after 120 s. */
    public static Result ok(Object... cmd) {
        Result r = run(cmd);
        if (r.exit() != 0) {
            fail(String.join(" ", strings(cmd)) + " exited " + r.exit() + ":\n" + r.stderr() + r.out());
        }
        return r;
    }

    public static Result run(Object... cmd) {
        return run(java.util.Map.of(), cmd);
    }

    /** Like {@link #ok(Object...)} with extra environment variables. */
    public static Result ok(java.util.Map<String, String> env, Object... cmd) {
        Result r = run(env, cmd);
        if (r.exit() != 0) {
            fail(String.join(" ", strings(cmd)) + " exited " + r.exit() + ":\n" + r.stderr() + r.out());
        }
        return r;
    }

    /**
     * Environment variables that keep the containers tools (podman, skopeo) away from the host's
     * configuration and state: empty {@code containers.conf} and {@code registries.conf}, a
     * {@code storage.conf} naming the store under test, and temporary files, all under {@code dir}.
     * With podman's global options from {@link #podmanIsolation}, podman 4.3.1 writes nothing outside
     * {@code dir} and the store (checked by hand with `find / -newer` around a run, 2026-12-05); files
     * it may still read from /etc/containers besides these three (seccomp.json, policy.json) were not
     * checked.
     */
    public static java.util.Map<String, String> containersEnv(Path dir, Path graphRoot, Path runRoot) throws IOException {
        return containersEnv(dir, graphRoot, runRoot, "vfs");
    }

    /** {@link #containersEnv(Path, Path, Path)} for a store with the graph driver {@code driver}. */
    public static java.util.Map<String, String> containersEnv(Path dir, Path graphRoot, Path runRoot, String driver) throws IOException {
        Files.createDirectories(dir.resolve("tmp"));
        Files.writeString(dir.resolve("containers.conf"), "");
        Files.writeString(dir.resolve("registries.conf"), "");
        Files.writeString(dir.resolve("storage.conf"), "[storage]\ndriver = \"" + driver + "\"\ngraphroot = \"" + graphRoot.toAbsolutePath()
                + "\"\nrunroot = \"" + runRoot.toAbsolutePath() + "\"\n");
        return java.util.Map.of("CONTAINERS_CONF", dir.resolve("containers.conf").toString(),
                "CONTAINERS_REGISTRIES_CONF", dir.resolve("registries.conf").toString(),
                "CONTAINERS_STORAGE_CONF", dir.resolve("storage.conf").toString(),
                "TMPDIR", dir.resolve("tmp").toString());
    }

    /**
     * podman's global options for a store at graphRoot/runRoot that it can share with us as root
     * without a daemon, systemd or a network: cgroupfs, no events, its own tmp and network directories.
     */
    public static List<String> podmanIsolation(Path dir, Path graphRoot, Path runRoot) throws IOException {
        return podmanIsolation(dir, graphRoot, runRoot, "vfs");
    }

    /** {@link #podmanIsolation(Path, Path, Path)} for a store with the graph driver {@code driver}. */
    public static List<String> podmanIsolation(Path dir, Path graphRoot, Path runRoot, String driver) throws IOException {
        Files.createDirectories(dir.resolve("libpod"));
        Files.createDirectories(dir.resolve("net"));
        return List.of("--root", graphRoot.toAbsolutePath().toString(), "--runroot", runRoot.toAbsolutePath().toString(),
                "--storage-driver", driver, "--cgroup-manager", "cgroupfs", "--events-backend", "none",
                "--tmpdir", dir.resolve("libpod").toString(), "--network-config-dir", dir.resolve("net").toString());
    }

    public static Result run(java.util.Map<String, String> env, Object... cmd) {
        List<String> args = strings(cmd);
        try {
            ProcessBuilder pb = new ProcessBuilder(args).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            if (!args.isEmpty() && PEERS.contains(Path.of(args.getFirst()).getFileName().toString())) {
                // containers/image stages blobs in $TMPDIR, else /var/tmp: keep them in the JVM's temp directory
                pb.environment().put("TMPDIR", System.getProperty("java.io.tmpdir"));
            }
            pb.environment().putAll(env);
            Process p = pb.start();
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", args) + " did not finish in 120 s");
            }
            return new Result(p.exitValue(), out.join(), new String(err.join(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> strings(Object... cmd) {
        List<String> out = new ArrayList<>();
        for (Object o : cmd) {
            if (o instanceof List<?> l) {
                l.forEach(x -> out.add(String.valueOf(x)));
            } else {
                out.add(String.valueOf(o));
            }
        }
        return out;
    }

    /** True when this JVM runs as root (umoci then restores owners; else it needs --rootless). */
    public static boolean isRoot(Path anyTempDir) throws IOException {
        Path f = Files.createTempFile(anyTempDir, "uid", ".probe");
        try {
            return ((Integer) Files.getAttribute(f, "unix:uid")) == 0;
        } finally {
            Files.delete(f);
        }
    }
}
