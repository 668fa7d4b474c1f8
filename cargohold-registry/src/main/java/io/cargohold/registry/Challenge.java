package io.cargohold.registry;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One {@code WWW-Authenticate} challenge: {@code Basic realm="…"} or
 * {@code Bearer realm="…",service="…",scope="…"} (RFC 7235 auth-params, quoted or not).
 */
record Challenge(String scheme, Map<String, String> params) {
    /**
     * The challenge to answer among a response's {@code WWW-Authenticate} headers: the first Basic or Bearer one,
     * as containers/image picks it (a registry may offer another scheme first, e.g. Negotiate); the first header's
     * when none is (so an unsupported scheme is what the error names); null without any.
     */
    static Challenge of(java.net.http.HttpHeaders headers) {
        Challenge first = null;
        for (String h : headers.allValues("WWW-Authenticate")) {
            Challenge c = parse(h);
            if (c != null && (c.basic() || c.bearer())) {
                return c;
            }
            if (first == null) {
                first = c;
            }
        }
        return first;
    }

    static Challenge parse(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String h = header.trim();
        int sp = h.indexOf(' ');
        String scheme = (sp < 0 ? h : h.substring(0, sp)).toLowerCase(Locale.ROOT);
        Map<String, String> params = new LinkedHashMap<>();
        int i = sp < 0 ? h.length() : sp + 1;
        while (i < h.length()) {
            while (i < h.length() && (h.charAt(i) == ' ' || h.charAt(i) == ',')) {
                i++;
            }
            int eq = h.indexOf('=', i);
            if (eq < 0) {
                break;
            }
            String key = h.substring(i, eq).trim().toLowerCase(Locale.ROOT);
            i = eq + 1;
            StringBuilder v = new StringBuilder();
            if (i < h.length() && h.charAt(i) == '"') {
                i++;
                while (i < h.length() && h.charAt(i) != '"') {
                    if (h.charAt(i) == '\\' && i + 1 < h.length()) {
                        i++;
                    }
                    v.append(h.charAt(i++));
                }
                i++;
            } else {
                while (i < h.length() && h.charAt(i) != ',') {
                    v.append(h.charAt(i++));
                }
            }
            params.put(key, v.toString().trim());
        }
        return new Challenge(scheme, params);
    }

    boolean bearer() {
        return scheme.equals("bearer");
    }

    boolean basic() {
        return scheme.equals("basic");
    }
}
