package io.cargohold.testkit;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the SIGKILLs of a crash test landed. A worker prints {@code BEGIN <operation>} before each
 * call that changes the store and {@code END} after it returns (flushed per line, read to the end by
 * {@link ChildJvm#kill()}); a kill whose worker's last such line is a {@code BEGIN} landed in the
 * middle of that operation. A crash test that never interrupts an operation proves nothing, so the
 * tests assert {@link #midOperation()} is not zero instead of printing it.
 */
public final class KillTally {
    private int kills;
    private int midOperation;
    private final Map<String, Integer> byOperation = new TreeMap<>();

    /** Classifies one kill from the killed worker's whole stdout. Returns the operation, or null when between operations. */
    public String record(List<String> output) {
        kills++;
        for (int i = output.size() - 1; i >= 0; i--) {
            String l = output.get(i);
            if (l.equals("END")) {
                return null;
            }
            if (l.startsWith("BEGIN ")) {
                String op = l.substring("BEGIN ".length());
                midOperation++;
                byOperation.merge(op, 1, Integer::sum);
                return op;
            }
        }
        return null;
    }

    public int kills() {
        return kills;
    }

    public int midOperation() {
        return midOperation;
    }

    /** How many kills landed in the middle of {@code operation}. */
    public int during(String operation) {
        return byOperation.getOrDefault(operation, 0);
    }

    /** e.g. "12 kills, 9 mid-operation (createLayer 2, put 7)". */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(kills + " kills, " + midOperation + " mid-operation");
        if (!byOperation.isEmpty()) {
            b.append(" (");
            byOperation.forEach((k, v) -> b.append(b.charAt(b.length() - 1) == '(' ? "" : ", ").append(k).append(' ').append(v));
            b.append(')');
        }
        return b.toString();
    }
}
