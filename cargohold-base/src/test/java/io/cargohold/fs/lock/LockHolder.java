package io.cargohold.fs.lock;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;

/** Child-process main: takes a lock, prints "locked", holds it until a line arrives on stdin. */
public final class LockHolder {
    public static void main(String[] args) throws Exception {
        PosixLockFile f = PosixLockFile.of(Path.of(args[0]));
        try (var held = f.lock(Long.parseLong(args[1]), Long.parseLong(args[2]), LockMode.valueOf(args[3]))) {
            System.out.println("locked");
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in)).readLine();
        }
        System.out.println("released");
    }
}
