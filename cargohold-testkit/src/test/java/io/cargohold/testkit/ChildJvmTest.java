package io.cargohold.testkit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildJvmTest {
    @TempDir
    Path tmp;

    /** Prints numbered lines as fast as it can; each line goes to a log file after stdout has it. */
    public static final class Printer {
        public static void main(String[] args) throws Exception {
            try (FileOutputStream log = new FileOutputStream(args[0])) {
                System.out.println("READY");
                System.out.flush();
                for (long i = 0; ; i++) {
                    String line = "LINE " + i + " " + "x".repeat(80);
                    System.out.println(line);
                    System.out.flush();
                    log.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                }
            }
        }
    }

    /**
     * What a killed child wrote to stdout before it died is all in {@link ChildJvm#output()}: crash
     * tests rely on the last lines (Process.destroyForcibly() closes the pipes and used to drop
     * whatever was still unread in them, in about a third of the kills here).
     */
    @Test
    void killKeepsEverythingTheChildWrote() throws Exception {
        Random random = new Random(3);
        for (int round = 0; round < 12; round++) {
            Path log = tmp.resolve("log" + round);
            try (ChildJvm c = ChildJvm.start(Printer.class, log.toString())) {
                c.await("READY", 60);
                Thread.sleep(20 + random.nextInt(150));
                c.kill();
                String text = Files.readString(log);
                List<String> logged = List.of(text.substring(0, text.lastIndexOf('\n') + 1).split("\n"));
                List<String> out = c.output();
                if (!logged.getLast().isEmpty()) {
                    String last = logged.getLast();
                    assertTrue(out.contains(last), "round " + round + ": the child logged \"" + last.substring(0, 12)
                            + "…\" after writing it to stdout, but output() ends with \"" + out.getLast() + "\"");
                }
            }
        }
    }
}
