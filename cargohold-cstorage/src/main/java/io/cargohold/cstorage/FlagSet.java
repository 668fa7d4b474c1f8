package io.cargohold.cstorage;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Option parsing as upstream's {@code pkg/mflag} (Docker's fork of Go's flag package) does it. Written
 * by hand because no Java library has its quirks, which scripts depend on: names are declared as
 * {@code "-json"} (written {@code --json}) or {@code "j"} (written {@code -j}), {@code "#name"} is a
 * deprecated spelling; {@code -qj} is split into letters when {@code qj} is not a name; {@code -json}
 * is not {@code --json}; a boolean takes a value only as {@code --x=VALUE}; parsing stops at the first
 * positional, a lone {@code -}, or {@code --} (consumed); {@code --x="v"} loses one pair of quotes.
 */
public final class FlagSet {
    /** Parse failures: the message is mflag's ({@code flag provided but not defined: -x}, ...). */
    public static final class FlagException extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean help;

        FlagException(String message, boolean help) {
            super(message);
            this.help = help;
        }

        /** {@code -h}, {@code -help} or {@code --help} without such a flag defined: mflag's ErrHelp. */
        public boolean isHelp() {
            return help;
        }
    }

    /** A defined option; {@link #get()} its value after parsing. */
    public static final class Flag<T> {
        final List<String> names;
        final String usage;
        final String defValue;
        final Kind kind;
        T value;
        boolean set;

        Flag(List<String> names, String usage, Kind kind, T value, String defValue) {
            this.names = names;
            this.usage = usage;
            this.kind = kind;
            this.value = value;
            this.defValue = defValue;
        }

        public T get() {
            return value;
        }

        /** True when given on the command line. */
        public boolean isSet() {
            return set;
        }

        public List<String> names() {
            return names;
        }
    }

    enum Kind { BOOL, STRING, LIST, INT }

    private final String name;
    private final List<Flag<?>> flags = new ArrayList<>();
    private final Map<String, Flag<?>> byName = new LinkedHashMap<>();
    private final List<String> deprecationWarnings = new ArrayList<>();
    private List<String> args = List.of();

    public FlagSet(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public Flag<Boolean> bool(List<String> names, boolean def, String usage) {
        return define(new Flag<>(names, usage, Kind.BOOL, def, Boolean.toString(def)));
    }

    public Flag<String> string(List<String> names, String def, String usage) {
        return define(new Flag<>(names, usage, Kind.STRING, def, def));
    }

    /** Repeatable: one value per occurrence. */
    public Flag<List<String>> list(List<String> names, String usage) {
        return define(new Flag<>(names, usage, Kind.LIST, new ArrayList<>(), "[]"));
    }

    public Flag<Integer> integer(List<String> names, int def, String usage) {
        return define(new Flag<>(names, usage, Kind.INT, def, Integer.toString(def)));
    }

    /** Makes {@code other}'s flags (the global options) parse here too, sharing their values. */
    public void include(FlagSet other) {
        for (Flag<?> f : other.flags) {
            define(f);
        }
    }

    private <T> Flag<T> define(Flag<T> f) {
        flags.add(f);
        for (String n : f.names) {
            byName.put(n.startsWith("#") ? n.substring(1) : n, f);
        }
        return f;
    }

    public List<Flag<?>> flags() {
        return flags;
    }

    /** Positionals left after parsing. */
    public List<String> args() {
        return args;
    }

    /** Warnings for deprecated spellings used (mflag prints them to stderr). */
    public List<String> deprecationWarnings() {
        return deprecationWarnings;
    }

    /** Parses {@code argv}; the positionals are then in {@link #args()}. */
    public void parse(List<String> argv) throws FlagException {
        List<String> rest = new ArrayList<>(argv);
        while (true) {
            Result r = parseOne(rest);
            if (r == Result.SEEN) {
                continue;
            }
            if (r == Result.DONE) {
                break;
            }
            // RETRY: an undefined name of several letters is tried as a group of one-letter flags
            String group = retryName;
            if (group.length() > 1) {
                for (int i = 0; i < group.length(); i++) {
                    rest.addFirst("-" + group.charAt(i));
                    Result r2;
                    try {
                        r2 = parseOne(rest);
                    } catch (FlagException e) {
                        throw new FlagException("flag provided but not defined: -" + group, false);
                    }
                    if (r2 != Result.SEEN) {
                        throw new FlagException("flag provided but not defined: -" + group, false);
                    }
                }
                continue;
            }
            throw new FlagException("flag provided but not defined: -" + group, false);
        }
        this.args = List.copyOf(rest);
    }

    private enum Result { SEEN, DONE, RETRY }

    private String retryName;

    private Result parseOne(List<String> rest) throws FlagException {
        if (rest.isEmpty()) {
            return Result.DONE;
        }
        String s = rest.getFirst();
        if (s.length() < 2 || s.charAt(0) != '-') {
            return Result.DONE;
        }
        if (s.equals("--")) {
            rest.removeFirst();
            return Result.DONE;
        }
        String n = s.substring(1);
        if (n.charAt(0) == '=') {
            throw new FlagException("bad flag syntax: " + s, false);
        }
        rest.removeFirst();
        boolean hasValue = false;
        String value = "";
        int eq = n.indexOf('=');
        if (eq >= 0) {
            value = trimQuotes(n.substring(eq + 1));
            hasValue = true;
            n = n.substring(0, eq);
        }
        Flag<?> f = byName.get(n);
        if (f == null) {
            if (n.equals("-help") || n.equals("help") || n.equals("h")) {
                throw new FlagException("flag: help requested", true);
            }
            if (n.startsWith("-")) {
                throw new FlagException("flag provided but not defined: -" + n, false);
            }
            retryName = n;
            return Result.RETRY;
        }
        set(f, n, hasValue, value, rest);
        for (String declared : f.names) {
            if (declared.equals("#" + n)) {
                String replacement = null;
                for (String other : f.names.subList(f.names.indexOf(declared), f.names.size())) {
                    if (!other.startsWith("#")) {
                        replacement = other;
                        break;
                    }
                }
                deprecationWarnings.add(replacement != null
                        ? "Warning: '-" + n + "' is deprecated, it will be replaced by '-" + replacement + "' soon. See usage."
                        : "Warning: '-" + n + "' is deprecated, it will be removed soon. See usage.");
            }
        }
        return Result.SEEN;
    }

    @SuppressWarnings("unchecked")
    private void set(Flag<?> f, String n, boolean hasValue, String value, List<String> rest) throws FlagException {
        if (f.kind == Kind.BOOL) {
            Boolean b = true;
            if (hasValue) {
                b = parseBool(value);
                if (b == null) {
                    throw new FlagException("invalid boolean value \"" + value + "\" for  -" + n + ": strconv.ParseBool: parsing "
                            + goQuote(value) + ": invalid syntax", false);
                }
            }
            ((Flag<Boolean>) f).value = b;
            f.set = true;
            return;
        }
        if (!hasValue && !rest.isEmpty()) {
            value = rest.removeFirst();
            hasValue = true;
        }
        if (!hasValue) {
            throw new FlagException("flag needs an argument: -" + n, false);
        }
        switch (f.kind) {
            case STRING -> ((Flag<String>) f).value = value;
            case LIST -> ((Flag<List<String>>) f).value.add(value);
            case INT -> {
                try {
                    ((Flag<Integer>) f).value = Integer.decode(value);
                } catch (NumberFormatException e) {
                    throw new FlagException("invalid value \"" + value + "\" for flag -" + n + ": strconv.ParseInt: parsing "
                            + goQuote(value) + ": invalid syntax", false);
                }
            }
            default -> throw new IllegalStateException();
        }
        f.set = true;
    }

    /** Go's strconv.ParseBool. */
    static Boolean parseBool(String v) {
        return switch (v) {
            case "1", "t", "T", "true", "TRUE", "True" -> true;
            case "0", "f", "F", "false", "FALSE", "False" -> false;
            default -> null;
        };
    }

    static String trimQuotes(String v) {
        if (v.length() >= 2) {
            char a = v.charAt(0);
            char b = v.charAt(v.length() - 1);
            if ((a == '"' && b == '"') || (a == '\'' && b == '\'')) {
                return v.substring(1, v.length() - 1);
            }
        }
        return v;
    }

    static String goQuote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** mflag's PrintDefaults, roughly (usage texts are informative, spec 2.4). */
    public void printDefaults(PrintStream out) {
        if (!flags.isEmpty()) {
            out.println();
        }
        for (Flag<?> f : flags) {
            List<String> shown = f.names.stream().filter(x -> !x.startsWith("#")).toList();
            if (shown.isEmpty() || f.usage == null || f.usage.isEmpty()) {
                continue;
            }
            String head = "  -" + String.join(", -", shown);
            boolean zero = f.defValue == null || f.defValue.isEmpty() || f.defValue.equals("false") || f.defValue.equals("0")
                    || f.defValue.equals("[]");
            if (!zero) {
                head += "=" + f.defValue;
            }
            out.printf("%-20s   %s%n", head, f.usage);
        }
    }
}
