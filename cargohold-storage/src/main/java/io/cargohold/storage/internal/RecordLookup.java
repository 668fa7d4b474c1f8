package io.cargohold.storage.internal;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/** What the three record stores share: upstream's lookup order, name rules, random IDs and the clock. */
final class RecordLookup {
    private RecordLookup() {
    }

    /** Upstream's lookup: exact ID, then exact name, then {@code alt} (a container's layer), then a unique ID prefix. */
    static <R> R lookup(List<R> records, String key, Function<R, String> id, Function<R, List<String>> names,
                        Function<R, String> alt) {
        if (key == null || key.isEmpty()) {
            return null;
        }
        for (R r : records) {
            if (id.apply(r).equals(key)) {
                return r;
            }
        }
        for (R r : records) {
            if (names.apply(r).contains(key)) {
                return r;
            }
        }
        if (alt != null) {
            for (R r : records) {
                if (key.equals(alt.apply(r))) {
                    return r;
                }
            }
        }
        R found = null;
        for (R r : records) {
            if (id.apply(r).startsWith(key)) {
                if (found != null) {
                    return null;
                }
                found = r;
            }
        }
        return found;
    }

    /**
     * A name on two records: as upstream's load under a write lock, the name stays on the last record
     * holding it (and the file is saved by the next write).
     */
    static <R> List<R> dedupeNames(List<R> records, Function<R, List<String>> names) {
        java.util.Map<String, R> owner = new java.util.HashMap<>();
        for (R r : records) {
            for (String n : names.apply(r)) {
                owner.put(n, r);
            }
        }
        for (R r : records) {
            names.apply(r).removeIf(n -> owner.get(n) != r);
        }
        return records;
    }

    static String generateId(Predicate<String> taken) {
        while (true) {
            byte[] b = new byte[32];
            KernelRandom.fill(b);
            String id = HexFormat.of().formatHex(b);
            if (id.substring(0, 12).chars().allMatch(Character::isDigit) || taken.test(id)) {
                continue;
            }
            return id;
        }
    }

    static List<String> dedupe(List<String> names) {
        return names == null ? new ArrayList<>() : new ArrayList<>(new LinkedHashSet<>(names));
    }

    static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }

    /** Sets {@code target}'s names to {@code wanted} (or adds them), taking them off every other record. */
    static <R> void moveNames(List<R> all, R target, Function<R, List<String>> names, List<String> wanted, boolean add) {
        for (R other : all) {
            if (other != target) {
                names.apply(other).removeAll(wanted);
            }
        }
        List<String> mine = names.apply(target);
        if (!add) {
            mine.clear();
        }
        for (String n : wanted) {
            if (!mine.contains(n)) {
                mine.add(n);
            }
        }
    }

    /** Sets or adds names, or (with {@code first}) puts the new names before the record's old ones. */
    static <R> void updateNames(List<R> all, R target, Function<R, List<String>> names, List<String> wanted, boolean add, boolean first) {
        if (first) {
            List<String> combined = new ArrayList<>(wanted);
            combined.addAll(names.apply(target));
            moveNames(all, target, names, dedupe(combined), false);
        } else {
            moveNames(all, target, names, wanted, add);
        }
    }
}
