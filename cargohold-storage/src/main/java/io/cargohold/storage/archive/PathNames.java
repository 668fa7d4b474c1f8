package io.cargohold.storage.archive;

import java.util.ArrayList;
import java.util.List;

/** Go's {@code path/filepath.Clean} and friends, on the strings of tar entry names. */
final class PathNames {
    private PathNames() {
    }

    /** filepath.Clean: lexical; "" becomes "."; a rooted path stays rooted and ".." at the root is dropped. */
    static String clean(String p) {
        if (p.isEmpty()) {
            return ".";
        }
        boolean rooted = p.charAt(0) == '/';
        List<String> out = new ArrayList<>();
        int dotdots = 0; // leading ".." kept for relative paths
        for (String c : p.split("/")) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (out.size() > dotdots) {
                    out.remove(out.size() - 1);
                } else if (!rooted) {
                    out.add("..");
                    dotdots++;
                }
                continue;
            }
            out.add(c);
        }
        String joined = String.join("/", out);
        if (rooted) {
            return "/" + joined;
        }
        return joined.isEmpty() ? "." : joined;
    }

    /**
     * The path of an entry relative to the layer root, as upstream's {@code filepath.Join(dest, name)}
     * places it ("." for the root; absolute names land inside the root), or null when the name climbs
     * out of the root with "..".
     */
    static String relative(String name) {
        String c = clean(name);
        if (c.equals("..") || c.startsWith("../")) {
            return null;
        }
        if (c.startsWith("/")) {
            c = c.length() == 1 ? "." : c.substring(1);
        }
        return c;
    }

    static String base(String rel) {
        int i = rel.lastIndexOf('/');
        return i < 0 ? rel : rel.substring(i + 1);
    }

    /** The parent of a relative path ("" for top-level names). */
    static String parent(String rel) {
        int i = rel.lastIndexOf('/');
        return i < 0 ? "" : rel.substring(0, i);
    }
}
