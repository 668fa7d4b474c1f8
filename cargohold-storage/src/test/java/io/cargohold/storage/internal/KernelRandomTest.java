package io.cargohold.storage.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KernelRandomTest {
    @Test
    void bytesLookRandom() {
        byte[] a = new byte[1 << 16];
        KernelRandom.fill(a);
        int[] counts = new int[256];
        for (byte x : a) {
            counts[x & 0xff]++;
        }
        // 65,536 bytes: each value ~256 times; a stuck or zero source fails this by far
        for (int i = 0; i < 256; i++) {
            assertTrue(counts[i] > 128 && counts[i] < 420, "value " + i + " seen " + counts[i] + " times");
        }
        byte[] b = new byte[32];
        byte[] c = new byte[32];
        KernelRandom.fill(b);
        KernelRandom.fill(c);
        assertFalse(Arrays.equals(b, c));
        KernelRandom.fill(new byte[0]);
    }

    @Test
    void asRandomDrawsFromTheKernel() {
        Random r = KernelRandom.asRandom();
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            int v = r.nextInt(10);
            assertTrue(v >= 0 && v < 10);
            seen.add(v);
        }
        assertEquals(10, seen.size());
        // two instances are not seeded alike (a java.util.Random with equal seeds would be)
        byte[] x = new byte[32];
        byte[] y = new byte[32];
        KernelRandom.asRandom().nextBytes(x);
        KernelRandom.asRandom().nextBytes(y);
        assertFalse(Arrays.equals(x, y));
    }
}
