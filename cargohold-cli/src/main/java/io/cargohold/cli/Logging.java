package io.cargohold.cli;

import java.util.List;
import java.util.Locale;

/**
 * The CLI's log level, as podman's {@code --log-level} / {@code --debug}: the library logs through the
 * JDK's {@link System.Logger}, which {@code slf4j-jdk-platform-logging} routes to SLF4J's simple
 * backend, printing to stderr. That backend reads its level once, when the first logger is made, so
 * {@link #configure} runs before anything else and only sets what the user did not set with
 * {@code -Dorg.slf4j.simpleLogger.*}. By default only errors are printed (nothing in normal use).
 */
public final class Logging {
    /** podman's levels; warning means warn, fatal and panic mean error here. */
    public static final List<String> LEVELS = List.of("trace", "debug", "info", "warn", "warning", "error", "fatal", "panic");

    private Logging() {
    }

    /** The level {@code args} ask for ({@code --debug}, {@code --log-level L}, {@code --log-level=L}), else "error". */
    static String requested(String... args) {
        String level = "error";
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                break;
            } else if (a.equals("--debug")) {
                level = "debug";
            } else if (a.equals("--log-level") && i + 1 < args.length) {
                level = args[++i];
            } else if (a.startsWith("--log-level=")) {
                level = a.substring("--log-level=".length());
            }
        }
        return level.toLowerCase(Locale.ROOT);
    }

    /** SLF4J simple's name for a podman level; null for an unknown one (picocli then reports it). */
    static String backendLevel(String level) {
        return switch (level) {
            case "trace", "debug", "info", "warn", "error" -> level;
            case "warning" -> "warn";
            case "fatal", "panic" -> "error";
            default -> null;
        };
    }

    static void configure(String... args) {
        // SLF4J's provider named, so LoggerFactory does not look for one with a ServiceLoader over the whole
        // class path (every jar opened: ~10-30 ms of CPU when SQLite's driver makes its first logger at each
        // start); its INFO line saying so ("Attempting to load provider ...") is not printed. SLF4J simple
        // then reads simplelogger.properties, which this module's jar holds (empty) so that the lookup
        // ends in the first jar of the class path.
        setIfAbsent("slf4j.provider", "org.slf4j.simple.SimpleServiceProvider");
        setIfAbsent("slf4j.internal.verbosity", "WARN");
        String level = backendLevel(requested(args));
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", level == null ? "error" : level);
        // the library's loggers are not even made for lower levels (io.cargohold.logging.LazyLogger): the first
        // logger of a process costs ~25 ms (the LoggerFinder's class-path scan and SLF4J's start)
        setIfAbsent(io.cargohold.logging.LazyLogger.LEVEL_PROPERTY, level == null ? "error" : level);
        setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
        setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
        setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
        setIfAbsent("org.slf4j.simpleLogger.levelInBrackets", "true");
        boolean times = level != null && (level.equals("debug") || level.equals("trace"));
        setIfAbsent("org.slf4j.simpleLogger.showDateTime", times ? "true" : "false");
        if (times) {
            // only then: SLF4J simple builds its SimpleDateFormat (a Calendar with the locale data, ~15-20 ms) when a
            // format is set, shown or not - and Runtime.exit makes a logger in every process
            setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
        }
        // the JDK's own loggers (Runtime.exit's stack trace at debug, the HTTP client) stay quiet below info
        for (String jdk : List.of("java", "javax", "jdk", "sun")) {
            setIfAbsent("org.slf4j.simpleLogger.log." + jdk, "info");
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
