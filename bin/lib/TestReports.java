// Reads surefire's XML reports (a JDK 25 single-file program: `java bin/lib/TestReports.java ...`).
//
//   check MODULE_DIR [test=FILTER] [skip=true|false,...]
//       Run by Maven in every module's verify phase (parent pom, exec-maven-plugin). Lists the test
//       classes under MODULE_DIR/src/test/java (a class with a method annotated @Test, @Property,
//       @Example, @ParameterizedTest, @RepeatedTest, @TestFactory or @TestTemplate) and fails when one
//       of them, or one of its test methods, has no result in MODULE_DIR/target/surefire-reports: a
//       test class no runner executed (a name surefire's patterns do not match, a missing engine, a
//       private test method) fails the build instead of passing unseen. Does nothing when surefire
//       was told to run a subset (-Dtest=...) or to skip the tests.
//
//   summary ROOT_DIR
//       Run by bin/test at the end: tests, failures, errors and skips per module and in total, every
//       skipped test with its reason (grouped), and the try counts jqwik reported for each property.
//       Exit status 0; with --fail-on-peer-skips, 3 when a test was skipped for a missing peer tool.

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

static final Pattern TEST_ANNOTATION = Pattern.compile(
        "^\\s*@(?:org\\.junit\\.jupiter\\.api\\.|net\\.jqwik\\.api\\.|org\\.junit\\.jupiter\\.params\\.)?"
                + "(Test|Property|Example|ParameterizedTest|RepeatedTest|TestFactory|TestTemplate)\\b");
static final Pattern METHOD = Pattern.compile("^\\s*(?:[\\w<>\\[\\],?\\s]+\\s+)?(\\w+)\\s*\\(");
/** What Tools.require says when it skips for a missing peer tool (see cargohold-testkit). */
static final String PEER_SKIP_MARK = "[peer tool]";

record TestClass(String name, List<String> methods) {
}

record Report(String className, int tests, int failures, int errors, int skipped, Set<String> testcases,
        Map<String, String> skippedCases, List<String> tries) {
}

void main(String[] args) throws Exception {
    if (args.length < 2) {
        System.err.println("usage: TestReports check MODULE_DIR [test=FILTER] [skip=...] | summary ROOT_DIR [--fail-on-peer-skips]");
        System.exit(2);
    }
    switch (args[0]) {
        case "check" -> System.exit(check(Path.of(args[1]), List.of(args).subList(2, args.length)));
        case "summary" -> System.exit(summary(Path.of(args[1]), List.of(args).contains("--fail-on-peer-skips")));
        default -> {
            System.err.println("unknown mode " + args[0]);
            System.exit(2);
        }
    }
}

/** A Maven expression left unresolved (the property is not set) or an empty value means "not set". */
static boolean isSet(String value) {
    return value != null && !value.isBlank() && !value.startsWith("${");
}

int check(Path module, List<String> options) throws Exception {
    for (String o : options) {
        if (o.startsWith("test=") && isSet(o.substring(5))) {
            System.out.println("[tests-ran] " + module.getFileName() + ": -Dtest=" + o.substring(5) + " given; not checking that every test class ran");
            return 0;
        }
        if (o.startsWith("skip=")) {
            for (String v : o.substring(5).split(",")) {
                if (v.trim().equals("true")) {
                    return 0;
                }
            }
        }
    }
    Path src = module.resolve("src/test/java");
    if (!Files.isDirectory(src)) {
        return 0;
    }
    List<TestClass> classes = testClasses(src);
    Map<String, Report> reports = reports(module.resolve("target/surefire-reports"));
    List<String> problems = new ArrayList<>();
    int methods = 0;
    for (TestClass c : classes) {
        Report r = reports.get(c.name());
        if (r == null || r.tests() == 0) {
            problems.add(c.name() + ": no surefire report (no runner executed this class)");
            continue;
        }
        for (String m : c.methods()) {
            methods++;
            boolean ran = r.testcases().stream().anyMatch(t -> t.equals(m) || t.startsWith(m + "(") || t.startsWith(m + "[")
                    || t.startsWith(m + " "));
            if (!ran) {
                problems.add(c.name() + "." + m + ": declared as a test but has no result in the report");
            }
        }
    }
    if (!problems.isEmpty()) {
        System.err.println("[tests-ran] " + module.getFileName() + ": test classes or methods that no runner executed:");
        problems.forEach(p -> System.err.println("  " + p));
        System.err.println("[tests-ran] fix: surefire <includes> in the parent pom, the engine dependency, or the method's visibility");
        return 1;
    }
    System.out.println("[tests-ran] " + module.getFileName() + ": all " + classes.size() + " test classes (" + methods
            + " test methods) have results");
    return 0;
}

/** Every top-level class under src/test/java that declares a test method, with those methods' names. */
static List<TestClass> testClasses(Path src) throws IOException {
    List<TestClass> out = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> s = Files.walk(src)) {
        files = s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
    }
    for (Path f : files) {
        List<String> lines = Files.readAllLines(f);
        if (lines.stream().anyMatch(l -> l.matches("^\\s*(public\\s+)?abstract\\s+class\\b.*"))) {
            continue; // run through its subclasses
        }
        List<String> methods = new ArrayList<>();
        boolean pending = false;
        for (String l : lines) {
            if (TEST_ANNOTATION.matcher(l).find()) {
                pending = true;
                // an annotation and the method on one line
                String rest = l.replaceFirst("^\\s*@\\S+(\\([^)]*\\))?", "");
                Matcher m = METHOD.matcher(rest);
                if (!rest.isBlank() && m.find() && !m.group(1).equals("class")) {
                    methods.add(m.group(1));
                    pending = false;
                }
                continue;
            }
            if (pending) {
                String t = l.trim();
                if (t.startsWith("@") || t.startsWith("//") || t.isEmpty()) {
                    continue;
                }
                Matcher m = METHOD.matcher(l);
                if (m.find()) {
                    methods.add(m.group(1));
                }
                pending = false;
            }
        }
        if (!methods.isEmpty()) {
            String rel = src.relativize(f).toString();
            out.add(new TestClass(rel.substring(0, rel.length() - ".java".length()).replace('/', '.'), methods));
        }
    }
    return out;
}

static Map<String, Report> reports(Path dir) throws Exception {
    Map<String, Report> out = new TreeMap<>();
    if (!Files.isDirectory(dir)) {
        return out;
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
        files = s.filter(p -> p.getFileName().toString().startsWith("TEST-") && p.toString().endsWith(".xml")).sorted().toList();
    }
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    for (Path p : files) {
        Document d = f.newDocumentBuilder().parse(p.toFile());
        Element suite = d.getDocumentElement();
        Set<String> cases = new TreeSet<>();
        Map<String, String> skipped = new TreeMap<>();
        List<String> tries = new ArrayList<>();
        NodeList tcs = suite.getElementsByTagName("testcase");
        for (int i = 0; i < tcs.getLength(); i++) {
            Element tc = (Element) tcs.item(i);
            String name = tc.getAttribute("name");
            cases.add(name);
            NodeList sk = tc.getElementsByTagName("skipped");
            if (sk.getLength() > 0) {
                skipped.put(tc.getAttribute("classname") + "." + name, skipReason((Element) sk.item(0)));
            }
            NodeList so = tc.getElementsByTagName("system-out");
            for (int j = 0; j < so.getLength(); j++) {
                Matcher m = Pattern.compile("tries\\s*=\\s*(\\d+)[^\\n]*\\n(?:[^\\n]*\\n)*?\\s*checks\\s*=\\s*(\\d+)")
                        .matcher(so.item(j).getTextContent());
                while (m.find()) {
                    tries.add(name + ": tries = " + m.group(1) + ", checks = " + m.group(2));
                }
            }
        }
        String cls = suite.getAttribute("name");
        out.put(cls, new Report(cls, intAttr(suite, "tests"), intAttr(suite, "failures"), intAttr(suite, "errors"),
                intAttr(suite, "skipped"), cases, skipped, tries));
    }
    return out;
}

/**
 * The reason of a skip: the message attribute, else the first line of the element's text (surefire
 * writes an aborted test's exception there: "org.opentest4j.TestAbortedException: REASON"), without
 * the exception's class name.
 */
static String skipReason(Element skipped) {
    String msg = skipped.getAttribute("message");
    if (msg.isEmpty()) {
        msg = skipped.getTextContent().strip().lines().findFirst().orElse("");
    }
    msg = msg.replaceFirst("^[\\w.$]+(Exception|Error): ", "").strip();
    return msg.isEmpty() ? "(no reason given)" : msg;
}

static int intAttr(Element e, String name) {
    String v = e.getAttribute(name);
    return v.isEmpty() ? 0 : Integer.parseInt(v);
}

int summary(Path root, boolean failOnPeerSkips) throws Exception {
    List<Path> modules;
    try (Stream<Path> s = Files.list(root)) {
        modules = s.filter(p -> Files.isDirectory(p.resolve("target/surefire-reports"))).sorted().toList();
    }
    int tests = 0, failures = 0, errors = 0, skipped = 0;
    Map<String, List<String>> byReason = new TreeMap<>();
    List<String> tries = new ArrayList<>();
    System.out.println();
    System.out.println("==== test summary (surefire reports) ====");
    for (Path m : modules) {
        int t = 0, fl = 0, er = 0, sk = 0;
        for (Report r : reports(m.resolve("target/surefire-reports")).values()) {
            t += r.tests();
            fl += r.failures();
            er += r.errors();
            sk += r.skipped();
            r.skippedCases().forEach((test, why) -> byReason.computeIfAbsent(why, k -> new ArrayList<>()).add(test));
            r.tries().forEach(x -> tries.add(r.className() + "." + x));
        }
        System.out.printf("%-22s %5d tests, %d failures, %d errors, %d skipped%n", m.getFileName(), t, fl, er, sk);
        tests += t;
        failures += fl;
        errors += er;
        skipped += sk;
    }
    System.out.printf("%-22s %5d tests, %d failures, %d errors, %d skipped%n", "total", tests, failures, errors, skipped);
    if (!tries.isEmpty()) {
        System.out.println("properties (jqwik):");
        tries.forEach(x -> System.out.println("  " + x));
    }
    int peerSkips = 0;
    if (skipped > 0) {
        System.out.println("skipped, by reason:");
        for (var e : byReason.entrySet()) {
            System.out.println("  " + e.getValue().size() + " x " + e.getKey());
            e.getValue().forEach(t -> System.out.println("      " + t));
            if (e.getKey().contains(PEER_SKIP_MARK)) {
                peerSkips += e.getValue().size();
            }
        }
    }
    System.out.println("peer-tool tests skipped: " + peerSkips);
    return failOnPeerSkips && peerSkips > 0 ? 3 : 0;
}
