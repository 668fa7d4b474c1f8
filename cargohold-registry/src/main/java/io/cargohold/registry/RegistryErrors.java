package io.cargohold.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cargohold.errors.CargoholdException;
import io.cargohold.errors.CorruptException;
import io.cargohold.errors.FailedPreconditionException;
import io.cargohold.errors.InvalidArgumentException;
import io.cargohold.errors.NotFoundException;
import io.cargohold.errors.PermissionDeniedException;
import io.cargohold.errors.UnavailableException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Distribution error bodies ({@code {"errors":[{"code","message","detail"}]}}) mapped to failure kinds
 * and messages: {@code WHAT: CODE TEXT: MESSAGE} as containers/image prints them, with the codes the
 * spec lists: UNAUTHORIZED and DENIED are permission errors, *_UNKNOWN not found, TOOMANYREQUESTS and
 * 5xx unavailable, *_INVALID invalid arguments.
 */
final class RegistryErrors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RegistryErrors() {
    }

    record Entry(String code, String message) {
    }

    static List<Entry> parse(byte[] body) {
        List<Entry> out = new ArrayList<>();
        try {
            JsonNode n = JSON.readTree(body);
            if (n != null && n.path("errors").isArray()) {
                for (JsonNode e : n.get("errors")) {
                    out.add(new Entry(e.path("code").asText(""), e.path("message").asText("")));
                }
            } else if (n != null && n.has("details")) {
                out.add(new Entry("", n.path("details").asText()));
            }
        } catch (java.io.IOException | RuntimeException notJson) {
            // a plain-text body (a proxy's, or Go's "404 page not found")
        }
        return out;
    }

    static CargoholdException of(int status, byte[] body, String what) {
        List<Entry> entries = parse(body);
        String code = entries.isEmpty() ? "" : entries.get(0).code();
        StringBuilder msg = new StringBuilder(what).append(": ");
        if (entries.isEmpty()) {
            String text = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8).strip();
            msg.append(statusText(status));
            if (!text.isEmpty() && !text.startsWith("<")) {
                msg.append(": ").append(text);
            }
        } else {
            for (int i = 0; i < entries.size(); i++) {
                Entry e = entries.get(i);
                if (i > 0) {
                    msg.append("; ");
                }
                String readable = e.code().toLowerCase(Locale.ROOT).replace('_', ' ');
                if (!readable.isEmpty()) {
                    msg.append(readable);
                }
                if (!e.message().isEmpty() && !e.message().equalsIgnoreCase(readable)) {
                    msg.append(readable.isEmpty() ? "" : ": ").append(e.message());
                }
            }
        }
        String m = msg.toString();
        return switch (code) {
            case "UNAUTHORIZED", "DENIED" -> new PermissionDeniedException(m);
            case "NAME_UNKNOWN", "MANIFEST_UNKNOWN", "BLOB_UNKNOWN", "BLOB_UPLOAD_UNKNOWN" ->
                    status == 400 ? new FailedPreconditionException(m) : new NotFoundException(m);
            case "TOOMANYREQUESTS" -> new UnavailableException(m);
            case "DIGEST_INVALID", "SIZE_INVALID" -> new CorruptException(m);
            case "MANIFEST_BLOB_UNKNOWN", "UNSUPPORTED", "BLOB_UPLOAD_INVALID", "MANIFEST_UNVERIFIED" -> new FailedPreconditionException(m);
            case "NAME_INVALID", "TAG_INVALID", "MANIFEST_INVALID", "RANGE_INVALID", "PAGINATION_NUMBER_INVALID" -> new InvalidArgumentException(m);
            default -> switch (status) {
                case 401, 403 -> new PermissionDeniedException(m);
                case 404 -> new NotFoundException(m);
                case 400, 405, 413, 415, 416 -> new InvalidArgumentException(m);
                case 409, 412 -> new FailedPreconditionException(m);
                default -> new UnavailableException(m);
            };
        };
    }

    static String statusText(int status) {
        return switch (status) {
            case 400 -> "400 Bad Request";
            case 401 -> "unauthorized: authentication required";
            case 403 -> "denied: requested access to the resource is denied";
            case 404 -> "not found";
            case 405 -> "405 Method Not Allowed";
            case 429 -> "429 Too Many Requests";
            case 500 -> "500 Internal Server Error";
            case 502 -> "502 Bad Gateway";
            case 503 -> "503 Service Unavailable";
            case 504 -> "504 Gateway Timeout";
            default -> "status " + status;
        };
    }
}
