package io.cargohold.cstorage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** mflag's rules, as upstream's containers-storage v1.43.0 exhibits them (each case checked against it). */
class FlagSetTest {
    private ByteArrayOutputStream bytes;
    private FlagSet f;
    private FlagSet.Flag<Boolean> json;
    private FlagSet.Flag<Boolean> quiet;
    private FlagSet.Flag<String> graph;
    private FlagSet.Flag<String> driver;
    private FlagSet.Flag<List<String>> names;
    private int usageCalls;

    @BeforeEach
    void setUp() {
        bytes = new ByteArrayOutputStream();
        usageCalls = 0;
        f = new FlagSet("layers");
        f.setOutput(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        f.setArgv0("containers-storage");
        f.setUsage(() -> usageCalls++);
        graph = f.string(List.of("-graph", "g"), "", "Root of the storage tree");
        driver = f.string(List.of("-storage-driver", "s"), "", "Storage driver to use ($STORAGE_DRIVER)");
        json = f.bool(List.of("-json", "j"), false, "Prefer JSON output");
        quiet = f.bool(List.of("-quiet", "q"), false, "Only print IDs");
        names = f.list(List.of("-name", "n"), "Layer name");
    }

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private FlagSet.FlagException fails(String... argv) {
        return assertThrows(FlagSet.FlagException.class, () -> f.parse(List.of(argv)));
    }

    @Test
    void longAndShortSpellingsWithValuesInlineOrNext() throws Exception {
        f.parse(List.of("--graph", "/g", "-s=vfs", "-n", "a", "--name=b", "x", "y"));
        assertEquals("/g", graph.get());
        assertEquals("vfs", driver.get());
        assertEquals(List.of("a", "b"), names.get());
        assertEquals(List.of("x", "y"), f.args());
        assertTrue(graph.isSet());
        assertFalse(json.isSet());
    }

    @Test
    void lettersAreGroupedAndAValueTakingLetterTakesTheNextArgument() throws Exception {
        f.parse(List.of("-jq", "id"));
        assertTrue(json.get());
        assertTrue(quiet.get());
        assertEquals(List.of("id"), f.args());

        setUp();
        f.parse(List.of("-js", "id"));
        assertTrue(json.get());
        assertEquals("id", driver.get());
        assertEquals(List.of(), f.args());
    }

    @Test
    void singleDashLongWordIsALetterGroup() {
        // "-json": j, then s takes nothing ("flag needs an argument: -s" printed), then the group fails
        FlagSet.FlagException e = fails("-json");
        assertEquals("flag provided but not defined: -json", e.getMessage());
        assertEquals("flag needs an argument: -s\nSee 'containers-storage layers --help'.\n"
                + "flag provided but not defined: -json\nSee 'containers-storage layers --help'.\n", output());
    }

    @Test
    void groupWithAnUndefinedLetterReportsTheWholeGroupOnce() {
        FlagSet.FlagException e = fails("-jx");
        assertEquals("flag provided but not defined: -jx", e.getMessage());
        assertEquals("flag provided but not defined: -jx\nSee 'containers-storage layers --help'.\n", output());
    }

    @Test
    void undefinedNames() {
        assertEquals("flag provided but not defined: -x", fails("-x").getMessage());
        setUp();
        assertEquals("flag provided but not defined: --xx", fails("--xx").getMessage());
    }

    @Test
    void hintNamesTheProgramAloneWhenTheSetIsTheProgram() {
        FlagSet global = new FlagSet("containers-storage");
        global.setOutput(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        global.setArgv0("containers-storage");
        assertThrows(FlagSet.FlagException.class, () -> global.parse(List.of("-x")));
        assertEquals("flag provided but not defined: -x\nSee 'containers-storage --help'.\n", output());
    }

    @Test
    void booleansTakeValuesOnlyAfterEquals() throws Exception {
        f.parse(List.of("-j", "false"));
        assertTrue(json.get());
        assertEquals(List.of("false"), f.args());

        for (String v : List.of("1", "t", "T", "true", "TRUE", "True")) {
            setUp();
            f.parse(List.of("--json=" + v));
            assertTrue(json.get(), v);
        }
        for (String v : List.of("0", "f", "F", "false", "FALSE", "False")) {
            setUp();
            f.parse(List.of("-j", "--json=" + v));
            assertFalse(json.get(), v);
        }
        setUp();
        FlagSet.FlagException e = fails("--json=maybe");
        assertEquals("invalid boolean value \"maybe\" for  --json: strconv.ParseBool: parsing \"maybe\": invalid syntax", e.getMessage());
    }

    @Test
    void oneOuterPairOfQuotesIsStrippedFromInlineValues() throws Exception {
        f.parse(List.of("--graph=\"/a b\"", "-s='vfs'", "--json=\"true\"", "-n", "\"kept\""));
        assertEquals("/a b", graph.get());
        assertEquals("vfs", driver.get());
        assertTrue(json.get());
        assertEquals(List.of("\"kept\""), names.get());

        setUp();
        f.parse(List.of("--graph=\"mixed'"));
        assertEquals("\"mixed'", graph.get());
    }

    @Test
    void parsingStopsAtPositionalsLoneDashAndDoubleDash() throws Exception {
        f.parse(List.of("x", "-j"));
        assertFalse(json.get());
        assertEquals(List.of("x", "-j"), f.args());

        setUp();
        f.parse(List.of("-", "-j"));
        assertEquals(List.of("-", "-j"), f.args());

        setUp();
        f.parse(List.of("-q", "--", "-j"));
        assertTrue(quiet.get());
        assertFalse(json.get());
        assertEquals(List.of("-j"), f.args());

        setUp();
        f.parse(List.of("-q", ""));
        assertEquals(List.of(""), f.args());
    }

    @Test
    void valueTakingFlagsTakeTheNextArgumentWhateverItIs() throws Exception {
        f.parse(List.of("-g", "--json", "-n", "--", "rest"));
        assertEquals("--json", graph.get());
        assertEquals(List.of("--"), names.get());
        assertEquals(List.of("rest"), f.args());

        setUp();
        assertEquals("flag needs an argument: -g", fails("-g").getMessage());
    }

    @Test
    void badSyntax() {
        assertEquals("bad flag syntax: -=", fails("-=").getMessage());
        setUp();
        assertEquals("bad flag syntax: -=x", fails("-=x").getMessage());
        setUp();
        // "--=x": name "-" with a value: undefined
        assertEquals("flag provided but not defined: --", fails("--=x").getMessage());
    }

    @Test
    void helpWhenUndefinedCallsUsageThenFails() {
        for (String h : List.of("-h", "-help", "--help")) {
            setUp();
            FlagSet.FlagException e = fails(h);
            assertTrue(e.isHelp(), h);
            assertEquals("flag: help requested", e.getMessage());
            assertEquals(1, usageCalls, h);
            assertEquals("", output(), h);
        }
        // inside a group, "h" shows the usage, and the group then fails as undefined
        setUp();
        FlagSet.FlagException e = fails("-jh");
        assertFalse(e.isHelp());
        assertEquals(1, usageCalls);
        assertEquals("flag provided but not defined: -jh", e.getMessage());
    }

    @Test
    void deprecatedNamesWarnAndNameTheReplacement() throws Exception {
        FlagSet.Flag<Boolean> help = f.bool(List.of("#help", "-help"), false, "Print usage");
        FlagSet.Flag<Boolean> old = f.bool(List.of("#old"), false, "Gone soon");
        f.parse(List.of("-help", "-old", "--help"));
        assertTrue(help.get());
        assertTrue(old.get());
        assertEquals(List.of("Warning: '-help' is deprecated, it will be replaced by '--help' soon. See usage.",
                "Warning: '-old' is deprecated, it will be removed soon. See usage."), f.deprecationWarnings());
        assertEquals(String.join("\n", f.deprecationWarnings()) + "\n", output());
    }

    @Test
    void repeatableListsAppend() throws Exception {
        f.parse(List.of("-n", "a", "-n", "b", "--name", "a"));
        assertEquals(List.of("a", "b", "a"), names.get());
    }

    @Test
    void redefiningANameIsAProgrammingError() {
        assertThrows(IllegalStateException.class, () -> f.bool(List.of("-json"), false, "again"));
    }

    @Test
    void integersFollowGoParseIntBaseZero() throws Exception {
        FlagSet.Flag<Integer> n = f.integer(List.of("-count", "c"), 0, "Count");
        f.parse(List.of("-c", "0x1f"));
        assertEquals(31, n.get());
        for (String[] c : new String[][] {{"017", "15"}, {"0o17", "15"}, {"0b101", "5"}, {"1_000", "1000"}, {"-12", "-12"}, {"0", "0"}}) {
            f.parse(List.of("-c", c[0]));
            assertEquals(Integer.parseInt(c[1]), n.get(), c[0]);
        }
        for (String bad : List.of("x", "0x", "1__0", "_1", "08", "")) {
            setUp();
            f.integer(List.of("-count", "c"), 0, "Count");
            FlagSet.FlagException e = fails("-c", bad);
            assertEquals("invalid value " + FlagSet.goQuote(bad) + " for flag -c: strconv.ParseInt: parsing " + FlagSet.goQuote(bad)
                    + ": invalid syntax", e.getMessage());
        }
    }

    @Test
    void goQuoting() {
        assertEquals("\"a\\\"b\\\\c\\n\\t\\x01é\"", FlagSet.goQuote("a\"b\\c\n\t\u0001é"));
    }

    @Test
    void optionListIsSortedAlignedAndAbbreviatesHome() {
        FlagSet s = new FlagSet("layers");
        s.setOutput(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        s.setHome("/root");
        s.string(List.of("-run", "R"), "/root/run", "Root of the runtime state tree");
        s.string(List.of("-graph", "g"), "/var/lib/containers/storage", "Root of the storage tree");
        s.list(List.of("-storage-opt"), "Set storage driver options ($STORAGE_OPTS)");
        s.bool(List.of("-debug", "D"), false, "Print debugging information");
        s.bool(List.of("#hidden"), false, "Never shown");
        s.bool(List.of("-Json", "j"), false, "Prefer JSON output");
        s.printDefaults();
        assertEquals("""

                  --debug, -D                                Print debugging information
                  --graph, -g=/var/lib/containers/storage    Root of the storage tree
                  --Json, -j                                 Prefer JSON output
                  --run, -R=~/run                            Root of the runtime state tree
                  --storage-opt=[]                           Set storage driver options ($STORAGE_OPTS)
                """, output());
    }

    @Test
    void optionListHasAMinimumWidthOfTwenty() {
        FlagSet s = new FlagSet("x");
        s.setOutput(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        s.bool(List.of("-force", "f"), false, "Unmount mounted layers first");
        s.printDefaults();
        assertEquals("\n  --force, -f" + " ".repeat(20 - 13) + " Unmount mounted layers first\n", output());
    }
}
