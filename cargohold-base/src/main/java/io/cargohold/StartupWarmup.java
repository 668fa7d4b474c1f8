package io.cargohold;

import java.math.BigDecimal;

/**
 * Starts, on a second thread, the one JDK class initialisation that costs a short command the most,
 * so it runs while the main thread opens the store instead of after: {@link BigDecimal}, whose static
 * initialiser in JDK 25 computes 5^(2^i) for i &lt; 17 (the {@code FIVE_TO_2_TO} table, numbers of up
 * to 152,000 bits; 15-80 ms of interpreted and C1 code on this machine), and which every JSON read
 * needs (jackson-core's parser base class holds BigDecimal constants). Called first thing by the CLIs'
 * {@code main} (not by their in-process {@code run}, which tests and the AOT training call). A thread
 * that reaches BigDecimal meanwhile waits for the initialisation to finish (the JVM's class
 * initialisation lock), so nothing runs twice; BigDecimal's initialiser needs only BigInteger, whose
 * own does not need BigDecimal, so the two threads cannot wait on each other.
 * {@code -Dcargohold.nowarmup=true} turns it off (to measure what it saves). The launchers ask for more
 * for the commands that need it: {@code cargohold.warmup.native} (the FFM call stub),
 * {@code cargohold.warmup.calendar} (the time zone and calendar data a SQLite connection's date format
 * needs), {@code cargohold.warmup.dateformat} (the date format jackson-databind's first ObjectMapper makes),
 * {@code cargohold.warmup.digest} (below) and {@code cargohold.warmup.sha256} (the security providers
 * and SHA-256 alone); {@code cargohold.warmup.bigdecimal=false} leaves BigDecimal out, for the commands that
 * parse no JSON (cargohold status, blob ls, blob get), where it only took CPU from the other core. With
 * the calendar data and SHA-256 (the quick reads list and blob get) the work is split over two threads
 * ({@code cargohold.warmup.onethread=true}: one, to measure what the second saves).
 */
public final class StartupWarmup {
    private StartupWarmup() {
    }

    /**
     * SHA-256 runs at full speed only once C2 has compiled the JDK's digest loop (its SHA-NI/AVX2 intrinsic);
     * until then a blob is hashed by interpreted and C1 code at a tenth of the speed. Measured on a pull of a
     * 430 MiB image, C2 got there ~0.6 s after the first layer bytes arrived, so the first ~100 MB were hashed
     * slowly. bin/cargohold sets {@code cargohold.warmup.digest} for the commands that hash content (with a low
     * compile threshold for the digest code): this thread then hashes 1 MiB, enough to cross that threshold,
     * while the main thread is still starting (a few tens of ms of CPU on the other core; 4 MiB cost ~70 ms),
     * and C2 compiles the loop before the first blob arrives.
     */
    private static void warmDigest() {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            byte[] b = new byte[16 << 10];
            for (int i = 0; i < 64; i++) {
                md.update(b);
            }
            md.digest();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether {@link #begin} ran (a CLI's main) and made, or is making, the FFM call stub. */
    private static volatile boolean begun;
    private static volatile boolean nativesStarted;

    /**
     * For a command whose arguments say, once parsed, that it will call libc (containers-storage's
     * {@code create-layer} with a parent copies the parent's tree; without one it makes no native call,
     * and a launcher cannot tell the two apart without parsing the command's options): makes the FFM call
     * stub on a thread of its own while the main thread opens the store. Does nothing unless {@link #begin}
     * ran in this process (so in-process runs, tests and the AOT training, start no thread) or when the
     * launcher already asked {@link #begin} for it ({@code cargohold.warmup.native}).
     */
    public static void nativeCalls() {
        if (!begun || nativesStarted) {
            return;
        }
        nativesStarted = true;
        startNativeStub();
    }

    public static void begin() {
        if (Boolean.getBoolean("cargohold.nowarmup")) {
            return;
        }
        boolean digests = Boolean.getBoolean("cargohold.warmup.digest");
        boolean natives = Boolean.getBoolean("cargohold.warmup.native");
        begun = true;
        nativesStarted = natives;
        boolean calendar = Boolean.getBoolean("cargohold.warmup.calendar");
        boolean sha256 = Boolean.getBoolean("cargohold.warmup.sha256");
        boolean dateFormat = Boolean.getBoolean("cargohold.warmup.dateformat");
        boolean bigDecimal = !"false".equals(System.getProperty("cargohold.warmup.bigdecimal"));
        Runnable first = () -> {
            if (calendar) {
                // sqlite-jdbc's connection config builds a date format at every open (eager in every version): the
                // default time zone (tzdb), a Calendar and the date format symbols of the default locale (the CLDR
                // locale data), ~40-70 ms when the main thread did it. The main thread loads the driver's native
                // library meanwhile (IndexDatabase.loadDriver) and finds these made when it builds the config.
                java.util.TimeZone.getDefault();
                java.util.Calendar.getInstance();
                new java.text.DateFormatSymbols(java.util.Locale.getDefault());
            }
            if (dateFormat) {
                // jackson-databind's StdDateFormat, initialised with the first ObjectMapper (the copy engine's, before
                // its first request), makes an RFC 1123 SimpleDateFormat and a GregorianCalendar: the locale providers,
                // calendar and date-format symbols and DecimalFormat, 40-120 ms on the main thread of a pull before
                // its first connection (bench/README.md section 29.2); made here first, they are ready when it asks
                new java.text.SimpleDateFormat("EEE, dd MMM yyyy HH:mm:ss zzz", java.util.Locale.US)
                        .setTimeZone(java.util.TimeZone.getTimeZone("UTC"));
                new java.util.GregorianCalendar(java.util.TimeZone.getTimeZone("UTC"), java.util.Locale.US);
            }
        };
        Runnable second = () -> {
            if (bigDecimal) {
                BigDecimal.ONE.signum();
            }
            if (digests) {
                warmDigest();
            } else if (sha256) {
                // the JDK's security providers and SHA-256's classes (~10-15 ms), for a short command that verifies
                // the few blobs it reads (cargohold list, blob get)
                try {
                    java.security.MessageDigest.getInstance("SHA-256").digest();
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        if (natives) {
            // the process's one FFM call stub (io.cargohold.fs.Libc), ~15 ms to generate, made on a thread of its own
            // while the main thread reads storage.conf and opens the store; the main thread's handles then reuse it.
            // Not before BigDecimal on one thread: the main thread needs BigDecimal first (its first JSON or TOML
            // parse, a few ms after main starts), and the stub only at its first native call, much later
            startNativeStub();
        }
        if (calendar && sha256 && !Boolean.getBoolean("cargohold.warmup.onethread")) {
            // A quick read that verifies blobs (cargohold list, blob get) waits for the calendar data before its
            // first query, then for BigDecimal at its first JSON and for SHA-256; on one thread these came ~20 ms
            // after the calendar data, while the main thread, having loaded SQLite's library, had nothing to do: a
            // thread each, so both are ready sooner on two cores (the main thread waits on the first anyway, its
            // core then runs the second). Other commands (copy, import...) keep one thread for these, as measured there
            // (the FFM call stub has its own, above).
            start(first, "startup-warmup");
            start(second, "startup-warmup-2");
        } else {
            start(() -> {
                first.run();
                second.run();
            }, "startup-warmup");
        }
    }

    /** The process's one FFM call stub (io.cargohold.fs.Libc), made on a thread of its own. */
    private static void startNativeStub() {
        start(() -> io.cargohold.fs.Libc.function("getpid"), "startup-warmup-native");
    }

    private static void start(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }
}
