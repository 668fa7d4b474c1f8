package io.cargohold.cli;

import static io.cargohold.cli.Cli.sha256;
import static io.cargohold.cli.Cli.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.fs.lock.LockMode;
import io.cargohold.fs.lock.PosixLockFile;
import io.cargohold.testkit.images.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The top level: help, version, usage errors, the store root's resolution, lock time-outs. */
class MainTest {
    @TempDir
    Path tmp;

    @Test
    void helpAndVersion() {
        Cli cli = new Cli(tmp.resolve("store"));
        Cli.Result help = cli.run("--help").ok();
        assertTrue(help.out().startsWith("Usage: cargohold "), help.out());
        for (String command : List.of("status", "blob", "kv", "fsck")) {
            assertTrue(help.out().contains("\n  " + command + " "), command);
        }
        assertTrue(help.out().contains("Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 conflict, 5 corrupt, 6 busy,\n7 denied (a registry refused the credentials or the access)."), help.out());
        Cli.Result none = cli.run().fails(ExitCodes.USAGE, "missing command (one of: ");
        assertTrue(none.err().contains("copy") && none.err().contains("Run 'cargohold --help' for usage."), none.err());
        String version = cli.run("--version").ok().out();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("cargohold (\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?) \\(commit ([0-9a-f]{12}|unknown)\\)\nJava 25.*\n")
                .matcher(version);
        assertTrue(m.matches(), version);
        assertEquals(io.cargohold.Version.current().version(), m.group(1));
        Path git = Path.of(System.getProperty("basedir", "")).toAbsolutePath().resolveSibling(".git");
        if (Files.exists(git) && !m.group(3).equals("unknown")) {
            // built from this checkout: the commit is HEAD's (the build filters it in at every mvn run)
            assertTrue(Tools.ok("git", "-C", git.getParent(), "rev-parse", "HEAD").out().startsWith(m.group(3)), version);
        }
        // Every usage error ends with "Run 'cargohold <command> --help' for usage.", so that has to work.
        Cli.Result blobHelp = cli.run("blob", "--help").ok();
        assertTrue(blobHelp.out().startsWith("Usage: cargohold blob "), blobHelp.out());
        assertTrue(blobHelp.out().contains("\n  resolve "), blobHelp.out());
        assertTrue(cli.run("blob", "data", "ls", "-h").ok().out().startsWith("Usage: cargohold blob data ls "));
        assertTrue(cli.run("fsck", "--help").ok().out().contains("--rebuild-index"));
        assertFalse(Files.exists(cli.root), "help opens no store");
    }

    @Test
    void usageErrors() {
        Cli cli = new Cli(tmp.resolve("store"));
        Cli.Result unknown = cli.run("frobnicate").fails(ExitCodes.USAGE, "Unmatched argument at index 2: 'frobnicate'");
        assertTrue(unknown.err().contains("Run 'cargohold --help' for usage."), unknown.err());
        cli.run("blob", "frobnicate").fails(ExitCodes.USAGE, "Unmatched argument");
        cli.run("--bogus", "status").fails(ExitCodes.USAGE, "Unknown option: '--bogus'");
        Cli.Result sub = cli.run("status", "--bogus").fails(ExitCodes.USAGE, "Unknown option: '--bogus'");
        assertTrue(sub.err().contains("Run 'cargohold status --help' for usage."), sub.err());
        cli.run("blob").fails(ExitCodes.USAGE, "Missing required subcommand");
        cli.run("--lock-timeout", "soon", "status").fails(ExitCodes.USAGE, "--lock-timeout");
        Cli.raw(new byte[0], cli.env, "--root").fails(ExitCodes.USAGE, "Missing required parameter for option '--root'");
        assertFalse(Files.exists(cli.root), "errors found while parsing the command line open no store");
        cli.run("blob", "get", "sha256:" + "A".repeat(64)).fails(ExitCodes.USAGE, "invalid digest prefix");
    }

    @Test
    void rootComesFromOptionThenCargoholdRootThenXdgDataHomeThenHome() {
        Path opt = tmp.resolve("opt");
        Path env = tmp.resolve("env");
        Path xdg = tmp.resolve("xdg");
        Path home = tmp.resolve("home");
        Map<String, String> vars = new HashMap<>(Map.of("CARGOHOLD_ROOT", env.toString(), "XDG_DATA_HOME", xdg.toString(),
                "HOME", home.toString()));

        assertEquals(opt.toString(), rootUsed(vars, "--root", opt.toString(), "status", "--json"));
        assertEquals(opt.toString(), rootUsed(vars, "status", "--json", "--root", opt.toString()), "--root after the command");
        assertEquals(env.toString(), rootUsed(vars));
        vars.put("CARGOHOLD_ROOT", "");
        Cli.raw(new byte[0], vars, "status", "--json").fails(ExitCodes.USAGE, "$CARGOHOLD_ROOT is set but empty"); // never the working directory
        vars.remove("CARGOHOLD_ROOT");
        assertEquals(xdg.resolve("cargohold").toString(), rootUsed(vars));
        vars.put("XDG_DATA_HOME", "");
        assertEquals(home.resolve(".local/share/cargohold").toString(), rootUsed(vars), "an empty XDG_DATA_HOME is unset");
        vars.remove("XDG_DATA_HOME");
        assertEquals(home.resolve(".local/share/cargohold").toString(), rootUsed(vars));

        for (Path p : List.of(opt, env, xdg.resolve("cargohold"), home.resolve(".local/share/cargohold"))) {
            assertTrue(Files.isRegularFile(p.resolve("cargohold.db")), p::toString);
        }
        assertFalse(Files.exists(xdg.resolve("cargohold.db")));
        assertFalse(Files.exists(home.resolve("cargohold.db")));

        // The root is used by every command, not just status: a blob put via the environment is found via --root.
        byte[] content = utf8("where am I");
        vars.put("CARGOHOLD_ROOT", env.toString());
        Cli.raw(content, vars, "blob", "put", "-").ok();
        assertEquals(sha256(content) + "\t10\t-\n", Cli.raw(new byte[0], Map.of(), "--root", env.toString(), "blob", "ls").ok().out());
        Cli.raw(new byte[0], vars, "--root", opt.toString(), "blob", "get", sha256(content))
                .fails(ExitCodes.NOT_FOUND, "not found");
    }

    /** The root a command used, as {@code status --json} reports it (the default command). */
    private static String rootUsed(Map<String, String> env, String... args) {
        String[] a = args.length == 0 ? new String[] {"status", "--json"} : args;
        return Cli.raw(new byte[0], env, a).ok().json().get("root").asText();
    }

    @Test
    void lockTimeoutGivesBusy() throws Exception {
        Cli cli = new Cli(tmp.resolve("store"));
        cli.run("status").ok();
        // Hold the store lock (byte 0 of the lock file) exclusively, as fsck does; a put needs it shared.
        PosixLockFile.Held held = PosixLockFile.of(cli.root.resolve("cargohold.lock")).lock(0, 1, LockMode.EXCLUSIVE);
        try {
            Cli.Result r = CompletableFuture.supplyAsync(
                    () -> cli.withStdin(utf8("waits"), "--lock-timeout", "0.2", "blob", "put", "-")).get(30, TimeUnit.SECONDS);
            r.fails(ExitCodes.BUSY, "timed out after 200ms waiting for lock");
        } finally {
            held.close();
        }
        assertEquals("", cli.run("blob", "ls").ok().out());
        cli.withStdin(utf8("waits"), "--lock-timeout", "0.2", "blob", "put", "-").ok();
    }
}
