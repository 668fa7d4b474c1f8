package io.cargohold.logging;

import java.lang.System.Logger.Level;
import java.util.Locale;

/**
 * A {@link System.Logger} made on first use, and not at all for a message below the level the
 * application announced in the system property {@value #LEVEL_PROPERTY}.
 *
 * <p>Why: the first {@code System.getLogger} of a process finds the {@code System.LoggerFinder} (a service
 * scan of the class path) and starts its backend (for the CLI, SLF4J's simple logger): ~25 ms of a
 * {@code cargohold copy}'s start (bench/README.md section 27.3), paid for debug lines nobody asked for. The
 * CLI sets the property from {@code --log-level}/{@code --debug} (default {@code error}); a library user
 * who does not set it gets every message to the JDK's logger as before.
 */
public final class LazyLogger {
    /** The least severe level an application wants logged: trace, debug, info, warn(ing), error or off. */
    public static final String LEVEL_PROPERTY = "cargohold.log.level";

    private final String name;
    private volatile System.Logger logger;

    private LazyLogger(String name) {
        this.name = name;
    }

    public static LazyLogger of(String name) {
        return new LazyLogger(name);
    }

    public static LazyLogger of(Class<?> c) {
        return new LazyLogger(c.getName());
    }

    /** Whether a message at {@code level} would be logged (makes the logger unless the level is below the announced one). */
    public boolean isLoggable(Level level) {
        Level min = threshold(System.getProperty(LEVEL_PROPERTY));
        if (min != null && (min == Level.OFF || level.getSeverity() < min.getSeverity())) {
            return false;
        }
        return logger().isLoggable(level);
    }

    /** As {@link System.Logger#log(Level, String, Object...)}. */
    public void log(Level level, String format, Object... params) {
        if (isLoggable(level)) {
            logger().log(level, format, params);
        }
    }

    /** As {@link System.Logger#log(Level, String)}. */
    public void log(Level level, String message) {
        if (isLoggable(level)) {
            logger().log(level, message);
        }
    }

    /** As {@link System.Logger#log(Level, java.util.function.Supplier)}: the message is made only when logged. */
    public void log(Level level, java.util.function.Supplier<String> message) {
        if (isLoggable(level)) {
            logger().log(level, message);
        }
    }

    /** As {@link System.Logger#log(Level, String, Throwable)}. */
    public void log(Level level, String message, Throwable thrown) {
        if (isLoggable(level)) {
            logger().log(level, message, thrown);
        }
    }

    private System.Logger logger() {
        System.Logger l = logger;
        if (l == null) {
            // one thread at a time: the first logger starts the backend, and SLF4J hands a thread that asks while
            // another is starting it a stand-in logger, which can drop that thread's messages (a copy's first
            // debug lines come from parallel layer copies)
            synchronized (LazyLogger.class) {
                l = logger;
                if (l == null) {
                    l = logger = System.getLogger(name);
                }
            }
        }
        return l;
    }

    /** The level a property value names; null when unset or unknown (then nothing is filtered here). */
    static Level threshold(String value) {
        if (value == null) {
            return null;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "trace" -> Level.TRACE;
            case "debug" -> Level.DEBUG;
            case "info" -> Level.INFO;
            case "warn", "warning" -> Level.WARNING;
            case "error", "fatal", "panic" -> Level.ERROR;
            case "off" -> Level.OFF;
            default -> null;
        };
    }
}
