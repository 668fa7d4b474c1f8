package io.cargohold.storage.archive;

import io.cargohold.storage.IdMap;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Layer content as tar streams, as containers/storage v1.43.0's naive diff driver writes them: the changes
 * against a parent ({@code archive.ExportChanges}) or, for a layer without a parent, the whole tree
 * ({@code archive.TarWithOptions}). Entries are built as upstream's {@code addTarFile}: lstat'ed, sockets
 * left out, mode with permission, setuid/setgid/sticky and file type bits, owners mapped host to container
 * when maps are given, user and group names of the host IDs, modification time truncated to the second,
 * device numbers, {@code security.capability}, {@code security.ima} and {@code user.*} extended attributes as
 * PAX {@code SCHILY.xattr.NAME} records, and every name after the first of a multiply-linked inode as a hard
 * link to that first name. As upstream, an entry that cannot be read is left out rather than failing the
 * stream.
 */
public final class TreeArchiver {
    private TreeArchiver() {
    }

    /**
     * Writes {@code changes} of {@code dir} as a layer diff: in path order, a deletion as an empty regular
     * entry {@code DIR/.wh.NAME} (mode 0, owner 0, time now), anything else as the entry at that path. The
     * stream is finished (end-of-archive blocks) but {@code out} is not closed.
     */
    public static void exportChanges(Path dir, List<Change> changes, List<IdMap> uidMap, List<IdMap> gidMap,
            OutputStream out) throws IOException {
        List<Change> sorted = new ArrayList<>(changes);
        // not Comparator.comparing: its lambda is serializable, which the AOT cache does not keep
        sorted.sort((a, b) -> TreeChanges.PATH_ORDER.compare(a.path(), b.path()));
        TarSink sink = new TarSink(out);
        Map<Long, String> seen = new HashMap<>();
        UserNames names = UserNames.load();
        for (Change c : sorted) {
            if (c.kind() == Change.Kind.DELETE) {
                String p = c.path();
                int slash = p.lastIndexOf('/');
                String whiteout = p.substring(0, slash + 1) + ".wh." + p.substring(slash + 1);
                Entry h = new Entry();
                h.name = whiteout.substring(1);
                h.type = Entry.REG;
                h.mode = 0;
                // Go's writer rounds an unformatted header's time to the second.
                Instant now = Instant.now();
                h.mtimeSec = now.getEpochSecond() + (now.getNano() >= 500_000_000 ? 1 : 0);
                sink.write(h, null);
            } else {
                addTarFile(sink, TreeChanges.resolve(dir, c.path()), c.path().substring(1), uidMap, gidMap, seen,
                        names, null);
            }
        }
        sink.finish();
    }

    /**
     * Writes the whole tree under {@code dir} (not the directory itself): names relative to it, directories
     * with a trailing {@code /}, each directory's entries in name byte order right after it. The stream is
     * finished but {@code out} is not closed.
     */
    public static void tarTree(Path dir, List<IdMap> uidMap, List<IdMap> gidMap, OutputStream out)
            throws IOException {
        tarTree(dir, uidMap, gidMap, null, List.of(), out);
    }

    /**
     * Upstream's overlay native diff ({@code TarWithOptions} of a layer's {@code diff/} directory with the
     * overlay whiteout converter): as {@link #tarTree(Path, List, List, OutputStream)}, whiteout devices
     * written as {@code .wh.} entries and opaque directories followed by {@code .wh..wh..opq} where
     * {@code lowerDiffs} (the lower layers' diff directories, topmost first) had the directory.
     */
    public static void tarTree(Path dir, List<IdMap> uidMap, List<IdMap> gidMap, OverlayWhiteouts overlay, List<Path> lowerDiffs,
            OutputStream out) throws IOException {
        Converter conv = overlay == null ? null : new Converter(overlay, lowerDiffs);
        TarSink sink = new TarSink(out);
        Map<Long, String> seen = new HashMap<>();
        UserNames names = UserNames.load();
        FsStat st = FsStat.lstat(dir);
        if (!st.isDir()) {
            // Upstream archives a non-directory source as the single entry of its base name.
            addTarFile(sink, dir, dir.getFileName().toString(), uidMap, gidMap, seen, names, conv);
        } else {
            walk(dir, "", sink, uidMap, gidMap, seen, names, conv);
        }
        sink.finish();
    }

    /** An overlay whiteout converter with the lower layers it looks at. */
    private record Converter(OverlayWhiteouts whiteouts, List<Path> lowerDiffs) {
    }

    private static void walk(Path dir, String prefix, TarSink sink, List<IdMap> uidMap, List<IdMap> gidMap,
            Map<Long, String> seen, UserNames names, Converter conv) throws IOException {
        List<String> children;
        try {
            children = list(dir);
        } catch (IOException e) {
            return;
        }
        for (String child : children) {
            Path p = dir.resolve(child);
            String rel = prefix + child;
            addTarFile(sink, p, rel, uidMap, gidMap, seen, names, conv);
            FsStat st;
            try {
                st = FsStat.lstat(p);
            } catch (IOException e) {
                continue;
            }
            if (st.isDir()) {
                walk(p, rel + "/", sink, uidMap, gidMap, seen, names, conv);
            }
        }
    }

    /** A directory's entry names in byte order, as Go's ReadDir sorts them. */
    static List<String> list(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                out.add(p.getFileName().toString());
            }
        }
        out.sort(TreeChanges.PATH_ORDER);
        return out;
    }

    private static void addTarFile(TarSink sink, Path path, String name, List<IdMap> uidMap, List<IdMap> gidMap,
            Map<Long, String> seen, UserNames names, Converter conv) throws IOException {
        Entry h;
        try {
            h = Entry.fromFile(path, name, uidMap, gidMap, seen, names, false);
        } catch (IOException e) {
            return;
        }
        if (h == null) {
            return;
        }
        if (conv != null) {
            Entry wo;
            try {
                wo = conv.whiteouts().convertWrite(h, path, FsStat.lstat(path), conv.lowerDiffs());
            } catch (IOException e) {
                return; // upstream logs a failed entry and goes on
            }
            if (wo != null) {
                sink.write(h, null);
                h = wo;
            }
        }
        if (h.type == Entry.REG && h.size > 0) {
            InputStream in;
            try {
                in = TarSink.open(h);
            } catch (IOException e) {
                // Upstream has written the header when it fails to open the file; the entry is then short.
                sink.write(h, null);
                return;
            }
            try (in) {
                sink.write(h, in);
            }
        } else {
            sink.write(h, null);
        }
    }
}
