package io.cargohold.cstorage;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Option parsing as upstream's {@code pkg/mflag} (Docker's fork of Go's flag package) does it, message
 * for message. Written by hand because no Java library has its quirks, which scripts depend on:
 * <ul>
 * <li>names are declared as {@code "-json"} (written {@code --json}) or {@code "j"} (written
 * {@code -j}); {@code "#name"} is a deprecated spelling (using it prints a warning);</li>
 * <li>an undefined {@code -qj} is split into {@code -q -j} (each letter parsed as if it came next on the
 * command line, so a value-taking letter takes the next argument); {@code -json} is not
 * {@code --json};</li>
 * <li>a boolean takes a value only as {@code --x=VALUE} (Go's ParseBool);</li>
 * <li>parsing stops at the first positional, a lone {@code -}, or {@code --} (consumed);</li>
 * <li>{@code --x="v"} loses one pair of quotes;</li>
 * <li>undefined {@code -h}, {@code -help}, {@code --help} call the usage function, then fail with
 * {@code flag: help requested}.</li>
 * </ul>
 * Messages (and the deprecation warnings) are printed to {@link #output()} as mflag prints them, at
 * the moment mflag prints them; {@link #parse} then throws a {@link FlagException} with the error's
 * text. What happens next (exit 1 or 125) is the caller's business, as with mflag's error handling.
 */
public final class FlagSet {
    /** A parse failure, already reported on the output; the message is the Go error's text. */
    public static final class FlagException extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean help;

        FlagException(String message, boolean help) {
            super(message, null, false, false);
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
            this.names = List.copyOf(names);
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

    static final String HELP_REQUESTED = "flag: help requested";

    private final String name;
    private final List<Flag<?>> flags = new ArrayList<>();
    private final Map<String, Flag<?>> formal = new HashMap<>();
    private final List<String> deprecationWarnings = new ArrayList<>();
    private List<String> args = new ArrayList<>();
    private PrintStream output;
    private Runnable usage;
    private String argv0 = Main.ARGV0;
    private String home;

    public FlagSet(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    // ------------------------------------------------------------------ definitions

    public Flag<Boolean> bool(List<String> names, boolean def, String usage) {
        return define(new Flag<>(names, usage, Kind.BOOL, def, Boolean.toString(def)));
    }

    public Flag<String> string(List<String> names, String def, String usage) {
        return define(new Flag<>(names, usage, Kind.STRING, def, def));
    }

    /** Repeatable ({@code opts.ListOpts}): one value per occurrence. */
    public Flag<List<String>> list(List<String> names, String usage) {
        return list(names, List.of(), usage);
    }

    /** Repeatable, starting with {@code initial} (values given append to it). */
    public Flag<List<String>> list(List<String> names, List<String> initial, String usage) {
        return define(new Flag<>(names, usage, Kind.LIST, new ArrayList<>(initial), goList(initial)));
    }

    /** {@code IntVar}: Go's ParseInt with base 0 ({@code 0x1f}, {@code 0o17}, {@code 017}, {@code 0b1}). */
    public Flag<Integer> integer(List<String> names, int def, String usage) {
        return define(new Flag<>(names, usage, Kind.INT, def, Integer.toString(def)));
    }

    /** Makes {@code other}'s flags parse here too, sharing their values. */
    public void include(FlagSet other) {
        for (Flag<?> f : other.flags) {
            define(f);
        }
    }

    private <T> Flag<T> define(Flag<T> f) {
        for (String n : f.names) {
            String key = n.startsWith("#") ? n.substring(1) : n;
            if (formal.containsKey(key)) {
                String msg = name.isEmpty() ? "flag redefined: " + key : name + " flag redefined: " + key;
                output().println(msg);
                throw new IllegalStateException(msg);
            }
        }
        for (String n : f.names) {
            formal.put(n.startsWith("#") ? n.substring(1) : n, f);
        }
        flags.add(f);
        return f;
    }

    public List<Flag<?>> flags() {
        return flags;
    }

    /** Positionals left after parsing. */
    public List<String> args() {
        return args;
    }

    /** The deprecation warnings printed while parsing (for tests; they are already on the output). */
    public List<String> deprecationWarnings() {
        return deprecationWarnings;
    }

    // ------------------------------------------------------------------ settings

    /** Where messages, warnings and the option list go (mflag: stderr unless set). */
    public PrintStream output() {
        return output != null ? output : System.err;
    }

    public void setOutput(PrintStream out) {
        this.output = out;
    }

    /** What {@code -h}/{@code --help} (when not defined) call before failing. */
    public void setUsage(Runnable usage) {
        this.usage = usage;
    }

    /** os.Args[0]: the hint after an error is {@code See 'ARGV0 --help'.} when it equals the set's name. */
    public void setArgv0(String argv0) {
        this.argv0 = argv0;
    }

    /** $HOME, abbreviated to {@code ~} in default values of the option list (unless it is {@code /}). */
    public void setHome(String home) {
        this.home = home;
    }

    // ------------------------------------------------------------------ parsing

    /** Parses {@code argv}; the positionals are then in {@link #args()}. */
    public void parse(List<String> argv) throws FlagException {
        args = new ArrayList<>(argv);
        while (true) {
            One r = parseOne();
            if (r.seen) {
                continue;
            }
            if (r.error == null) {
                break;
            }
            FlagException err = r.error;
            if (r.retry != null) {
                String n = r.retry;
                if (n.codePointCount(0, n.length()) > 1) {
                    err = null;
                    for (int i = 0; i < n.length(); ) {
                        int cp = n.codePointAt(i);
                        i += Character.charCount(cp);
                        args.addFirst("-" + new String(Character.toChars(cp)));
                        One r2 = parseOne();
                        if (r2.seen) {
                            continue;
                        }
                        if (r2.error != null) {
                            err = failf("flag provided but not defined: -" + n);
                            break;
                        }
                    }
                    if (err == null) {
                        continue;
                    }
                } else {
                    err = failf("flag provided but not defined: -" + n);
                }
            }
            throw err;
        }
    }

    /** One step of mflag's parseOne: a flag seen, the end of the flags, or an error (or a name to retry as letters). */
    private record One(boolean seen, String retry, FlagException error) {
        static final One SEEN = new One(true, null, null);
        static final One END = new One(false, null, null);
    }

    private One parseOne() {
        if (args.isEmpty()) {
            return One.END;
        }
        String s = args.getFirst();
        if (s.isEmpty() || s.charAt(0) != '-' || s.length() == 1) {
            return One.END;
        }
        if (s.charAt(1) == '-' && s.length() == 2) { // "--" terminates the flags
            args.removeFirst();
            return One.END;
        }
        String n = s.substring(1);
        if (n.charAt(0) == '=') {
            return new One(false, null, failf("bad flag syntax: " + s));
        }
        args.removeFirst();
        boolean hasValue = false;
        String value = "";
        int eq = n.indexOf('=');
        if (eq >= 0) {
            value = trimQuotes(n.substring(eq + 1));
            hasValue = true;
            n = n.substring(0, eq);
        }
        Flag<?> f = formal.get(n);
        if (f == null) {
            if (n.equals("-help") || n.equals("help") || n.equals("h")) { // special case for nice help message
                if (usage != null) {
                    usage.run();
                }
                return new One(false, null, new FlagException(HELP_REQUESTED, true));
            }
            if (!n.isEmpty() && n.charAt(0) == '-') {
                return new One(false, null, failf("flag provided but not defined: -" + n));
            }
            return new One(false, n, new FlagException("retry", false));
        }
        FlagException e = set(f, n, hasValue, value);
        if (e != null) {
            return new One(false, null, e);
        }
        for (int i = 0; i < f.names.size(); i++) {
            if (f.names.get(i).equals("#" + n)) {
                String replacement = "";
                for (int j = i; j < f.names.size(); j++) {
                    if (f.names.get(j).charAt(0) != '#') {
                        replacement = f.names.get(j);
                        break;
                    }
                }
                String w = !replacement.isEmpty()
                        ? "Warning: '-" + n + "' is deprecated, it will be replaced by '-" + replacement + "' soon. See usage."
                        : "Warning: '-" + n + "' is deprecated, it will be removed soon. See usage.";
                deprecationWarnings.add(w);
                output().println(w);
            }
        }
        return One.SEEN;
    }

    @SuppressWarnings("unchecked")
    private FlagException set(Flag<?> f, String n, boolean hasValue, String value) {
        if (f.kind == Kind.BOOL) {
            Boolean b = true;
            if (hasValue) {
                b = parseBool(value);
                if (b == null) {
                    return failf("invalid boolean value " + goQuote(value) + " for  -" + n + ": strconv.ParseBool: parsing "
                            + goQuote(value) + ": invalid syntax");
                }
            }
            ((Flag<Boolean>) f).value = b;
            f.set = true;
            return null;
        }
        if (!hasValue && !args.isEmpty()) {
            value = args.removeFirst();
            hasValue = true;
        }
        if (!hasValue) {
            return failf("flag needs an argument: -" + n);
        }
        switch (f.kind) {
            case STRING -> ((Flag<String>) f).value = value;
            case LIST -> ((Flag<List<String>>) f).value.add(value);
            case INT -> {
                String problem = null;
                try {
                    long v = parseGoInt(value);
                    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                        problem = "value out of range";
                    } else {
                        ((Flag<Integer>) f).value = (int) v;
                    }
                } catch (NumberFormatException ex) {
                    problem = ex.getMessage();
                }
                if (problem != null) {
                    return failf("invalid value " + goQuote(value) + " for flag -" + n + ": strconv.ParseInt: parsing "
                            + goQuote(value) + ": " + problem);
                }
            }
            default -> throw new IllegalStateException();
        }
        f.set = true;
        return null;
    }

    /** mflag's failf: prints the error and a hint, returns the error. */
    private FlagException failf(String message) {
        PrintStream out = output();
        out.println(message);
        if (argv0.equals(name)) {
            out.println("See '" + argv0 + " --help'.");
        } else {
            out.println("See '" + argv0 + " " + name + " --help'.");
        }
        return new FlagException(message, false);
    }

    // ------------------------------------------------------------------ Go's conversions

    /** Go's strconv.ParseBool; null when invalid. */
    static Boolean parseBool(String v) {
        return io.cargohold.text.GoStrings.parseBool(v);
    }

    /** Go's strconv.ParseInt(s, 0, 64); the exception's message is Go's reason. */
    static long parseGoInt(String s0) {
        String s = s0;
        boolean neg = false;
        if (!s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-')) {
            neg = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.isEmpty()) {
            throw new NumberFormatException("invalid syntax");
        }
        int base = 10;
        if (s.charAt(0) == '0') {
            char c = s.length() >= 3 ? Character.toLowerCase(s.charAt(1)) : ' ';
            if (c == 'x' || c == 'o' || c == 'b') {
                base = c == 'x' ? 16 : c == 'o' ? 8 : 2;
                s = s.substring(2);
            } else {
                base = 8;
                s = s.substring(1);
            }
        }
        java.math.BigInteger v = java.math.BigInteger.ZERO;
        java.math.BigInteger b = java.math.BigInteger.valueOf(base);
        boolean underscores = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '_') {
                underscores = true;
                continue;
            }
            int d = Character.digit(c, base);
            if (d < 0 || c > 0x7f) {
                throw new NumberFormatException("invalid syntax");
            }
            v = v.multiply(b).add(java.math.BigInteger.valueOf(d));
        }
        if (underscores && !underscoreOK(s0)) {
            throw new NumberFormatException("invalid syntax");
        }
        if (neg) {
            v = v.negate();
        }
        if (v.bitLength() > 63) {
            throw new NumberFormatException("value out of range");
        }
        return v.longValue();
    }

    /** Go's strconv.underscoreOK: underscores only between digits or after a base prefix. */
    private static boolean underscoreOK(String s) {
        char saw = '^';
        int i = 0;
        if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
            s = s.substring(1);
        }
        boolean hex = false;
        if (s.length() >= 2 && s.charAt(0) == '0' && "bBoOxX".indexOf(s.charAt(1)) >= 0) {
            i = 2;
            saw = '0';
            hex = Character.toLowerCase(s.charAt(1)) == 'x';
        }
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            char l = Character.toLowerCase(c);
            if (c >= '0' && c <= '9' || hex && l >= 'a' && l <= 'f') {
                saw = '0';
                continue;
            }
            if (c == '_') {
                if (saw != '0') {
                    return false;
                }
                saw = '_';
                continue;
            }
            if (saw == '_') {
                return false;
            }
            saw = '!';
        }
        return saw != '_';
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

    /** Go's %q (strconv.Quote) for text that came in as UTF-8. */
    static String goQuote(String s) {
        return io.cargohold.text.GoStrings.quote(s);
    }

    /** Go's %v of a []string: {@code [a b c]}. */
    static String goList(List<String> l) {
        return "[" + String.join(" ", l) + "]";
    }

    // ------------------------------------------------------------------ usage

    /** The flags in mflag's sortFlags order: by first name without '#' and one leading '-', case-folded. */
    List<Flag<?>> sorted() {
        List<Flag<?>> l = new ArrayList<>(flags);
        l.sort((a, b) -> {
            String pa = sortKey(a);
            String pb = sortKey(b);
            int c = pa.toLowerCase(Locale.ROOT).compareTo(pb.toLowerCase(Locale.ROOT));
            return c != 0 ? c : pa.compareTo(pb);
        });
        return l;
    }

    private static String sortKey(Flag<?> f) {
        String n = f.names.getFirst();
        if (n.startsWith("#")) {
            n = n.substring(1);
        }
        return n.startsWith("-") ? n.substring(1) : n;
    }

    /** mflag's PrintDefaults, to {@link #output()}: a blank line, then the options (tabwriter 20,1,3,' '). */
    public void printDefaults() {
        PrintStream out = output();
        String h = home != null ? home : System.getProperty("user.home", "");
        if (h.equals("/")) {
            h = "";
        }
        List<Flag<?>> l = sorted();
        StringBuilder text = new StringBuilder();
        if (!l.isEmpty()) {
            text.append('\n');
        }
        List<String[]> rows = new ArrayList<>();
        for (Flag<?> f : l) {
            List<String> shown = f.names.stream().filter(x -> x.charAt(0) != '#').toList();
            if (shown.isEmpty() || f.usage == null || f.usage.isEmpty()) {
                continue;
            }
            String val = f.defValue;
            if (!h.isEmpty() && val.startsWith(h)) {
                val = "~" + val.substring(h.length());
            }
            String head = "  -" + String.join(", -", shown);
            if (!(val.equals("false") || val.isEmpty() || val.equals("0"))) {
                head += "=" + val;
            }
            boolean first = true;
            for (String line : f.usage.split("\n", -1)) {
                rows.add(new String[] {first ? head : "", " " + line});
                first = false;
            }
        }
        int width = 20;
        for (String[] r : rows) {
            width = Math.max(width, r[0].codePointCount(0, r[0].length()) + 3);
        }
        for (String[] r : rows) {
            text.append(r[0]).append(" ".repeat(width - r[0].codePointCount(0, r[0].length()))).append(r[1]).append('\n');
        }
        out.print(text);
    }
}
