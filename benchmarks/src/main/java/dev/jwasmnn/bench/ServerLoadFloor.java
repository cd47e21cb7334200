package dev.jwasmnn.bench;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * What HTTP alone costs on this machine: two servers that read the request body and answer
 * {@code POST /floor/<n>} with n zero bytes, no model, no work. Driven by the same wrk script as
 * the real server, their latency at c=1 is the least any server could add for that body and
 * answer, and their rate at c=32 the most any server could answer, with wrk on the same cores.
 * <ul>
 *   <li>{@link Kind#SOCKET}: blocking JDK sockets, a platform thread per connection, 64 KiB
 *       reads; about as little as Java can do per request.</li>
 *   <li>{@link Kind#HELIDON}: a bare Helidon WebServer route that reads the body the way ours
 *       does (one exact-size array); the floor of the framework the server is built on.</li>
 * </ul>
 */
final class ServerLoadFloor implements AutoCloseable {
    /** The two floors, in the report's order. */
    enum Kind {
        SOCKET("JDK socket floor"),
        HELIDON("Helidon floor");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    private final WebServer helidon;
    private final ServerSocket socket;
    private final Thread acceptor;

    private ServerLoadFloor(WebServer helidon, ServerSocket socket) {
        this.helidon = helidon;
        this.socket = socket;
        this.acceptor = Thread.ofPlatform().name("floor-accept").daemon().start(this::accept);
    }

    static ServerLoadFloor start() throws IOException {
        WebServer helidon = WebServer.builder()
                .host("127.0.0.1")
                .port(0)
                .routing(r -> r.post("/floor/{bytes}", (req, res) -> {
                    int length = (int) req.headers().contentLength().orElse(0);
                    byte[] body = new byte[length];
                    try (InputStream in = req.content().inputStream()) {
                        if (in.readNBytes(body, 0, length) != length) {
                            throw new IOException("short body");
                        }
                    }
                    res.header(HeaderNames.CONTENT_TYPE, "application/octet-stream");
                    res.send(new byte[Integer.parseInt(req.path().pathParameters().get("bytes"))]);
                }))
                .build()
                .start();
        return new ServerLoadFloor(helidon, new ServerSocket(0, 128, InetAddress.getLoopbackAddress()));
    }

    String url(Kind kind, int answerBytes) {
        int port = kind == Kind.HELIDON ? helidon.port() : socket.getLocalPort();
        return "http://127.0.0.1:" + port + "/floor/" + answerBytes;
    }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket s = socket.accept();
                Thread.ofPlatform().name("floor-connection").daemon().start(() -> serve(s));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    /** HTTP/1.1 keep-alive, Content-Length bodies only: what wrk sends. */
    private static void serve(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
            OutputStream out = s.getOutputStream();
            while (true) {
                String requestLine = line(in);
                if (requestLine == null) {
                    return;
                }
                int length = 0;
                for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                    if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        length = Integer.parseInt(h.substring(15).trim());
                    }
                }
                if (in.readNBytes(new byte[length], 0, length) != length) {
                    return;
                }
                String target = requestLine.split(" ")[1];
                int answer = Integer.parseInt(target.substring(target.lastIndexOf('/') + 1));
                byte[] head = ("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                        + answer + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                byte[] response = new byte[head.length + answer];
                System.arraycopy(head, 0, response, 0, head.length);
                out.write(response);
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            // The client went away (wrk closes its connections at the end of a run).
        }
    }

    /** One header line without its CRLF, or null at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c >= 0; c = in.read()) {
            if (c == '\n') {
                int end = b.length();
                return b.substring(0, end > 0 && b.charAt(end - 1) == '\r' ? end - 1 : end);
            }
            b.append((char) c);
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        helidon.stop();
        socket.close();
        try {
            acceptor.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
