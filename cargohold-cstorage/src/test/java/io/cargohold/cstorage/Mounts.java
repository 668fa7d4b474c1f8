package io.cargohold.cstorage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Mount points for tests that run upstream's binary (it leaves the overlay home's private bind mount
 * behind) or mount a tmpfs: read from /proc/self/mountinfo, made and removed with mount(8)/umount(8)
 * (the storage module's KernelMounts is internal to it).
 */
final class Mounts {
    private Mounts() {
    }

    /** Mount points at or below {@code dir}, outermost first. */
    static List<String> under(Path dir) throws IOException {
        List<String> points = new ArrayList<>();
        String d = dir.toString();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String mp = unescape(line.split(" ")[4]);
            if (mp.equals(d) || mp.startsWith(d + "/")) {
                points.add(mp);
            }
        }
        return points;
    }

    /** Lazily unmounts everything at or below {@code dir}, innermost first. */
    static void unmountAll(Path dir) throws IOException, InterruptedException {
        for (String mp : under(dir).reversed()) {
            run("umount", "-l", mp);
        }
    }

    static void tmpfs(Path at, String size) throws IOException, InterruptedException {
        run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", at.toString());
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + ": " + out.strip());
        }
    }

    /** mountinfo's octal escapes (\040 for a space, …). */
    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
