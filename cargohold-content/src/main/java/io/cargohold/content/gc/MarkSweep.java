package io.cargohold.content.gc;

import io.cargohold.digest.Digest;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/** The pure part of garbage collection: reachability over any graph of digests. Knows no storage. */
public final class MarkSweep {
    private MarkSweep() {
    }

    /** Children of a node; absent nodes have none. */
    @FunctionalInterface
    public interface Edges {
        Set<Digest> children(Digest node) throws IOException;
    }

    /** Everything reachable from {@code roots} (the roots included), breadth first; cycles are fine. */
    public static Set<Digest> mark(Collection<Digest> roots, Edges edges) throws IOException {
        Set<Digest> seen = new HashSet<>();
        Deque<Digest> todo = new ArrayDeque<>();
        for (Digest r : roots) {
            if (seen.add(r)) {
                todo.add(r);
            }
        }
        while (!todo.isEmpty()) {
            for (Digest c : edges.children(todo.poll())) {
                if (seen.add(c)) {
                    todo.add(c);
                }
            }
        }
        return seen;
    }

    /** Calls {@code remove} for every node of {@code all} that is not reachable; returns how many. */
    public static <T> int sweep(Map<Digest, T> all, Set<Digest> reachable, Consumer<Map.Entry<Digest, T>> remove) {
        int n = 0;
        for (Map.Entry<Digest, T> e : all.entrySet()) {
            if (!reachable.contains(e.getKey())) {
                remove.accept(e);
                n++;
            }
        }
        return n;
    }
}
