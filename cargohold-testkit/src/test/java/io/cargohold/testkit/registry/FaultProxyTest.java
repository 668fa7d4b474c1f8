package io.cargohold.testkit.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The proxy's counts, against a JDK HTTP server upstream: a relay still running when the counts are
 * reset (a client killed a moment before, whose relay ends only when the proxy's next write fails) is
 * not counted after the reset. FaultTest's kill-and-rerun test counted the killed pull's request (its
 * 790,109 bytes, listed first, before the rerun's ping) as the rerun's when that relay ended after the reset.
 */
class FaultProxyTest {
    static final int SIZE = 4 << 20;
    HttpServer upstream;
    FaultProxy proxy;

    @BeforeEach
    void start() throws IOException {
        upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[] body = new byte[SIZE];
        new java.util.Random(1).nextBytes(body);
        upstream.createContext("/big", x -> {
            x.sendResponseHeaders(200, body.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(body);
            } catch (IOException clientGone) {
                // the proxy dropped the relay
            }
        });
        upstream.start();
        proxy = FaultProxy.start("127.0.0.1:" + upstream.getAddress().getPort());
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        upstream.stop(0);
    }

    private Socket get(String path) throws IOException {
        String[] hp = proxy.host().split(":");
        Socket s = new Socket(hp[0], Integer.parseInt(hp[1]));
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        return s;
    }

    @Test
    void aRelayRunningAtTheResetIsNotCountedAfterIt() throws Exception {
        proxy.throttle(1 << 20); // 4 s for the whole body: the relay is surely running at the reset
        try (Socket s = get("/big")) {
            InputStream in = s.getInputStream();
            in.readNBytes(100_000);
            // (counted just after each write: the last 16 KiB written may not be counted yet)
            assertTrue(proxy.bodyBytesSoFar() >= 100_000 - (32 << 10), "relayed so far: " + proxy.bodyBytesSoFar());
            proxy.resetCounts();
            // the client goes away (as a killed process's socket does) with the relay still running
        }
        assertTrue(proxy.awaitIdle(Duration.ofSeconds(30)), "the relay ended");
        assertEquals(0, proxy.requests("GET", "/big"), proxy.exchanges().toString());
        assertEquals(0, proxy.bodyBytes("GET", "/big"));
        assertEquals(0, proxy.bodyBytesSoFar());

        proxy.throttle(0);
        long got;
        try (Socket s = get("/big")) {
            got = s.getInputStream().readAllBytes().length;
        }
        assertTrue(proxy.awaitIdle(Duration.ofSeconds(30)));
        assertTrue(got > SIZE, "headers and body: " + got);
        assertEquals(1, proxy.requests("GET", "/big"), proxy.exchanges().toString());
        assertEquals(SIZE, proxy.bodyBytes("GET", "/big"));
        assertEquals(SIZE, proxy.bodyBytesSoFar());
    }
}
