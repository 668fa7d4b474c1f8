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
 * {@code -Dcargohold.nowarmup=true} turns it off (to measure what it saves).
 */
public final class StartupWarmup {
    private StartupWarmup() {
    }

    public static void begin() {
        if (Boolean.getBoolean("cargohold.nowarmup")) {
            return;
        }
        Thread t = new Thread(() -> BigDecimal.ONE.signum(), "startup-warmup");
        t.setDaemon(true);
        t.start();
    }
}
