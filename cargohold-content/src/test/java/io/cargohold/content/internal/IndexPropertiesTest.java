package io.cargohold.content.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.content.BlobInfo;
import io.cargohold.content.BlobQuery;
import io.cargohold.content.KvRecord;
import io.cargohold.content.PutOptions;
import io.cargohold.digest.Digest;
import io.cargohold.digest.DigestAlgorithm;
import io.cargohold.digest.DigestPrefix;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeTry;

/** Model-based properties: the store against plain Java collections. */
class IndexPropertiesTest {
    Path root;
    LocalBlobStore store;

    @BeforeTry
    void open() throws IOException {
        root = Files.createTempDirectory("cargohold-prop");
        store = TestStores.openFast(root);
    }

    @AfterTry
    void close() {
        store.close();
        TestStores.deleteTree(root);
    }

    // ------------------------------------------------------------ prefix resolution

    @Provide
    Arbitrary<List<Digest>> digestSets() {
        // Short alphabets make shared prefixes (and so ambiguity) common.
        Arbitrary<Digest> d256 = Arbitraries.strings().withChars("0123ab").ofLength(4)
                .map(p -> new Digest(DigestAlgorithm.SHA256, p + "0".repeat(60)));
        Arbitrary<Digest> d512 = Arbitraries.strings().withChars("0123ab").ofLength(4)
                .map(p -> new Digest(DigestAlgorithm.SHA512, p + "1".repeat(124)));
        return Arbitraries.oneOf(d256, d512).list().ofMaxSize(40).uniqueElements();
    }

    @Provide
    Arbitrary<String> prefixes() {
        Arbitrary<String> hex = Arbitraries.strings().withChars("0123ab").ofMinLength(1).ofMaxLength(5);
        return Combinators.combine(Arbitraries.of("", "sha256:", "sha512:"), hex).as(String::concat);
    }

    @Property(tries = 150)
    void resolveAgreesWithAScanOfAllDigests(@ForAll("digestSets") List<Digest> digests, @ForAll("prefixes") String prefix)
            throws IOException {
        List<BlobInfo> rows = new ArrayList<>();
        for (Digest d : digests) {
            rows.add(new BlobInfo(d, 1, null, Instant.EPOCH));
        }
        store.index().insertBlobs(rows);
        DigestPrefix p = DigestPrefix.parse(prefix);
        List<Digest> model = digests.stream().filter(p::matches).sorted().toList();
        if (model.isEmpty()) {
            assertThrows(NotFoundException.class, () -> store.resolve(p));
        } else if (model.size() == 1) {
            assertEquals(model.getFirst(), store.resolve(p));
        } else {
            var e = assertThrows(InvalidArgumentException.class, () -> store.resolve(p));
            for (Digest d : model.subList(0, Math.min(10, model.size()))) {
                assertTrue(e.getMessage().contains(d.toString()), e.getMessage());
            }
        }
        assertEquals(model, store.list(BlobQuery.all().withPrefix(p)).stream().map(BlobInfo::digest).sorted().toList());
    }

    // ------------------------------------------------------------ key/value records and blob data

    sealed interface Op permits PutRec, RemoveRec, SetData, RemoveData, RemoveBlob {
    }

    record PutRec(String ns, String key, String value, int blob) implements Op {
    }

    record RemoveRec(String ns, String key) implements Op {
    }

    record SetData(int blob, String name, String value) implements Op {
    }

    record RemoveData(int blob, String name) implements Op {
    }

    record RemoveBlob(int blob) implements Op {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<String> ns = Arbitraries.of("refs", "tags", "r");
        Arbitrary<String> key = Arbitraries.of("a", "ab", "abc", "b", "b/c", "nginx:latest", "x\u00e9");
        Arbitrary<String> val = Arbitraries.strings().alpha().ofMaxLength(6);
        Arbitrary<Integer> blob = Arbitraries.integers().between(-1, 3);
        Arbitrary<Integer> existing = Arbitraries.integers().between(0, 3);
        Arbitrary<String> name = Arbitraries.of("label", "accessed", "owner");
        Arbitrary<Op> op = Arbitraries.oneOf(
                Combinators.combine(ns, key, val, blob).as(PutRec::new),
                Combinators.combine(ns, key).as(RemoveRec::new),
                Combinators.combine(existing, name, val).as(SetData::new),
                Combinators.combine(existing, name).as(RemoveData::new),
                existing.map(RemoveBlob::new));
        return op.list().ofMaxSize(60);
    }

    @Property(tries = 60)
    void recordsAndDataBehaveLikeMaps(@ForAll("ops") List<Op> ops) throws IOException {
        Digest[] blobs = new Digest[4];
        for (int i = 0; i < blobs.length; i++) {
            blobs[i] = store.put(new ByteArrayInputStream(new byte[] {(byte) i}), PutOptions.defaults()).info().digest();
        }
        Map<String, TreeMap<String, KvRecord>> kv = new HashMap<>();
        Map<Digest, TreeMap<String, String>> data = new HashMap<>();
        TreeSet<Digest> present = new TreeSet<>(List.of(blobs));
        for (Digest d : blobs) {
            data.put(d, new TreeMap<>());
        }
        for (Op op : ops) {
            switch (op) {
                case PutRec p -> {
                    Digest target = p.blob() < 0 ? null : blobs[p.blob()];
                    if (target != null && !present.contains(target)) {
                        assertThrows(NotFoundException.class, () -> store.putRecord(p.ns(), p.key(), p.value(), target));
                    } else {
                        store.putRecord(p.ns(), p.key(), p.value(), target);
                        kv.computeIfAbsent(p.ns(), n -> new TreeMap<>()).put(p.key(), new KvRecord(p.ns(), p.key(), p.value(), target, null));
                    }
                }
                case RemoveRec r -> {
                    boolean had = kv.containsKey(r.ns()) && kv.get(r.ns()).remove(r.key()) != null;
                    assertEquals(had, store.removeRecord(r.ns(), r.key()));
                }
                case SetData s -> {
                    Digest d = blobs[s.blob()];
                    if (present.contains(d)) {
                        store.setData(d, s.name(), s.value());
                        data.get(d).put(s.name(), s.value());
                    } else {
                        assertThrows(NotFoundException.class, () -> store.setData(d, s.name(), s.value()));
                    }
                }
                case RemoveData r -> {
                    Digest d = blobs[r.blob()];
                    boolean had = present.contains(d) && data.get(d).remove(r.name()) != null;
                    assertEquals(had, store.removeData(d, r.name()));
                }
                case RemoveBlob r -> {
                    Digest d = blobs[r.blob()];
                    boolean referenced = kv.values().stream().flatMap(m -> m.values().stream()).anyMatch(x -> d.equals(x.blob()));
                    if (!present.contains(d)) {
                        assertThrows(NotFoundException.class, () -> store.delete(d));
                    } else if (referenced) {
                        assertThrows(io.cargohold.errors.FailedPreconditionException.class, () -> store.delete(d));
                    } else {
                        store.delete(d);
                        present.remove(d);
                        data.get(d).clear();
                    }
                }
            }
        }
        for (String ns : List.of("refs", "tags", "r")) {
            TreeMap<String, KvRecord> m = kv.getOrDefault(ns, new TreeMap<>());
            List<KvRecord> actual = store.listRecords(ns, "");
            assertEquals(new ArrayList<>(m.keySet()), actual.stream().map(KvRecord::key).toList());
            for (KvRecord r : actual) {
                assertEquals(m.get(r.key()).value(), r.value());
                assertEquals(m.get(r.key()).blob(), r.blob());
            }
            for (String prefix : List.of("a", "ab", "b/", "n", "zz")) {
                assertEquals(m.keySet().stream().filter(k -> k.startsWith(prefix)).toList(),
                        store.listRecords(ns, prefix).stream().map(KvRecord::key).toList());
            }
            assertEquals(Optional.ofNullable(m.get("a")).map(KvRecord::value), store.getRecord(ns, "a").map(KvRecord::value));
        }
        long dataRows = 0;
        for (Digest d : blobs) {
            assertEquals(present.contains(d), store.contains(d));
            assertEquals(data.get(d), new TreeMap<>(store.listData(d)));
            dataRows += data.get(d).size();
        }
        assertEquals(dataRows, store.stats().dataRecords());
    }
}
