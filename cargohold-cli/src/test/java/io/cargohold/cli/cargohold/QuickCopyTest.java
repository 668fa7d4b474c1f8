package io.cargohold.cli.cargohold;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.cli.CliContext;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@link QuickCopy} reads {@code cargohold copy}'s arguments into the same {@link CopyCommand} fields as
 * picocli does, for every option in each of its forms, and leaves to picocli every shape it does not
 * take.
 */
class QuickCopyTest {
    private static final CliContext CONTEXT = new CliContext(null, null, null, Map.of("HOME", "/nonexistent"));
    private static final String S = "oci:/tmp/src:latest";
    private static final String D = "docker://127.0.0.1:5000/app:1";

    /** A new option of CopyCommand must be taught to QuickCopy (or this set changed on purpose). */
    @Test
    void theQuickParserKnowsEveryOptionOfCopyCommand() {
        Set<String> names = new TreeSet<>();
        for (Field f : CopyCommand.class.getDeclaredFields()) {
            Option o = f.getAnnotation(Option.class);
            if (o != null) {
                names.addAll(Arrays.asList(o.names()));
            }
        }
        assertEquals(names, new TreeSet<>(QuickCopy.OPTIONS.keySet()));
        // every name in each of its forms gives what picocli gives
        for (String name : names) {
            List<String[]> forms = switch (QuickCopy.OPTIONS.get(name)) {
                case FLAG -> List.<String[]>of(new String[] {name});
                case OPTIONAL_BOOLEAN -> List.of(new String[] {name}, new String[] {name + "=false"}, new String[] {name + "=true"});
                case STRING -> List.of(new String[] {name, "linux/arm64"}, new String[] {name + "=u:p=w"});
                case PATH -> List.of(new String[] {name, "/tmp/x y"}, new String[] {name + "=rel/f"});
                case INTEGER -> List.of(new String[] {name, "3"}, new String[] {name + "=12"}, new String[] {name, "0"});
            };
            for (String[] form : forms) {
                List<String> a = new ArrayList<>(List.of("copy"));
                a.addAll(List.of(form));
                a.add(S);
                a.add(D);
                assertSameAsPicocli(a.toArray(String[]::new));
                // and after the operands
                List<String> b = new ArrayList<>(List.of("copy", S, D));
                b.addAll(List.of(form));
                assertSameAsPicocli(b.toArray(String[]::new));
            }
        }
    }

    @Test
    void combinationsGiveWhatPicocliGives() {
        String[][] global = {{}, {"--root", "/tmp/store"}, {"--root=/tmp/s", "--lock-timeout", "2.5"}, {"--lock-timeout=0", "--root", "r"}};
        String[][] vectors = {
            {"copy", S, D},
            {"copy", "-q", S, D},
            {"copy", "--json", "--all", S, "cargohold:app:1"},
            {"copy", "--src-tls-verify=false", "-q", "docker://localhost:5000/a/b:1", "oci:/tmp/o:latest"},
            {"copy", "--dest-tls-verify", S, D},
            {"copy", S, D, "--dest-tls-verify"},
            {"copy", "--src-tls-verify", "--dest-tls-verify=false", S, D},
            {"copy", "--dest-compress-format", "zstd", "--dest-compress-level", "19", "--digestfile", "/tmp/d", S, D},
            {"copy", "--dest-compress-format=gzip", "--dest-compress-level=9", S, "oci-archive:/tmp/a.tar:x"},
            {"copy", "--max-parallel", "1", S, D},
            {"copy", "--jobs=16", S, D},
            {"copy", "--platform", "linux/arm64/v8", "--remove-signatures", S, D},
            {"copy", "--src-creds", "user:pass", "--dest-creds=u2:p:w", "--authfile", "/tmp/auth.json", S, D},
            {"copy", "--src-authfile", "a.json", "--dest-authfile=b.json", "--retry-times", "0", S, D},
            {"copy", "--src-cert-dir", "/etc/certs", "--dest-cert-dir=/etc/c2", S, D},
            {"copy", S, "--quiet", D, "--json"},
            {"copy", "--retry-times=123456789", S, D},
            {"copy", "containers-storage:[vfs@/tmp/g+/tmp/r]app:1", "docker-archive:/tmp/x.tar:app:1"},
            {"copy", "--platform", "copy", "status", "list"},
            {"copy", "--src-creds", "a=b", "x=y", "oci:z"},
        };
        int n = 0;
        for (String[] g : global) {
            for (String[] v : vectors) {
                List<String> a = new ArrayList<>(List.of(g));
                a.addAll(List.of(v));
                assertSameAsPicocli(a.toArray(String[]::new));
                n++;
            }
        }
        assertEquals(80, n);
    }

    @Test
    void otherShapesGoToPicocli() {
        String[][] vectors = {
            {"copy"}, {"copy", S}, {"copy", S, D, "oci:third"}, {"copy", "--help", S, D}, {"copy", "-h"}, {"copy", S, D, "-h"},
            {"copy", "--debug", S, D}, {"copy", "--log-level", "debug", S, D}, {"--debug", "copy", S, D}, {"copy", "--root", "r", S, D},
            {"copy", S, D, "--lock-timeout", "3"}, {"copy", "-q", "-q", S, D}, {"copy", "-q", "--quiet", S, D},
            {"copy", "--jobs", "2", "--max-parallel", "3", S, D}, {"copy", "--all=true", S, D}, {"copy", "--json=false", S, D},
            {"copy", "--nope", S, D}, {"copy", "-x", S, D}, {"copy", "-qx", S, D}, {"copy", "--platform", "-x", S, D},
            {"copy", "--platform", "--all", S, D}, {"copy", "--platform=", S, D}, {"copy", "--digestfile", "", S, D},
            {"copy", "--platform"}, {"copy", S, D, "--platform"}, {"copy", "@args"}, {"copy", S, "@dst"}, {"copy", "--platform", "@p", S, D},
            {"copy", "--", S, D}, {"copy", "--jobs", "x", S, D}, {"copy", "--jobs", "0x10", S, D}, {"copy", "--jobs", "010", S, D},
            {"copy", "--jobs", "+3", S, D}, {"copy", "--jobs", "99999999999", S, D}, {"copy", "--retry-times=", S, D},
            {"copy", "--src-tls-verify", "false", S, D}, {"copy", "--src-tls-verify", "TRUE", S, D}, {"copy", "--dest-tls-verify", "False", S, D},
            {"copy", "--src-tls-verify=yes", S, D}, {"copy", "--src-tls-verify=FALSE", S, D}, {"copy", "--src-tls-verify=", S, D},
            {"copy", "--src-tls-verify", "--src-tls-verify=false", S, D}, {"copy", "", D}, {"copy", "-", D},
            {"copy", "--digestfile", "a\0b", S, D}, {"--root", "copy", S, D}, {"copy", "--Json", S, D}, {"copy", "--al", S, D},
        };
        for (String[] v : vectors) {
            assertNull(QuickCommands.parse(CONTEXT, v), () -> "quick: " + Arrays.toString(v));
        }
    }

    /** Quick parses {@code args} into the same fields (and the same top-level options) as picocli. */
    private static void assertSameAsPicocli(String... args) {
        String what = Arrays.toString(args);
        Callable<Integer> quick = QuickCommands.parse(CONTEXT, args);
        assertNotNull(quick, () -> "not quick: " + what);
        CopyCommand q = (CopyCommand) quick;
        CommandLine cl = CargoholdCommand.commandLine(CONTEXT, CopyCommand.class);
        CommandLine.ParseResult r = cl.parseArgs(args);
        CopyCommand p = (CopyCommand) r.subcommand().commandSpec().userObject();
        CargoholdCommand top = (CargoholdCommand) r.commandSpec().userObject();
        assertNull(q.spec, what);
        assertSame(CONTEXT, q.top.context, what);
        assertEquals(top.root, q.top.root, what);
        assertEquals(top.lockTimeoutSeconds, q.top.lockTimeoutSeconds, what);
        int fields = 0;
        for (Field f : CopyCommand.class.getDeclaredFields()) {
            if (f.isAnnotationPresent(Option.class) || f.isAnnotationPresent(Parameters.class)) {
                try {
                    assertEquals(f.get(p), f.get(q), () -> f.getName() + " of " + what);
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
                fields++;
            }
        }
        assertTrue(fields >= 21, "fields compared: " + fields);
    }
}
