package io.cargohold.storage.config;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;

/** Go's {@code os.Expand} (as os.ExpandEnv uses it) and {@code filepath.Clean}, which upstream applies to configured paths. */
final class GoEnv {
    private GoEnv() {
    }

    /** {@code os.Expand(s, env lookup)}: {@code $NAME}, {@code ${NAME}} and the single-character shell specials; unset is empty. */
    static String expand(String s, Map<String, String> env) {
        StringBuilder b = new StringBuilder();
        int i = 0;
        for (int j = 0; j < s.length(); j++) {
            if (s.charAt(j) == '$' && j + 1 < s.length()) {
                b.append(s, i, j);
                String rest = s.substring(j + 1);
                String name;
                int w;
                if (rest.charAt(0) == '{') {
                    if (rest.length() > 2 && special(rest.charAt(1)) && rest.charAt(2) == '}') {
                        name = rest.substring(1, 2);
                        w = 3;
                    } else {
                        int close = rest.indexOf('}', 1);
                        if (close < 0) {
                            name = "";
                            w = 1; // bad syntax: Go eats the "{"
                        } else if (close == 1) {
                            name = "";
                            w = 2; // "${}": Go eats it
                        } else {
                            name = rest.substring(1, close);
                            w = close + 1;
                        }
                    }
                } else if (special(rest.charAt(0))) {
                    name = rest.substring(0, 1);
                    w = 1;
                } else {
                    int k = 0;
                    while (k < rest.length() && (Character.isLetterOrDigit(rest.charAt(k)) && rest.charAt(k) < 128 || rest.charAt(k) == '_')) {
                        k++;
                    }
                    name = rest.substring(0, k);
                    w = k;
                }
                if (name.isEmpty() && w > 0) {
                    // invalid syntax: the characters are eaten
                } else if (name.isEmpty()) {
                    b.append('$');
                } else {
                    b.append(env.getOrDefault(name, ""));
                }
                j += w;
                i = j + 1;
            }
        }
        b.append(s, Math.min(i, s.length()), s.length());
        return b.toString();
    }

    private static boolean special(char c) {
        return c == '*' || c == '#' || c == '$' || c == '@' || c == '!' || c == '?' || c == '-' || c >= '0' && c <= '9';
    }

    /** {@code filepath.Clean}. */
    static String clean(String p) {
        if (p.isEmpty()) {
            return ".";
        }
        boolean abs = p.startsWith("/");
        Deque<String> out = new ArrayDeque<>();
        for (String part : p.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!out.isEmpty() && !out.peekLast().equals("..")) {
                    out.removeLast();
                } else if (!abs) {
                    out.addLast("..");
                }
            } else {
                out.addLast(part);
            }
        }
        String joined = String.join("/", out);
        if (abs) {
            return "/" + joined;
        }
        return joined.isEmpty() ? "." : joined;
    }
}
