package io.cargohold.testkit.registry;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fault-injecting HTTP/1.1 proxy on loopback between a client and a registry (plain HTTP): it relays
 * each request on a connection of its own ({@code Connection: close} both ways, so a request is one
 * connection and one count), counts the response body bytes it relays per request path, and applies
 * the faults queued with {@link #add}: an error status with {@code Retry-After}, a connection cut after
 * some bytes of the body, a corrupted body, a response that never comes (or stops mid-body), and an
 * overall bandwidth limit (to kill a client midway). Written by hand: it must cut connections and send
 * broken bodies, which no proxy library does on purpose.
 *
 * <p>Counts are per generation ({@link #resetCounts}): a relay that started before the reset (say, of a
 * client killed a moment ago, whose relay ends only when the proxy's next write finds the socket gone) is
 * neither listed nor counted after it, however late it ends.
 */
public final class FaultProxy implements AutoCloseable {
    /** What to do to a matching request. */
    public enum Kind {
        /** Answer with status {@code arg} (429, 503…) and {@code Retry-After: 1}, without asking the registry. */
        STATUS,
        /** Relay the headers and {@code arg} body bytes, then close the connection. */
        CUT_AFTER,
        /** Relay the response with body byte {@code arg} flipped. */
        CORRUPT,
        /** Relay the headers and {@code arg} body bytes, then send nothing more and keep the connection open. */
        HANG_AFTER,
        /** Accept the request and never answer. */
        HANG,
        /**
         * Relay the request head and {@code arg} bytes of its body to the registry, end the request there
         * (half-close), wait for the registry to answer or close, then close the client's connection without
         * an answer (an upload cut midway).
         */
        CUT_REQUEST_AFTER
    }

    /** A fault for the next {@code times} requests whose method is {@code method} and whose path contains {@code pathPart}. */
    public record Fault(String method, String pathPart, Kind kind, long arg, int[] left) {
        public static Fault of(String method, String pathPart, Kind kind, long arg, int times) {
            return new Fault(method, pathPart, kind, arg, new int[] {times});
        }
    }

    /** One relayed request: method, path, status (0: none), body bytes sent to the client and request body bytes sent to the registry. */
    public record Exchange(String method, String path, int status, long bodyBytes, long requestBytes) {
        public Exchange(String method, String path, int status, long bodyBytes) {
            this(method, path, status, bodyBytes, 0);
        }
    }

    private final ServerSocket server;
    private final String upstreamHost;
    private final int upstreamPort;
    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    private final List<Exchange> exchanges = new CopyOnWriteArrayList<>();
    private final AtomicLong bodyBytes = new AtomicLong();
    private final Map<String, AtomicLong> bodyBytesByPath = new ConcurrentHashMap<>();
    /** Bumped by {@link #resetCounts}; each relay counts only while the generation it started in is current. */
    private final java.util.concurrent.atomic.AtomicInteger generation = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final java.util.Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile long bytesPerSecond;
    private volatile boolean closed;

    private FaultProxy(String upstream) throws IOException {
        int colon = upstream.lastIndexOf(':');
        this.upstreamHost = upstream.substring(0, colon);
        this.upstreamPort = Integer.parseInt(upstream.substring(colon + 1));
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.submit(this::acceptLoop);
    }

    /** A proxy in front of {@code upstream} ({@code HOST:PORT}, plain HTTP). */
    public static FaultProxy start(String upstream) throws IOException {
        return new FaultProxy(upstream);
    }

    public String host() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    public void add(Fault f) {
        faults.add(f);
    }

    public void clearFaults() {
        faults.clear();
    }

    /** Limit the relay of response bodies to about this rate (0 = unlimited). */
    public void throttle(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    public List<Exchange> exchanges() {
        return List.copyOf(exchanges);
    }

    /** Body bytes relayed to clients for requests of {@code method} whose path contains {@code pathPart}. */
    public long bodyBytes(String method, String pathPart) {
        return exchanges.stream().filter(e -> e.method().equals(method) && e.path().contains(pathPart)).mapToLong(Exchange::bodyBytes).sum();
    }

    /** Body bytes relayed so far, counted as they go (also for requests still running). */
    public long bodyBytesSoFar() {
        return bodyBytes.get();
    }

    /** Body bytes relayed so far for request paths containing {@code pathPart} (also for requests still running). */
    public long bodyBytesSoFar(String pathPart) {
        return bodyBytesByPath.entrySet().stream().filter(e -> e.getKey().contains(pathPart)).mapToLong(e -> e.getValue().get()).sum();
    }

    /** Request body bytes relayed to the registry for requests of {@code method} whose path contains {@code pathPart}. */
    public long requestBytes(String method, String pathPart) {
        return exchanges.stream().filter(e -> e.method().equals(method) && e.path().contains(pathPart)).mapToLong(Exchange::requestBytes).sum();
    }

    public long requests(String method, String pathPart) {
        return exchanges.stream().filter(e -> e.method().equals(method) && e.path().contains(pathPart)).count();
    }

    /**
     * Starts a new count: clears the exchanges and bytes so far, and relays still running (of requests
     * sent before this call) are not counted from now on, not even when they end.
     */
    public synchronized void resetCounts() {
        generation.incrementAndGet();
        exchanges.clear();
        bodyBytes.set(0);
        bodyBytesByPath.clear();
    }

    /** The number of connections being handled now (relays running, hanging responses). */
    public int inFlight() {
        return inFlight.get();
    }

    /** Waits until no connection is being handled (at most {@code timeout}); false on timeout. */
    public boolean awaitIdle(java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (inFlight.get() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    private synchronized void record(int gen, Exchange e) {
        if (gen == generation.get()) {
            exchanges.add(e);
        }
    }

    private synchronized void count(int gen, String path, long n) {
        if (gen == generation.get()) {
            bodyBytes.addAndGet(n);
            bodyBytesByPath.computeIfAbsent(path, k -> new AtomicLong()).addAndGet(n);
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                open.add(s);
                inFlight.incrementAndGet();
                threads.submit(() -> {
                    try (s) {
                        handle(s);
                    } catch (IOException | RuntimeException dropped) {
                        // a client that went away, or a fault
                    } finally {
                        open.remove(s);
                        inFlight.decrementAndGet();
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    private Fault take(String method, String path) {
        for (Fault f : faults) {
            if (f.method().equals(method) && path.contains(f.pathPart())) {
                synchronized (f) {
                    if (f.left()[0] > 0) {
                        f.left()[0]--;
                        return f;
                    }
                }
            }
        }
        return null;
    }

    private void handle(Socket client) throws IOException {
        InputStream cin = new BufferedInputStream(client.getInputStream());
        OutputStream cout = client.getOutputStream();
        cin.mark(1);
        if (cin.read() == 0x16) {
            // a TLS ClientHello (a client trying HTTPS first): answer as a plain HTTP server does, so it falls back at once
            cout.write("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            cout.flush();
            return;
        }
        cin.reset();
        List<String> head = readHead(cin);
        if (head.isEmpty()) {
            return;
        }
        int gen = generation.get();
        String[] requestLine = head.get(0).split(" ");
        String method = requestLine[0];
        String path = requestLine[1];
        Fault f = take(method, path);
        if (f != null && f.kind() == Kind.HANG) {
            record(gen, new Exchange(method, path, 0, 0));
            hang(client);
            return;
        }
        if (f != null && f.kind() == Kind.STATUS) {
            drainBody(cin, head);
            byte[] body = ("{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"injected " + f.arg() + "\"}]}")
                    .getBytes(StandardCharsets.UTF_8);
            String reason = f.arg() == 429 ? "Too Many Requests" : "Service Unavailable";
            cout.write(("HTTP/1.1 " + f.arg() + " " + reason + "\r\nRetry-After: 1\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            cout.write(body);
            cout.flush();
            record(gen, new Exchange(method, path, (int) f.arg(), 0));
            return;
        }
        try (Socket up = new Socket()) {
            up.connect(new InetSocketAddress(upstreamHost, upstreamPort), 5000);
            OutputStream uout = up.getOutputStream();
            StringBuilder req = new StringBuilder(head.get(0)).append("\r\n");
            for (String h : head.subList(1, head.size())) {
                if (!h.toLowerCase(Locale.ROOT).startsWith("connection:")) {
                    req.append(h).append("\r\n");
                }
            }
            req.append("Connection: close\r\n\r\n");
            uout.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (f != null && f.kind() == Kind.CUT_REQUEST_AFTER) {
                long relayed = copyUpTo(cin, uout, f.arg());
                uout.flush();
                // the registry sees the body end early; it has dealt with that (answered or closed) before the client
                // sees its connection closed without an answer, so what the client asks next finds the registry settled
                up.shutdownOutput();
                up.setSoTimeout(30_000);
                try {
                    up.getInputStream().transferTo(OutputStream.nullOutputStream());
                } catch (IOException closedOrSilent) {
                    // settled either way
                }
                record(gen, new Exchange(method, path, 0, 0, relayed));
                return;
            }
            long[] requestBytes = {0};
            relayBody(cin, new java.io.FilterOutputStream(uout) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                    requestBytes[0] += len;
                }
            }, head);
            uout.flush();
            InputStream uin = new BufferedInputStream(up.getInputStream());
            List<String> rhead = readHead(uin);
            if (rhead.isEmpty()) {
                return;
            }
            int status = Integer.parseInt(rhead.get(0).split(" ")[1]);
            StringBuilder resp = new StringBuilder(rhead.get(0)).append("\r\n");
            for (String h : rhead.subList(1, rhead.size())) {
                if (!h.toLowerCase(Locale.ROOT).startsWith("connection:")) {
                    resp.append(h).append("\r\n");
                }
            }
            resp.append("Connection: close\r\n\r\n");
            cout.write(resp.toString().getBytes(StandardCharsets.ISO_8859_1));
            cout.flush();
            long sent = 0;
            long limit = f != null && (f.kind() == Kind.CUT_AFTER || f.kind() == Kind.HANG_AFTER) ? f.arg() : Long.MAX_VALUE;
            byte[] buf = new byte[16384];
            long t0 = System.nanoTime();
            try {
                if (!method.equals("HEAD")) {
                    int n;
                    while (sent < limit && (n = uin.read(buf, 0, (int) Math.min(buf.length, limit - sent))) > 0) {
                        if (f != null && f.kind() == Kind.CORRUPT && f.arg() >= sent && f.arg() < sent + n) {
                            buf[(int) (f.arg() - sent)] ^= 0x5a;
                        }
                        cout.write(buf, 0, n);
                        sent += n;
                        count(gen, path, n);
                        long rate = bytesPerSecond;
                        if (rate > 0) {
                            long due = t0 + sent * 1_000_000_000L / rate;
                            long wait = due - System.nanoTime();
                            if (wait > 0) {
                                cout.flush();
                                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                            }
                        }
                    }
                    cout.flush();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                record(gen, new Exchange(method, path, status, sent, requestBytes[0]));
            }
            if (f != null && f.kind() == Kind.HANG_AFTER) {
                hang(client);
            }
            // CUT_AFTER: returning closes the client's connection with the body short
        }
    }

    private void hang(Socket client) {
        try {
            while (!closed && !client.isClosed()) {
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<String> readHead(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                String l = line.toString(StandardCharsets.ISO_8859_1);
                if (l.endsWith("\r")) {
                    l = l.substring(0, l.length() - 1);
                }
                line.reset();
                if (l.isEmpty()) {
                    return lines;
                }
                lines.add(l);
            } else {
                line.write(b);
            }
        }
        return List.of();
    }

    private static String header(List<String> head, String name) {
        for (String h : head.subList(1, head.size())) {
            int colon = h.indexOf(':');
            if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return h.substring(colon + 1).trim();
            }
        }
        return null;
    }

    private static void drainBody(InputStream in, List<String> head) throws IOException {
        relayBody(in, OutputStream.nullOutputStream(), head);
    }

    /** Copies a request body (Content-Length or chunked) as it is. */
    private static void relayBody(InputStream in, OutputStream out, List<String> head) throws IOException {
        String te = header(head, "Transfer-Encoding");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            while (true) {
                ByteArrayOutputStream sizeLine = new ByteArrayOutputStream();
                int b;
                while ((b = in.read()) >= 0 && b != '\n') {
                    sizeLine.write(b);
                }
                out.write(sizeLine.toByteArray());
                out.write('\n');
                String s = sizeLine.toString(StandardCharsets.ISO_8859_1).trim();
                int semi = s.indexOf(';');
                long size = Long.parseLong(semi < 0 ? s : s.substring(0, semi), 16);
                copy(in, out, size + 2);
                if (size == 0) {
                    return;
                }
            }
        }
        String cl = header(head, "Content-Length");
        if (cl != null) {
            copy(in, out, Long.parseLong(cl));
        }
    }

    /** Copies at most {@code n} bytes as they come (less when the input ends); returns how many. */
    private static long copyUpTo(InputStream in, OutputStream out, long n) throws IOException {
        byte[] buf = new byte[16384];
        long done = 0;
        while (done < n) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n - done));
            if (r < 0) {
                break;
            }
            out.write(buf, 0, r);
            done += r;
        }
        return done;
    }

    private static void copy(InputStream in, OutputStream out, long n) throws IOException {
        byte[] buf = new byte[16384];
        while (n > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n));
            if (r < 0) {
                throw new IOException("request body ended early");
            }
            out.write(buf, 0, r);
            n -= r;
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        threads.shutdownNow();
    }
}
