package io.cargohold.cli;

import java.io.PrintStream;
import java.util.function.LongConsumer;

/** A one-line progress display on a terminal's stderr, redrawn at most five times a second. */
public final class Progress implements LongConsumer {
    private final PrintStream err;
    private final String label;
    private final long total;
    private long lastDraw;
    private boolean drawn;

    private Progress(PrintStream err, String label, long total) {
        this.err = err;
        this.label = label;
        this.total = total;
    }

    /** A progress display when stderr is a terminal, else null (quiet). */
    public static Progress forTerminal(PrintStream err, String label, long total) {
        var console = System.console();
        return console != null && console.isTerminal() ? new Progress(err, label, total) : null;
    }

    @Override
    public void accept(long done) {
        long now = System.nanoTime();
        if (now - lastDraw < 200_000_000L) {
            return;
        }
        lastDraw = now;
        drawn = true;
        String pct = total > 0 ? String.format(" %3d%%", done * 100 / total) : "";
        err.print("\r" + label + " " + Output.bytes(done) + (total > 0 ? " / " + Output.bytes(total) : "") + pct + "   ");
        err.flush();
    }

    public void finish() {
        if (drawn) {
            err.print("\r\033[K");
            err.flush();
        }
    }
}
