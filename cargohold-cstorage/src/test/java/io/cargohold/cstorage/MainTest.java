package io.cargohold.cstorage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Upstream's main(): start-up order, framework errors and their exit statuses, in-process. */
class MainTest {
    @TempDir
    Path dir;

    /** What one run printed and returned. */
    record Result(int status, String out, String err) {
    }

    private final List<String> seen = new ArrayList<>();

    /** A table with the real store commands and a test command taking 1 to 2 arguments. */
    private List<Command> commands() {
        List<Command> l = new ArrayList<>(StoreCommands.all());
        l.add(new Command(List.of("probe", "pr"), "[options [...]] ID [NAME]", 1, 2, "Test command", flags -> {
            var json = flags.bool(List.of("-json", "j"), false, "Prefer JSON output");
            return inv -> {
                seen.add(inv.cmd() + " " + inv.args() + " json=" + json.get());
                inv.out().print("graph " + inv.store().graphRoot() + "\n");
                return 0;
            };
        }));
        return l;
    }

    private Result run(String... argv) {
        return run(Map.of("HOME", "/root"), argv);
    }

    private Result run(Map<String, String> env, String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env, dir, List.of(argv), "containers-storage", commands(), host());
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The host's storage.conf files and default stores, under this test's directory (never the real ones). */
    private Host host() {
        return Host.under(dir.resolve("host"));
    }

    private String[] store(String... rest) {
        List<String> a = new ArrayList<>(List.of("-g", "g", "-R", "r", "-s", "vfs"));
        a.addAll(List.of(rest));
        return a.toArray(String[]::new);
    }

    @Test
    void noArgumentsPrintsTheUsageAndFails() {
        Result r = run();
        assertEquals(1, r.status());
        assertTrue(r.out().startsWith("Usage: containers-storage command [options [...]]\n\nCommands:\n\n"), r.out());
        assertTrue(r.out().contains("  status                        Check on graph driver status\n"), r.out());
        assertTrue(r.out().endsWith("\nOptions:\n"), r.out());
        // the option list goes to stderr, and --help is not defined yet at this point
        assertEquals("""

                  --debug, -D             Print debugging information
                  --graph, -g             Root of the storage tree
                  --run, -R               Root of the runtime state tree
                  --storage-driver, -s    Storage driver to use ($STORAGE_DRIVER)
                  --storage-opt=[]        Set storage driver options ($STORAGE_OPTS)
                """, r.err());
    }

    @Test
    void commandsAreListedInTableOrder() {
        Result r = run();
        assertTrue(r.out().indexOf("  shutdown ") < r.out().indexOf("  status "));
        assertTrue(r.out().indexOf("  wipe ") < r.out().indexOf("  probe "));
    }

    @Test
    void globalHelpGoesToStdoutAndSucceeds() {
        Result r = run("--help");
        assertEquals(0, r.status());
        assertEquals("", r.err());
        assertTrue(r.out().contains("\nOptions:\n\n  --debug, -D "), r.out());
        assertTrue(r.out().contains("  --help                  Print usage\n"), r.out());

        Result dep = run("-help");
        assertEquals(0, dep.status());
        assertEquals("Warning: '-help' is deprecated, it will be replaced by '--help' soon. See usage.\n", dep.err());
        assertEquals(r.out(), dep.out());
    }

    @Test
    void globalDashHPrintsUsageTwiceAndFails() {
        Result r = run("-h");
        assertEquals(1, r.status());
        String usage = r.out().substring(0, r.out().indexOf("flag: help requested"));
        assertEquals(usage + "flag: help requested while parsing arguments (1)\n" + usage, r.out());
        assertEquals(2, r.err().split("--storage-opt=\\[\\]", -1).length - 1);
    }

    @Test
    void globalOptionErrorsExitOne() {
        Result r = run("--nope", "status");
        assertEquals(1, r.status());
        assertTrue(r.out().startsWith("flag provided but not defined: --nope while parsing arguments (1)\nUsage: containers-storage"),
                r.out());
        assertTrue(r.err().startsWith("flag provided but not defined: --nope\nSee 'containers-storage --help'.\n\n  --debug"), r.err());

        Result v = run("-g");
        assertEquals(1, v.status());
        assertTrue(v.out().startsWith("flag needs an argument: -g while parsing arguments (1)\n"), v.out());

        Result b = run("-D=maybe", "status");
        assertTrue(b.out().startsWith("invalid boolean value \"maybe\" for  -D: strconv.ParseBool: parsing \"maybe\": invalid syntax"
                + " while parsing arguments (1)\n"), b.out());
    }

    @Test
    void globalOptionsWithoutACommandPrintUsage() {
        Result r = run("-D");
        assertEquals(1, r.status());
        assertTrue(r.out().startsWith("Usage: containers-storage command"), r.out());
    }

    @Test
    void unknownCommand() {
        Result r = run(store("nosuch", "x"));
        assertEquals(new Result(1, "nosuch: unrecognized command.\n", ""), r);
        assertFalse(Files.exists(dir.resolve("g")), "the store is not opened");
    }

    @Test
    void commandOptionErrorsAndHelpExit125() {
        Result r = run(store("probe", "--nope", "id"));
        assertEquals(new Result(125, "", "flag provided but not defined: --nope\nSee 'containers-storage probe --help'.\n"), r);

        for (String h : List.of("-h", "-help", "--help")) {
            Result help = run(store("pr", h));
            assertEquals(125, help.status(), h);
            assertEquals("Usage: containers-storage pr [options [...]] ID [NAME]\n\nTest command\n\nOptions:\n", help.out(), h);
            // the defaults shown are the values so far: the global options given before the command
            String rows = row("--debug, -D", "Print debugging information") + row("--graph, -g=g", "Root of the storage tree")
                    + row("--json, -j", "Prefer JSON output") + row("--run, -R=r", "Root of the runtime state tree")
                    + row("--storage-driver, -s=vfs", "Storage driver to use ($STORAGE_DRIVER)")
                    + row("--storage-opt=[]", "Set storage driver options ($STORAGE_OPTS)");
            assertEquals("\n" + rows, help.err(), h);
        }
        assertTrue(seen.isEmpty());
    }

    /** One line of the option list when the longest option text is "  --storage-driver, -s=vfs" (26 + 3 columns). */
    private static String row(String names, String usage) {
        String head = "  " + names;
        return head + " ".repeat(29 - head.length()) + " " + usage + "\n";
    }

    @Test
    void argumentCounts() {
        Result few = run(store("probe"));
        assertEquals(1, few.status());
        assertTrue(few.out().startsWith("probe: more arguments required.\nUsage: containers-storage probe [options [...]] ID [NAME]\n"),
                few.out());

        Result many = run(store("pr", "a", "b", "c d"));
        assertEquals(1, many.status());
        assertTrue(many.out().startsWith("pr: too many arguments ([a b c d]).\nUsage: containers-storage pr "), many.out());
        assertTrue(seen.isEmpty());
    }

    @Test
    void globalOptionsAfterTheCommandAndLetterGroups() {
        Result r = run("-s", "vfs", "probe", "-g", "other", "-jR", "run", "id", "--json");
        assertEquals(0, r.status(), r.toString());
        assertEquals(List.of("probe [id, --json] json=true"), seen);
        assertEquals("graph " + dir.resolve("other") + "\n", r.out());
        assertTrue(Files.isDirectory(dir.resolve("run")));
    }

    @Test
    void optionsAfterThePositionalsArePositionals() {
        Result r = run(store("probe", "id", "-j"));
        assertEquals(0, r.status());
        assertEquals(List.of("probe [id, -j] json=false"), seen);
    }

    @Test
    void debugLinesGoToStderr() {
        Result r = run(store("--debug", "--storage-opt", "vfs.ignore_chown_errors=true", "probe", "id"));
        assertEquals(0, r.status());
        List<String> lines = r.err().lines().toList();
        assertEquals(4, lines.size(), r.err());
        assertTrue(lines.get(0).matches("time=\"[^\"]+\" level=debug msg=\"Root: g\""), lines.get(0));
        assertTrue(lines.get(3).endsWith("msg=\"Driver Options: [vfs.ignore_chown_errors=true]\""), lines.get(3));
    }

    @Test
    void storeInitialisationErrors() {
        assertEquals(new Result(1, "error initializing: vfs driver does not support mount options\n", ""),
                run(store("--storage-opt", "vfs.mountopt=nodev", "status")));
        assertEquals(new Result(1, "error initializing: vfs driver does not support foo.bar options\n", ""),
                run(store("--storage-opt", " Foo.Bar = x", "status")));
        assertEquals(new Result(1, "error initializing: unable to parse key/value option: novalue\n", ""),
                run(store("--storage-opt", "novalue", "status")));
        assertEquals(new Result(1, "error initializing: strconv.ParseBool: parsing \"maybe\": invalid syntax\n", ""),
                run(store("--storage-opt", "vfs.ignore_chown_errors=maybe", "status")));
        assertEquals(new Result(1, "error initializing: no storage runroot or graphroot specified: missing necessary StoreOptions\n", ""),
                run("-s", "vfs", "--storage-opt", ".ignore_chown_errors=1", "status"));
        assertEquals(new Result(1, "error initializing: overlay: Unknown option overlay.bogus\n", ""),
                run("-g", "og", "-R", "or", "-s", "overlay", "--storage-opt", "overlay.bogus=1", "status"));
        assertEquals(new Result(1, "error initializing: overlay: image path \"relative\" is not absolute.  Can not be relative\n", ""),
                run("-g", "og", "-R", "or", "-s", "overlay", "--storage-opt", "overlay.imagestore=relative", "status"));

        Result d = run("-g", "g", "-R", "r", "-s", "btrfs", "status");
        assertEquals(1, d.status());
        assertEquals("error initializing: failed to GetDriver graph btrfs " + dir.resolve("g") + ": driver not supported\n", d.out());
        assertTrue(d.err().contains("level=error msg=\"Failed to GetDriver graph btrfs " + dir.resolve("g") + "\""), d.err());
        // GetStore made its directories and lock files before the driver failed
        for (String p : List.of("g/mounts", "g/tmp", "g/btrfs", "g/storage.lock", "g/userns.lock", "r")) {
            assertTrue(Files.exists(dir.resolve(p)), p);
        }
    }

    @Test
    void imageStoresAreAccepted() {
        Result r = run(store("--storage-opt", "VFS.imagestore=/nonexistent,/also", "--storage-opt", ".imagestore=ro", "status"));
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.err().contains("Driver Options: [VFS.imagestore=/nonexistent,/also .imagestore=ro]\n"), r.err());
    }

    @Test
    void oneRootAloneTakesTheOtherFromTheDefaults() {
        Result r = run("-s", "vfs", "-g", "g", "--storage-opt", "vfs.ignore_chown_errors=false", "probe", "x");
        assertEquals(0, r.status(), r.toString());
        if (Defaults.uid() == 0) {
            // root's default run root (/run/containers/storage on the host; here under the test's directory)
            assertTrue(Files.isDirectory(Path.of(host().runRoot())), "the run root came from the defaults: " + host().runRoot());
        }
        assertFalse(Files.exists(Path.of(host().graphRoot())), "the graph root given was used");
    }

    @Test
    void theSystemStorageConfIsUsrShareWhenItExistsElseEtcAsUpstreamResolvesIt() throws Exception {
        // no storage.conf: root's default stores, which here are under the test's directory
        Result none = run("status");
        assertEquals(0, none.status(), none.toString());
        assertTrue(Files.isDirectory(Path.of(host().graphRoot())), none.toString());
        if (Defaults.uid() != 0) {
            return; // the rest is root's resolution
        }
        Path etc = host().config().defaultOverrideConfigFile();
        Files.createDirectories(etc.getParent());
        Files.writeString(etc, "[storage]\ndriver = \"vfs\"\ngraphroot = \"" + dir.resolve("etc-g") + "\"\nrunroot = \""
                + dir.resolve("etc-r") + "\"\n");
        assertEquals(0, run("status").status());
        assertTrue(Files.isDirectory(dir.resolve("etc-g")), "/etc/containers/storage.conf is read when /usr/share has none");
        Path usr = host().config().defaultConfigFile();
        Files.createDirectories(usr.getParent());
        Files.writeString(usr, "[storage]\ndriver = \"vfs\"\ngraphroot = \"" + dir.resolve("usr-g") + "\"\nrunroot = \""
                + dir.resolve("usr-r") + "\"\n");
        assertEquals(0, run("status").status());
        // upstream v1.43.0 (checked with its binary): DefaultStoreOptions re-reads DefaultConfigFile, which for root is
        // /usr/share/containers/storage.conf, over what loadDefaultStoreOptions took from /etc
        assertTrue(Files.isDirectory(dir.resolve("usr-g")), "an existing /usr/share/containers/storage.conf wins for root");
    }

    @Test
    void storageConfSuppliesTheDefaultsWhenNoGlobalOptionIsGiven() throws Exception {
        Path conf = dir.resolve("storage.conf");
        Files.writeString(conf, """
                # comment
                [storage]
                driver = "vfs"
                runroot = "%s"
                graphroot = "%s" # trailing comment
                [storage.options]
                additionalimagestores = [
                  "%s",
                ]
                """.formatted(dir.resolve("cr"), dir.resolve("cg"), dir.resolve("ro")));
        Result r = run(Map.of("HOME", "/root", "CONTAINERS_STORAGE_CONF", conf.toString()), "status");
        assertEquals(0, r.status(), r.toString());
        assertEquals("Root: " + dir.resolve("cg") + "\nRun Root: " + dir.resolve("cr") + "\nDriver Name: vfs\nDriver Options: [vfs.imagestore="
                + dir.resolve("ro") + "]\n", r.err());

        // with a configuration file, $STORAGE_OPTS replaces its driver options
        Result env = run(Map.of("HOME", "/root", "CONTAINERS_STORAGE_CONF", conf.toString(), "STORAGE_OPTS", "vfs.mountopt=x"), "status");
        assertEquals(new Result(1, "error initializing: vfs driver does not support mount options\n", ""), env);

        Result missing = run(Map.of("HOME", "/root", "CONTAINERS_STORAGE_CONF", dir.resolve("none").toString()), store("status"));
        assertEquals(new Result(1, "error initializing: stat " + dir.resolve("none") + ": no such file or directory\n", ""), missing);
    }

    /** Log lines as logrus v1.9.0 (containers/storage v1.43.0's vendor tree, built with go1.19) writes them without a terminal. */
    @Test
    void logrusLinesQuoteOnlyWhatLogrusQuotes() {
        String[][] cases = {
                {"plain", " level=debug msg=plain\n"},
                {"Root: g", " level=debug msg=\"Root: g\"\n"},
                {"", " level=debug\n"},
                {"a-b.c_d/e@f^g+h", " level=debug msg=a-b.c_d/e@f^g+h\n"},
                {"tab\there", " level=debug msg=\"tab\\there\"\n"},
                {"\u00e9", " level=debug msg=\"\u00e9\"\n"},
        };
        for (String[] c : cases) {
            String line = Main.logrusLine("debug", c[0]);
            assertTrue(line.matches("time=\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\"" + java.util.regex.Pattern.quote(c[1])), line);
        }
    }
}
