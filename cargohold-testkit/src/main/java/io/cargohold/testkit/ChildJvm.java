package io.cargohold.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A second JVM running a main class from the test class path: a real OS process, for tests of
 * locking, concurrency and crashes across processes. Its stdout lines are collected as they come;
 * stderr is kept for failure messages.
 */
public final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> allLines = java.util.Collections.synchronizedList(new ArrayList<>());
    private final StringBuffer stderr = new StringBuffer();
    private final PrintWriter stdin;
    private final Thread outReader;
    private final Thread errReader;

    private ChildJvm(Process process) {
        this.process = process;
        this.stdin = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
        this.outReader = Thread.ofPlatform().daemon().start(() -> pump(new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)), true));
        this.errReader = Thread.ofPlatform().daemon().start(() -> pump(new BufferedReader(
                new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)), false));
    }

    /** Starts {@code mainClass} with the current JVM binary and class path. */
    public static ChildJvm start(Class<?> mainClass, String... args) throws IOException {
        return start(List.of(), mainClass, args);
    }

    /** Like {@link #start(Class, String...)} with extra JVM options (e.g. {@code -Dname=value}). */
    public static ChildJvm start(List<String> jvmOptions, Class<?> mainClass, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "--enable-native-access=ALL-UNNAMED"));
        // where sqlite-jdbc extracts its native library (the build points it into target/): a child killed by a test
        // leaves its copy there, not in /tmp
        String sqliteTmp = System.getProperty("org.sqlite.tmpdir");
        if (sqliteTmp != null) {
            cmd.add("-Dorg.sqlite.tmpdir=" + sqliteTmp);
        }
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        cmd.addAll(List.of(args));
        return new ChildJvm(new ProcessBuilder(cmd).start());
    }

    private void pump(BufferedReader r, boolean out) {
        try (r) {
            String line;
            while ((line = r.readLine()) != null) {
                if (out) {
                    lines.add(line);
                    allLines.add(line);
                } else {
                    stderr.append(line).append('\n');
                }
            }
        } catch (IOException ignored) {
            // the process died; what was read is kept
        }
    }

    public long pid() {
        return process.pid();
    }

    /** Waits for the next stdout line; null on timeout. */
    public String nextLine(long timeout, TimeUnit unit) throws InterruptedException {
        return lines.poll(timeout, unit);
    }

    /** Waits for a stdout line equal to {@code expected}, failing on timeout. */
    public void await(String expected, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            String l = lines.poll(100, TimeUnit.MILLISECONDS);
            if (expected.equals(l)) {
                return;
            }
            if (l == null && !process.isAlive() && lines.isEmpty()) {
                break;
            }
        }
        throw new AssertionError("child " + pid() + " did not print \"" + expected + "\"; stderr:\n" + stderr);
    }

    public void send(String line) {
        stdin.println(line);
    }

    /**
     * SIGKILL, then wait for it to be gone and for its output to be drained. The signal is sent
     * through the {@link ProcessHandle}, not {@link Process#destroyForcibly()}: the latter also
     * closes our ends of the pipes, which throws away whatever the child wrote that was not read
     * yet (its last lines, exactly what a crash test needs).
     */
    public void kill() throws InterruptedException {
        process.toHandle().destroyForcibly();
        process.waitFor();
        outReader.join(5000);
        errReader.join(5000);
    }

    /** Waits for a normal exit and returns the code (fails after the timeout). */
    public int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("child " + pid() + " still running after " + seconds + "s; stderr:\n" + stderr);
        }
        outReader.join(5000);
        errReader.join(5000);
        return process.exitValue();
    }

    /** True when the process has exited (its output is then complete once drained). */
    public boolean waitForExitIfDone() throws InterruptedException {
        if (process.isAlive()) {
            return false;
        }
        outReader.join(5000);
        return true;
    }

    /** Every stdout line so far (after {@link #kill} or {@link #waitFor}: all of them). */
    public List<String> output() {
        synchronized (allLines) {
            return List.copyOf(allLines);
        }
    }

    public String stderr() {
        return stderr.toString();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
