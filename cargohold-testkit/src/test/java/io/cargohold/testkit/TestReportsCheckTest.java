package io.cargohold.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cargohold.testkit.images.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/lib/TestReports.java, the check every module runs after its tests (parent pom): a test class
 * (or test method) under src/test/java without a surefire result fails the build; a class whose
 * methods all have results, a helper without tests and an abstract base class pass.
 */
class TestReportsCheckTest {
    @TempDir
    Path module;

    static final Path SCRIPT = Path.of(System.getProperty("user.dir")).resolveSibling("bin/lib/TestReports.java");

    Tools.Result check(String... options) {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        java.util.List<Object> cmd = new java.util.ArrayList<>(java.util.List.of(javaBin, SCRIPT, "check", module));
        cmd.addAll(java.util.List.of(options));
        return Tools.run(cmd.toArray());
    }

    void source(String path, String text) throws IOException {
        Path f = module.resolve("src/test/java").resolve(path);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
    }

    void report(String className, String... testcases) throws IOException {
        Path dir = Files.createDirectories(module.resolve("target/surefire-reports"));
        StringBuilder b = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"" + className + "\" tests=\""
                + testcases.length + "\" failures=\"0\" errors=\"0\" skipped=\"0\">\n");
        for (String t : testcases) {
            b.append("  <testcase name=\"").append(t).append("\" classname=\"").append(className).append("\"/>\n");
        }
        Files.writeString(dir.resolve("TEST-" + className + ".xml"), b.append("</testsuite>\n"));
    }

    @Test
    void aTestClassWithoutAReportFailsAndOneWithResultsPasses() throws IOException {
        assertTrue(Files.isRegularFile(SCRIPT), SCRIPT.toString());
        source("a/ThingTest.java", "package a;\nclass ThingTest {\n    @Test\n    void works() {}\n\n    @ParameterizedTest\n"
                + "    @ValueSource(ints = {1, 2})\n    void each(int i) {}\n}\n");
        source("a/ThingProperties.java", "package a;\nclass ThingProperties {\n    @Property(tries = 10)\n    void holds(@ForAll int x) {}\n}\n");
        source("a/Helper.java", "package a;\nfinal class Helper {\n    static void help() {}\n}\n");
        source("a/Base.java", "package a;\nabstract class Base {\n    @Test\n    void inherited() {}\n}\n");
        report("a.ThingTest", "works", "each(int)[1]", "each(int)[2]");

        Tools.Result missingClass = check("test=${test}", "skip=false,false");
        assertEquals(1, missingClass.exit(), missingClass.stderr());
        assertTrue(missingClass.stderr().contains("a.ThingProperties: no surefire report"), missingClass.stderr());

        report("a.ThingProperties", "somethingElse");
        Tools.Result missingMethod = check("test=${test}", "skip=false,false");
        assertEquals(1, missingMethod.exit(), missingMethod.stderr());
        assertTrue(missingMethod.stderr().contains("a.ThingProperties.holds: declared as a test but has no result"), missingMethod.stderr());

        report("a.ThingProperties", "holds");
        Tools.Result ok = check("test=${test}", "skip=false,false");
        assertEquals(0, ok.exit(), ok.stderr());
        assertTrue(ok.out().contains("all 2 test classes (3 test methods) have results"), ok.out());

        Files.delete(module.resolve("target/surefire-reports/TEST-a.ThingTest.xml"));
        assertEquals(0, check("test=ThingProperties", "skip=false,false").exit(), "a run of chosen tests is not checked");
        assertEquals(0, check("test=", "skip=true,false").exit(), "-DskipTests");
        assertEquals(1, check("test=", "skip=false,false").exit(), "an empty -Dtest= is a full run");
    }

    @Test
    void theSummaryCountsSkipsByReasonAndPeerSkipsFailOnlyWhenAsked() throws IOException {
        Path reports = Files.createDirectories(module.resolve("mod/target/surefire-reports"));
        Files.writeString(reports.resolve("TEST-a.PeerTest.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <testsuite name="a.PeerTest" tests="3" failures="0" errors="0" skipped="2">
                  <testcase name="usesSkopeo" classname="a.PeerTest">
                    <skipped type="org.opentest4j.TestAbortedException"><![CDATA[org.opentest4j.TestAbortedException: [peer tool] skopeo: skipped by -Dcargohold.peers=skip (the short suite)
                	at somewhere]]></skipped>
                  </testcase>
                  <testcase name="needsRoot" classname="a.PeerTest"><skipped message="chown needs root"/></testcase>
                  <testcase name="runs" classname="a.PeerTest">
                    <system-out><![CDATA[tries = 25                    | # of calls to property
                checks = 25                   | # of not rejected calls
                ]]></system-out>
                  </testcase>
                </testsuite>
                """);
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        Tools.Result r = Tools.run(javaBin, SCRIPT, "summary", module);
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("mod ") && l.endsWith(" 3 tests, 0 failures, 0 errors, 2 skipped")),
                r.out());
        assertTrue(r.out().contains("1 x [peer tool] skopeo: skipped by -Dcargohold.peers=skip (the short suite)"), r.out());
        assertTrue(r.out().contains("1 x chown needs root"), r.out());
        assertTrue(r.out().contains("a.PeerTest.runs: tries = 25, checks = 25"), r.out());
        assertTrue(r.out().contains("peer-tool tests skipped: 1"), r.out());
        assertEquals(3, Tools.run(javaBin, SCRIPT, "summary", module, "--fail-on-peer-skips").exit());
    }
}
