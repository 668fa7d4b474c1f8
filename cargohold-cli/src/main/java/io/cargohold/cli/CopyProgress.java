package io.cargohold.cli;

import io.cargohold.copy.CopyBlob;
import io.cargohold.copy.CopyListener;
import io.cargohold.copy.RawManifest;
import io.cargohold.oci.Descriptor;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * skopeo-style progress of a copy on a terminal: one line per blob ("Copying blob sha256:0f75…
 * 12.3 MiB / 40.1 MiB  31%  52.0 MiB/s", then "done" or "skipped: already exists"), redrawn in place
 * at most five times a second, with the state in colour ("done" green, "skipped" and "resumed at"
 * yellow) unless {@code NO_COLOR} is set to a non-empty value (no-color.org) or {@code TERM} is
 * {@code dumb}. Thread-safe (layers move in parallel).
 */
public final class CopyProgress implements CopyListener {
    private static final String GREEN = "\033[32m";
    private static final String YELLOW = "\033[33m";
    private static final String RESET = "\033[0m";
    private final PrintStream err;
    private final boolean color;
    private final long start = System.nanoTime();
    private final Map<String, Line> lines = new LinkedHashMap<>();
    private int drawnLines;
    private long lastDraw;

    private static final class Line {
        final String label;
        final long total;
        long done;
        String state;
        long resumedFrom = -1;
        final long started = System.nanoTime();
        long finished;

        Line(String label, long total) {
            this.label = label;
            this.total = total;
        }
    }

    public CopyProgress(PrintStream err, boolean color) {
        this.err = err;
        this.color = color;
    }

    /** A progress display when stderr is a terminal, else null; colours as {@link #colorWanted} says. */
    public static CopyProgress forTerminal(PrintStream err, Map<String, String> env) {
        var console = System.console();
        return console != null && console.isTerminal() ? new CopyProgress(err, colorWanted(env)) : null;
    }

    /** Colour unless NO_COLOR is set and not empty, or TERM is dumb. */
    public static boolean colorWanted(Map<String, String> env) {
        String noColor = env.get("NO_COLOR");
        return (noColor == null || noColor.isEmpty()) && !"dumb".equals(env.get("TERM"));
    }

    private String paint(String colour, String text) {
        return color ? colour + text + RESET : text;
    }

    private static String key(Descriptor d) {
        return d.digest() == null ? "?" : d.digest().toString();
    }

    @Override
    public synchronized void blobStarted(Descriptor d, CopyBlob.Kind kind) {
        String hex = d.digest() == null ? "" : d.digest().hex();
        String label = (kind == CopyBlob.Kind.CONFIG ? "Copying config " : "Copying blob ") + d.digest().algorithm().ociName() + ":"
                + hex.substring(0, Math.min(12, hex.length()));
        lines.putIfAbsent(key(d), new Line(label, d.size()));
        draw(false);
    }

    @Override
    public synchronized void blobProgress(Descriptor d, long bytes) {
        Line l = lines.get(key(d));
        if (l != null) {
            l.done += bytes;
        }
        draw(false);
    }

    @Override
    public synchronized void blobResumed(Descriptor d, long offset) {
        Line l = lines.get(key(d));
        if (l != null) {
            // the position now (below what was shown when an upload starts again: the same bytes are read a second time)
            l.resumedFrom = offset;
            l.done = offset;
        }
        draw(true);
    }

    @Override
    public synchronized void blobDone(Descriptor d, boolean reused) {
        Line l = lines.get(key(d));
        if (l != null) {
            l.state = reused ? "skipped: already exists" : "done";
            l.finished = System.nanoTime();
        }
        draw(true);
    }

    @Override
    public synchronized void manifestWritten(RawManifest m) {
        draw(true);
        err.println("Writing manifest " + m.digest());
        drawnLines = 0;
        lines.clear();
        err.flush();
    }

    private void draw(boolean force) {
        long now = System.nanoTime();
        if (!force && now - lastDraw < 200_000_000L) {
            return;
        }
        lastDraw = now;
        StringBuilder sb = new StringBuilder();
        if (drawnLines > 0) {
            sb.append("\033[").append(drawnLines).append('A');
        }
        List<Line> all = new ArrayList<>(lines.values());
        for (Line l : all) {
            sb.append('\r').append(l.label).append(' ');
            if (l.state != null && l.state.startsWith("skipped")) {
                sb.append(paint(YELLOW, l.state));
            } else {
                long end = l.state != null ? l.finished : now;
                double secs = Math.max(1e-3, (end - l.started) / 1e9);
                sb.append(Output.bytes(l.done));
                if (l.total > 0) {
                    sb.append(" / ").append(Output.bytes(l.total)).append(String.format(" %3d%%", Math.min(100, l.done * 100 / l.total)));
                }
                sb.append("  ").append(Output.bytes((long) (Math.max(0, l.done - Math.max(0, l.resumedFrom)) / secs))).append("/s");
                if (l.resumedFrom >= 0) {
                    sb.append("  ").append(paint(YELLOW, l.resumedFrom == 0 ? "started again" : "resumed at " + Output.bytes(l.resumedFrom)));
                }
                if (l.state != null) {
                    sb.append("  ").append(paint(GREEN, l.state));
                }
            }
            sb.append("\033[K\n");
        }
        drawnLines = all.size();
        err.print(sb);
        err.flush();
    }

    /** Seconds since the copy started. */
    public double elapsed() {
        return (System.nanoTime() - start) / 1e9;
    }
}
