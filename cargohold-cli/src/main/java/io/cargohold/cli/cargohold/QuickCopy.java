package io.cargohold.cli.cargohold;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * {@code cargohold copy [OPTIONS...] SOURCE DESTINATION} without picocli, for {@link QuickCommands}:
 * picocli's model of {@link CopyCommand} (its annotations read through a dynamic proxy class per
 * annotation type, made at run time and never kept by the AOT cache) was ~30 % of a no-op pull's main
 * thread (bench/README.md section 27.3, 27.7).
 *
 * <p>Each of {@link CopyCommand}'s options is recognised as {@code --opt VALUE} or {@code --opt=VALUE}
 * (flags bare; {@code --src-tls-verify}/{@code --dest-tls-verify} bare or {@code =true}/{@code =false}),
 * before, between or after the two operands, and its value converted as picocli converts it. Anything
 * else makes {@link #parse} return null, so picocli reports it: an option twice, an unknown option
 * (also {@code -h}, {@code --debug}, {@code --log-level}, {@code --root} after {@code copy}), a value
 * that starts with {@code -} or is empty, an {@code @file}, {@code --}, a number that is not plain
 * decimal digits within an int, a third operand or a missing one, a bare tls flag followed by
 * something that reads as a boolean. {@code QuickCopyTest} compares every field with picocli's parse.
 */
final class QuickCopy {
    private QuickCopy() {
    }

    enum Kind { FLAG, OPTIONAL_BOOLEAN, STRING, PATH, INTEGER }

    /** Every option name of {@link CopyCommand} this parser knows, and how its value is read. */
    static final Map<String, Kind> OPTIONS = Map.ofEntries(
            Map.entry("--all", Kind.FLAG),
            Map.entry("--platform", Kind.STRING),
            Map.entry("--remove-signatures", Kind.FLAG),
            Map.entry("--dest-compress-format", Kind.STRING),
            Map.entry("--dest-compress-level", Kind.INTEGER),
            Map.entry("--digestfile", Kind.PATH),
            Map.entry("-q", Kind.FLAG),
            Map.entry("--quiet", Kind.FLAG),
            Map.entry("--json", Kind.FLAG),
            Map.entry("--max-parallel", Kind.INTEGER),
            Map.entry("--jobs", Kind.INTEGER),
            Map.entry("--src-tls-verify", Kind.OPTIONAL_BOOLEAN),
            Map.entry("--dest-tls-verify", Kind.OPTIONAL_BOOLEAN),
            Map.entry("--src-cert-dir", Kind.PATH),
            Map.entry("--dest-cert-dir", Kind.PATH),
            Map.entry("--src-creds", Kind.STRING),
            Map.entry("--dest-creds", Kind.STRING),
            Map.entry("--authfile", Kind.PATH),
            Map.entry("--src-authfile", Kind.PATH),
            Map.entry("--dest-authfile", Kind.PATH),
            Map.entry("--retry-times", Kind.INTEGER));

    /** The command for {@code args[from..]} (the arguments after {@code copy}), or null for picocli. */
    static CopyCommand parse(String[] args, int from) {
        CopyCommand c = new CopyCommand();
        c.jobs = 6; // the option's defaultValue
        Set<String> seen = new HashSet<>();
        int operands = 0;
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("@") || a.isEmpty()) {
                return null; // an argument file; an empty operand
            }
            if (!a.startsWith("-")) {
                switch (operands++) {
                    case 0 -> c.source = a;
                    case 1 -> c.destination = a;
                    default -> {
                        return null; // picocli: unmatched argument
                    }
                }
                continue;
            }
            int eq = a.startsWith("--") ? a.indexOf('=') : -1;
            String name = eq > 0 ? a.substring(0, eq) : a;
            Kind kind = OPTIONS.get(name);
            if (kind == null) {
                return null;
            }
            String option = canonical(name);
            if (!seen.add(option)) {
                return null; // picocli: "should be specified only once"
            }
            String value = eq > 0 ? a.substring(eq + 1) : null;
            switch (kind) {
                case FLAG -> {
                    if (value != null) {
                        return null;
                    }
                }
                case OPTIONAL_BOOLEAN -> {
                    if (value == null) {
                        if (i + 1 < args.length && (args[i + 1].equalsIgnoreCase("true") || args[i + 1].equalsIgnoreCase("false"))) {
                            return null; // picocli may take it as the value
                        }
                        value = "true"; // the fallbackValue
                    } else if (!value.equals("true") && !value.equals("false")) {
                        return null;
                    }
                }
                default -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            return null;
                        }
                        value = args[++i];
                    }
                    if (value.isEmpty() || value.startsWith("-") || value.startsWith("@")) {
                        return null;
                    }
                }
            }
            try {
                if (!set(c, option, kind, value)) {
                    return null;
                }
            } catch (java.nio.file.InvalidPathException e) {
                return null; // picocli reports it
            }
        }
        return operands == 2 ? c : null;
    }

    /** One name per option (the aliases of one option count as the same option). */
    private static String canonical(String name) {
        return switch (name) {
            case "-q" -> "--quiet";
            case "--jobs" -> "--max-parallel";
            default -> name;
        };
    }

    private static boolean set(CopyCommand c, String option, Kind kind, String value) {
        Integer n = null;
        if (kind == Kind.INTEGER) {
            n = decimal(value);
            if (n == null) {
                return false;
            }
        }
        switch (option) {
            case "--all" -> c.all = true;
            case "--platform" -> c.platform = value;
            case "--remove-signatures" -> c.removeSignatures = true;
            case "--dest-compress-format" -> c.compressFormat = value;
            case "--dest-compress-level" -> c.compressLevel = n;
            case "--digestfile" -> c.digestFile = Path.of(value);
            case "--quiet" -> c.quiet = true;
            case "--json" -> c.json = true;
            case "--max-parallel" -> c.jobs = n;
            case "--src-tls-verify" -> c.srcTlsVerify = Boolean.valueOf(value);
            case "--dest-tls-verify" -> c.destTlsVerify = Boolean.valueOf(value);
            case "--src-cert-dir" -> c.srcCertDir = Path.of(value);
            case "--dest-cert-dir" -> c.destCertDir = Path.of(value);
            case "--src-creds" -> c.srcCreds = value;
            case "--dest-creds" -> c.destCreds = value;
            case "--authfile" -> c.authFile = Path.of(value);
            case "--src-authfile" -> c.srcAuthFile = Path.of(value);
            case "--dest-authfile" -> c.destAuthFile = Path.of(value);
            case "--retry-times" -> c.retryTimes = n;
            default -> {
                return false;
            }
        }
        return true;
    }

    /**
     * Plain decimal digits within an int, without a leading zero (picocli's converter also takes other
     * forms, which it reads its own way: those go to picocli), else null.
     */
    private static Integer decimal(String s) {
        if (s.isEmpty() || s.length() > 9 || (s.length() > 1 && s.charAt(0) == '0')) {
            return null;
        }
        for (int k = 0; k < s.length(); k++) {
            if (s.charAt(k) < '0' || s.charAt(k) > '9') {
                return null;
            }
        }
        return Integer.parseInt(s);
    }
}
