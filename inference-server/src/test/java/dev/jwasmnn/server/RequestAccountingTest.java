package dev.jwasmnn.server;

import static dev.jwasmnn.server.TestServer.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every request is counted and logged once, on one access-log line, with the status that
 * describes it, also when the client breaks the connection or puts line breaks in its input.
 */
class RequestAccountingTest {
    @TempDir
    static Path repo;

    static TestServer t;
    /** Held here: JUL keeps loggers weakly, and a collected one would come back without our handler. */
    static final Logger ACCESS_LOGGER = Logger.getLogger("dev.jwasmnn.access");
    static final List<String> access = new CopyOnWriteArrayList<>();
    static final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            access.add(r.getMessage());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeAll
    static void start() {
        ACCESS_LOGGER.addHandler(capture);
        t = new TestServer(repo, s -> s.withAccessLog(true).withMaxBodyBytes(1L << 20));
    }

    @AfterAll
    static void stop() {
        t.close();
        ACCESS_LOGGER.removeHandler(capture);
    }

    @Test
    void aClientThatHangsUpMidBodyIs499NotAServerError() throws Exception {
        // Under and over the size read in one piece (64 KiB): two paths through Helidon's reader.
        for (int declared : new int[] {1000, 1_000_000}) {
            double errorsBefore = count("tiny", "500");
            double hangUpsBefore = count("tiny", "499");
            String id = "hang-up-" + declared;
            try (Socket s = new Socket("127.0.0.1", t.server.port())) {
                OutputStream out = s.getOutputStream();
                out.write(("POST /v2/models/tiny/infer HTTP/1.1\r\nHost: x\r\nX-Request-Id: " + id
                        + "\r\nContent-Type: application/octet-stream\r\nInference-Header-Content-Length: 0\r\n"
                        + "Content-Length: " + declared + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(new byte[10]);
                out.flush();
            }
            String line = awaitLine(id);
            assertThat(line).contains("status=499").contains("model=tiny");
            awaitCount("tiny", "499", hangUpsBefore + 1);
            assertThat(count("tiny", "500")).isEqualTo(errorsBefore);
        }
        // The server is none the worse for it.
        assertThat(t.post("/v2/models/tiny/infer", TestServer.f32(1, 1, 1, 1), "Inference-Header-Content-Length", "0")
                .statusCode()).isEqualTo(200);
    }

    @Test
    void clientChosenNamesCannotStartALineOfTheirOwnInTheAccessLog() throws Exception {
        String body = "{\"inputs\":[{\"name\":\"z\\nFORGED status=200 \\\"\",\"shape\":[1,4],\"datatype\":\"FP32\","
                + "\"data\":[1,2,3,4]}]}";
        var r = t.post("/v2/models/tiny/infer", body, "X-Request-Id", "forge-1");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(400);
        String line = awaitLine("forge-1");
        assertThat(line).doesNotContain("\n").contains("status=400").contains("z\\nFORGED status=200 \\\"");
    }

    @Test
    void aBodyOverTheLimitIsCountedAndLoggedLikeEveryOtherRequest() throws Exception {
        // Helidon refuses it before routing, from the Content-Length alone.
        double before = count("tiny", "413");
        var r = t.send(java.net.http.HttpRequest.newBuilder(t.uri("/v2/models/tiny/infer"))
                .header("X-Request-Id", "too-big-1").expectContinue(true)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(new byte[2 << 20])).build());
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.headers().firstValue("x-request-id")).contains("too-big-1");
        assertThat(text(r)).contains("larger than the server's limit");
        assertThat(awaitLine("too-big-1")).contains("status=413").contains("model=tiny");
        awaitCount("tiny", "413", before + 1);
    }

    private static String awaitLine(String requestId) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < until) {
            for (String line : access) {
                if (line.startsWith(requestId + " ")) {
                    return line;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no access-log line for " + requestId + " in " + access);
    }

    /** jwasmnn_requests_total for the model and status (0 before the first). */
    private static double count(String model, String status) {
        Matcher m = Pattern.compile("jwasmnn_requests_total\\{[^}]*model=\"" + model + "\"[^}]*status=\"" + status
                + "\"[^}]*} ([0-9.eE+]+)").matcher(text(t.get("/metrics")));
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }

    private static void awaitCount(String model, String status, double n) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < until && count(model, status) < n) {
            Thread.sleep(10);
        }
        assertThat(count(model, status)).isEqualTo(n);
    }
}
