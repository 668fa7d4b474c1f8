import java.security.MessageDigest;
import java.util.Random;

/**
 * SHA-256 throughput of the JDK in memory, without any I/O: hashes 1 GiB as 1024 updates of a 1 MiB
 * buffer (the buffer size LocalBlobStore uses), five times, and prints MiB/s for each round. A
 * single-file program, run with the JVM options to compare, e.g.
 *
 * <pre>
 *   java -XX:+UseSerialGC bench/ShaThroughput.java
 *   java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 bench/ShaThroughput.java
 * </pre>
 */
public class ShaThroughput {
    public static void main(String[] args) throws Exception {
        byte[] buf = new byte[1 << 20];
        new Random(1).nextBytes(buf);
        for (int round = 1; round <= 5; round++) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            long t = System.nanoTime();
            for (int i = 0; i < 1024; i++) {
                md.update(buf, 0, buf.length);
            }
            md.digest();
            double s = (System.nanoTime() - t) / 1e9;
            System.out.printf("round %d: 1024 MiB in %.3f s = %.0f MiB/s%n", round, s, 1024 / s);
        }
    }
}
