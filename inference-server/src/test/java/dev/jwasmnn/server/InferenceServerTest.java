package dev.jwasmnn.server;

import static dev.jwasmnn.server.TestServer.f32;
import static dev.jwasmnn.server.TestServer.floats;
import static dev.jwasmnn.server.RequestDecompressionTest.deflate;
import static dev.jwasmnn.server.RequestDecompressionTest.gzip;
import static dev.jwasmnn.server.TestServer.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jwasmnn.testing.TestAssets;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data plane over real HTTP on loopback: real models, real guests, real files. */
class InferenceServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TINY_JSON =
            "{\"id\":\"r1\",\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}";

    @TempDir
    static Path repo;

    static TestServer t;

    @BeforeAll
    static void start() {
        t = new TestServer(repo, s -> s.withMaxBodyBytes(4L << 20));
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    static JsonNode json(HttpResponse<byte[]> r) throws Exception {
        return JSON.readTree(r.body());
    }

    static void assertError(HttpResponse<byte[]> r, int status, String... mentions) throws Exception {
        assertThat(r.statusCode()).as(text(r)).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type")).contains("application/json");
        String error = json(r).get("error").asText();
        for (String m : mentions) {
            assertThat(error).contains(m);
        }
    }

    // ---- /v1/infer through guests ----

    @Test
    void v1RunsTheModelsGuestOnTheRequestBody() {
        HttpResponse<byte[]> r = t.post("/v1/infer/tiny-guest", f32(1f, -2f, 3.5f, 0f), "X-Request-Id", "abc-1");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).contains("application/octet-stream");
        assertThat(r.headers().firstValue("x-request-id")).contains("abc-1");
        assertThat(floats(r.body())).containsExactly(3f, -3f, 8f, 1f);
    }

    @Test
    void v1ClassifiesAnImageThroughTheClassifyGuest() throws Exception {
        HttpResponse<byte[]> r = t.post("/v1/infer/mobilenet", TestAssets.bytes(TestAssets.model("sample-224.bmp")));
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        JsonNode top = json(r).get("top");
        assertThat(top).hasSize(5);
        for (int i = 1; i < 5; i++) {
            assertThat(top.get(i).get("score").asDouble()).isLessThanOrEqualTo(top.get(i - 1).get("score").asDouble());
        }
    }

    @Test
    void theGuestSeesRequestMetadataButNoCredentials() throws Exception {
        HttpResponse<byte[]> r = t.post("/v1/infer/probe-env?x=1", "hi", "Content-Type", "text/plain",
                "X-Custom", "v", "Authorization", "Bearer secret", "X-Request-Id", "req-7");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        JsonNode env = json(r);
        assertThat(env.get("JWASMNN_MODEL").asText()).isEqualTo("probe-env");
        assertThat(env.get("JWASMNN_MODEL_VERSION").asText()).isEqualTo("1");
        assertThat(env.get("JWASMNN_REQUEST_ID").asText()).isEqualTo("req-7");
        assertThat(env.get("CONTENT_TYPE").asText()).isEqualTo("text/plain");
        assertThat(env.get("CONTENT_LENGTH").asText()).isEqualTo("2");
        assertThat(env.get("QUERY_STRING").asText()).isEqualTo("x=1");
        assertThat(env.get("HTTP_X_CUSTOM").asText()).isEqualTo("v");
        assertThat(env.get("FROM_CONFIG").asText()).isEqualTo("yes");
        assertThat(env.has("HTTP_AUTHORIZATION")).isFalse();
    }

    // ---- compressed request bodies (Content-Encoding), as Triton's clients send them when asked ----

    @Test
    void gzipAndDeflateBodiesAreDecodedOnTheProtocolAndGuestPaths() throws Exception {
        HttpResponse<byte[]> json = t.post("/v2/models/tiny/infer", gzip(TINY_JSON.getBytes(StandardCharsets.UTF_8)),
                "Content-Encoding", "gzip", "Content-Type", "application/json");
        assertThat(json.statusCode()).as(text(json)).isEqualTo(200);
        assertThat(json(json).get("outputs").get(0).get("data").toString()).isEqualTo("[3.0,5.0,7.0,9.0]");

        HttpResponse<byte[]> raw = t.post("/v2/models/tiny/infer", deflate(f32(1f, -2f, 3.5f, 0f)),
                "Content-Encoding", "deflate", "Inference-Header-Content-Length", "0");
        assertThat(raw.statusCode()).as(text(raw)).isEqualTo(200);
        assertThat(TestServer.outputFloats(raw)).containsExactly(3f, -3f, 8f, 1f);

        HttpResponse<byte[]> guest = t.post("/v1/infer/tiny-guest", gzip(f32(1f, -2f, 3.5f, 0f)), "Content-Encoding", "gzip");
        assertThat(guest.statusCode()).as(text(guest)).isEqualTo(200);
        assertThat(floats(guest.body())).containsExactly(3f, -3f, 8f, 1f);

        // The guest sees the decoded body, so not the coding it no longer has.
        HttpResponse<byte[]> env = t.post("/v1/infer/probe-env", gzip("hello".getBytes(StandardCharsets.UTF_8)),
                "Content-Encoding", "gzip");
        assertThat(env.statusCode()).as(text(env)).isEqualTo(200);
        assertThat(json(env).get("CONTENT_LENGTH").asText()).isEqualTo("5");
        assertThat(json(env).has("HTTP_CONTENT_ENCODING")).isFalse();

        // x-gzip, an upper-case name, and a chunked body (no Content-Length).
        HttpResponse<byte[]> xgzip = t.post("/v2/models/tiny/infer", gzip(TINY_JSON.getBytes(StandardCharsets.UTF_8)),
                "Content-Encoding", "x-gzip");
        assertThat(xgzip.statusCode()).as(text(xgzip)).isEqualTo(200);
        byte[] packed = gzip(TINY_JSON.getBytes(StandardCharsets.UTF_8));
        HttpResponse<byte[]> chunked = t.send(HttpRequest.newBuilder(t.uri("/v2/models/tiny/infer"))
                .header("Content-Encoding", "GZIP")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(packed)))
                .build());
        assertThat(chunked.statusCode()).as(text(chunked)).isEqualTo(200);
        assertThat(json(chunked).get("outputs").get(0).get("data").toString()).isEqualTo("[3.0,5.0,7.0,9.0]");

        // Answers stay uncompressed whatever the client accepts.
        HttpResponse<byte[]> accepts = t.post("/v2/models/tiny/infer", TINY_JSON, "Accept-Encoding", "gzip, deflate");
        assertThat(accepts.statusCode()).isEqualTo(200);
        assertThat(accepts.headers().firstValue("content-encoding")).isEmpty();
        assertThat(json(accepts).get("model_name").asText()).isEqualTo("tiny");
    }

    @Test
    void badlyCompressedBodiesGetClearErrors() throws Exception {
        HttpResponse<byte[]> notGzip = t.post("/v2/models/tiny/infer", TINY_JSON, "Content-Encoding", "gzip");
        assertError(notGzip, 400, "not valid gzip", "Not in GZIP format");

        byte[] whole = gzip(TINY_JSON.getBytes(StandardCharsets.UTF_8));
        HttpResponse<byte[]> cut = t.post("/v2/models/tiny/infer", Arrays.copyOf(whole, whole.length / 2),
                "Content-Encoding", "gzip");
        assertError(cut, 400, "not valid gzip");

        // 5 MiB of zeros in a few KiB: the limit (4 MiB here) holds for the decoded size too.
        byte[] bomb = gzip(new byte[5 << 20]);
        assertThat(bomb.length).isLessThan(64 * 1024);
        HttpResponse<byte[]> big = t.post("/v2/models/tiny/infer", bomb, "Content-Encoding", "gzip",
                "Inference-Header-Content-Length", "0");
        assertError(big, 413, "decompressed", "limit");

        HttpResponse<byte[]> notDeflate = t.post("/v2/models/tiny/infer", TINY_JSON, "Content-Encoding", "deflate");
        assertError(notDeflate, 400, "not valid deflate");

        // Another 400 of Helidon's keeps its status with a Content-Encoding beside it.
        try (RawHttpConnection c = new RawHttpConnection(t.server.port())) {
            c.send("POST", "/v2/models/tiny/infer", new byte[0], "Content-Encoding: gzip", "Content-Length: abc");
            RawHttpConnection.Response r = c.read();
            assertThat(r.status()).as(r.text()).isEqualTo(400);
            assertThat(r.text()).doesNotContain("Content-Encoding");
        }

        HttpResponse<byte[]> brotli = t.post("/v2/models/tiny/infer", TINY_JSON, "Content-Encoding", "br",
                "X-Request-Id", "br-1");
        assertError(brotli, 415, "Content-Encoding 'br' is not supported", "gzip or deflate");
        assertThat(brotli.headers().firstValue("x-request-id")).contains("br-1");

        // None of that harmed the server.
        assertThat(t.post("/v2/models/tiny/infer", TINY_JSON).statusCode()).isEqualTo(200);
    }

    @Test
    void aCgiGuestSetsStatusContentTypeAndHeaders() {
        HttpResponse<byte[]> r = t.post("/v1/infer/probe-cgi",
                "Status: 201 Created\r\nContent-Type: text/plain\r\nX-Guest: 1\r\n\r\nhello");
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(r.headers().firstValue("content-type")).contains("text/plain");
        assertThat(r.headers().firstValue("x-guest")).contains("1");
        assertThat(text(r)).isEqualTo("hello");
    }

    @Test
    void guestFailuresAre500Or504AndKeepStderrOutOfTheResponse() throws Exception {
        assertError(t.post("/v1/infer/probe-exit", ""), 500, "exited with code 3");
        assertError(t.post("/v1/infer/probe-trap", ""), 500, "trapped");
        long start = System.nanoTime();
        assertError(t.post("/v1/infer/probe-loop", ""), 504, "deadline");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5000);
        assertError(t.post("/v1/infer/probe-cgi", "no header block"), 500, "malformed CGI");
        assertError(t.post("/v1/infer/probe-cgi", "X-A: 1\rSet-Cookie: evil\n\nbody"), 500, "control character");
        assertError(t.post("/v1/infer/probe-cgi", "Status: 204\n\nbody"), 500, "allows no body");
        assertError(t.post("/v1/infer/probe-cgi", "X-Request-Id: forged\n\n"), 500, "may not set the X-Request-Id");
        HttpResponse<byte[]> twice = t.post("/v1/infer/probe-cgi", "Link: <a>\nLink: <b>\n\nok");
        assertThat(twice.statusCode()).isEqualTo(200);
        assertThat(twice.headers().allValues("link")).containsExactly("<a>", "<b>");
        HttpResponse<byte[]> r = t.post("/v1/infer/probe-stderr", "");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(text(r)).doesNotContain("secret-in-stderr");
        // The same model still serves after each failure.
        assertThat(t.post("/v1/infer/tiny-guest", f32(0, 0, 0, 0)).statusCode()).isEqualTo(200);
    }

    @Test
    void v1WithoutAGuestSpeaksTheInferenceProtocol() throws Exception {
        HttpResponse<byte[]> r = t.post("/v1/infer/tiny", TINY_JSON, "Content-Type", "application/json");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        assertThat(json(r).get("outputs").get(0).get("data").toString()).isEqualTo("[3.0,5.0,7.0,9.0]");
    }

    // ---- Open Inference Protocol V2 ----

    @Test
    void v2JsonTensors() throws Exception {
        HttpResponse<byte[]> r = t.post("/v2/models/tiny/infer", TINY_JSON);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.get("model_name").asText()).isEqualTo("tiny");
        assertThat(body.get("model_version").asText()).isEqualTo("1");
        assertThat(body.get("id").asText()).isEqualTo("r1");
        JsonNode out = body.get("outputs").get(0);
        assertThat(out.get("name").asText()).isEqualTo("y");
        assertThat(out.get("datatype").asText()).isEqualTo("FP32");
        assertThat(out.get("shape").toString()).isEqualTo("[1,4]");
        assertThat(out.get("data").toString()).isEqualTo("[3.0,5.0,7.0,9.0]");
        assertThat(t.post("/v2/models/tiny/versions/1/infer", TINY_JSON).statusCode()).isEqualTo(200);
    }

    @Test
    void v2BinaryTensorsInAndOut() throws Exception {
        byte[] header = ("{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":16}}],\"outputs\":[{\"name\":\"y\",\"parameters\":{\"binary_data\":true}}]}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] body = concat(header, f32(1f, -2f, 3.5f, 0f));
        HttpResponse<byte[]> r = t.post("/v2/models/tiny/infer", body,
                "Inference-Header-Content-Length", Integer.toString(header.length),
                "Content-Type", "application/octet-stream");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        int jsonLength = Integer.parseInt(r.headers().firstValue("inference-header-content-length").orElseThrow());
        JsonNode head = JSON.readTree(Arrays.copyOf(r.body(), jsonLength));
        assertThat(head.get("outputs").get(0).get("parameters").get("binary_data_size").asInt()).isEqualTo(16);
        assertThat(floats(Arrays.copyOfRange(r.body(), jsonLength, r.body().length))).containsExactly(3f, -3f, 8f, 1f);
    }

    @Test
    void v2RawSingleTensor() throws Exception {
        HttpResponse<byte[]> r = t.post("/v2/models/tiny/infer", f32(1f, 1f, 1f, 1f),
                "Inference-Header-Content-Length", "0");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        // Triton's answer to a raw request: a JSON header naming the output, then its bytes.
        assertThat(r.headers().firstValue("content-type")).contains("application/octet-stream");
        int jsonLength = Integer.parseInt(r.headers().firstValue("inference-header-content-length").orElseThrow());
        JsonNode y = JSON.readTree(Arrays.copyOf(r.body(), jsonLength)).get("outputs").get(0);
        assertThat(y.get("name").asText()).isEqualTo("y");
        assertThat(y.get("datatype").asText()).isEqualTo("FP32");
        assertThat(y.get("shape").toString()).isEqualTo("[1,4]");
        assertThat(r.body()).hasSize(jsonLength + 16);
        assertThat(TestServer.outputFloats(r)).containsExactly(3f, 3f, 3f, 3f);
    }

    @Test
    void v2MobileNetMatchesTorch() {
        byte[] input = TestAssets.bytes(TestAssets.model("mobilenet_v2.input.f32"));
        float[] expected = TestAssets.floats(TestAssets.model("mobilenet_v2.torch.f32"));
        HttpResponse<byte[]> r = t.post("/v2/models/mobilenet/infer", input, "Inference-Header-Content-Length", "0");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        float[] got = TestServer.outputFloats(r);
        assertThat(got).hasSize(expected.length);
        for (int i = 0; i < got.length; i++) {
            assertThat(got[i]).as("logit %d", i).isCloseTo(expected[i], within(1e-4f));
        }
    }

    // ---- errors ----

    @Test
    void unknownModelsAre404AndBadNames400() throws Exception {
        assertError(t.post("/v2/models/nope/infer", TINY_JSON), 404, "unknown model 'nope'");
        assertError(t.post("/v1/infer/nope", "x"), 404, "unknown model");
        assertError(t.post("/v2/models/tiny/versions/7/infer", TINY_JSON), 404, "no version 7");
        assertError(t.post("/v1/infer/a..b", "x"), 400, "invalid model name");
        assertError(t.post("/v1/infer/a%2Fb", "x"), 400, "model names are");
        assertError(t.post("/v2/models/a%2Fb/infer", TINY_JSON), 400, "model names are");
        assertError(t.post("/v2/models/a/b/infer", TINY_JSON), 404, "no endpoint");
        assertError(t.post("/v3/nothing", "x"), 404, "no endpoint");
        assertError(t.post("/v2/models/tiny/versions/x/infer", TINY_JSON), 400, "version");
    }

    @Test
    void malformedInputIs400AndSaysWhatIsWrong() throws Exception {
        assertError(t.post("/v2/models/tiny/infer", "{\"inputs\":["), 400);
        assertError(t.post("/v2/models/tiny/infer",
                "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}"),
                400, "input 'x'", "[1, 4]", "[1, 3]");
        assertError(t.post("/v2/models/tiny/infer",
                "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"INT64\",\"data\":[1,2,3,4]}]}"),
                400, "input 'x'", "FP32", "INT64");
        assertError(t.post("/v2/models/tiny/infer",
                "{\"inputs\":[{\"name\":\"z\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}"),
                400, "missing [x]", "unknown [z]");
        assertError(t.post("/v2/models/tiny/infer", TINY_JSON, "X-Request-Timeout", "soon"), 400, "X-Request-Timeout");
        // Numbers that overflow once multiplied out are the client's mistake, not a server error.
        assertError(t.post("/v2/models/tiny/infer", TINY_JSON, "X-Request-Timeout", "9999999999999999h"),
                400, "X-Request-Timeout", "too long");
        byte[] header = ("{\"inputs\":[{\"name\":\"x\",\"shape\":[2305843009213693952],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":16}}]}").getBytes(StandardCharsets.UTF_8);
        assertError(t.post("/v2/models/tiny/infer", concat(header, f32(1, 2, 3, 4)),
                "Inference-Header-Content-Length", Integer.toString(header.length)),
                400, "input 'x'", "too many elements");
    }

    @Test
    void aBodyOverTheLimitIs413() throws Exception {
        // Expect: 100-continue, as curl sends for big bodies: the server refuses before the upload,
        // so the client reads the 413 instead of racing the server's close with its own upload.
        HttpResponse<byte[]> r = t.send(java.net.http.HttpRequest.newBuilder(t.uri("/v2/models/tiny/infer"))
                .expectContinue(true).POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(new byte[5 << 20]))
                .build());
        assertError(r, 413, "limit");
        assertThat(t.post("/v2/models/tiny/infer", TINY_JSON).statusCode()).isEqualTo(200);
    }

    /** 512 rows of the slow model take 1.5 s or more (measured 1.7 s on an idle 2-core EPYC). */
    private static byte[] slowBatch(int rows) {
        return ByteBuffer.allocate(rows * 1024 * 4).order(ByteOrder.LITTLE_ENDIAN).array();
    }

    @Test
    void aFullQueueIs503AndTheDeadlineIs504WhileRunningOrQueued() throws Exception {
        String[] raw = {"Inference-Header-Content-Length", "0"};
        long started = System.nanoTime();
        CompletableFuture<HttpResponse<byte[]>> running =
                CompletableFuture.supplyAsync(() -> t.post("/v2/models/slow/infer", slowBatch(512), raw));
        awaitInflight("slow", 1);
        CompletableFuture<HttpResponse<byte[]>> queued = CompletableFuture.supplyAsync(() ->
                t.post("/v2/models/slow/infer", slowBatch(1), "Inference-Header-Content-Length", "0",
                        "X-Request-Timeout", "300ms"));
        awaitQueued("slow", 1);
        assertError(t.post("/v2/models/slow/infer", slowBatch(1), raw), 503, "max_queue 1");
        assertError(queued.get(10, TimeUnit.SECONDS), 504, "queued");
        HttpResponse<byte[]> ran = running.get(10, TimeUnit.SECONDS);
        long ranMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertThat(ran.statusCode()).as("512 rows answered %d after %d ms", ran.statusCode(), ranMillis).isEqualTo(504);
        assertError(ran, 504, "deadline");
        // Cancelled inside ONNX Runtime: the answer comes at the deadline, not when 512 rows would be done.
        assertThat(ranMillis).isBetween(550L, 1400L);
        // The slot and the queue place are free again.
        HttpResponse<byte[]> after = t.post("/v2/models/slow/infer", slowBatch(1), raw);
        assertThat(after.statusCode()).as(text(after)).isEqualTo(200);
    }

    @Test
    void requestsInFlightTakeTurnsToComputeAndTheDeadlineCoversTheWait() throws Exception {
        String[] raw = {"Inference-Header-Content-Length", "0"};
        CompletableFuture<HttpResponse<byte[]>> computing =
                CompletableFuture.supplyAsync(() -> t.post("/v2/models/slow-turns/infer", slowBatch(512), raw));
        awaitComputing("slow-turns", 1); // holds the one compute slot until its deadline (1 s)
        // Admitted beside it (in_flight 2), but it must wait for the one compute slot.
        long start = System.nanoTime();
        CompletableFuture<HttpResponse<byte[]>> waiting = CompletableFuture.supplyAsync(() ->
                t.post("/v2/models/slow-turns/infer", slowBatch(1), "Inference-Header-Content-Length", "0",
                        "X-Request-Timeout", "400ms"));
        awaitInflight("slow-turns", 2);
        awaitQueued("slow-turns", 0); // in flight, not queued
        awaitMetric("jwasmnn_computing{model=\"slow-turns\"", 1); // still one compute at a time
        // Both places taken and no queue: refused at once.
        assertError(t.post("/v2/models/slow-turns/infer", slowBatch(1), raw), 503, "max_queue 0");
        HttpResponse<byte[]> late = waiting.get(10, TimeUnit.SECONDS);
        long lateMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        // One row computes in milliseconds: a 504 after ~400 ms means it never got a turn.
        assertError(late, 504, "its turn to compute");
        assertThat(lateMillis).isBetween(350L, 2000L);
        assertError(computing.get(10, TimeUnit.SECONDS), 504, "deadline");
        awaitInflight("slow-turns", 0);
        awaitComputing("slow-turns", 0);
        HttpResponse<byte[]> after = t.post("/v2/models/slow-turns/infer", slowBatch(1), raw);
        assertThat(after.statusCode()).as("the slot and both places are free again: " + text(after)).isEqualTo(200);
    }

    @Test
    void aClientThatHangsUpWhileQueuedFreesItsPlace() throws Exception {
        CompletableFuture<HttpResponse<byte[]>> running = CompletableFuture.supplyAsync(() ->
                t.post("/v2/models/slow/infer", slowBatch(512), "Inference-Header-Content-Length", "0"));
        awaitInflight("slow", 1);
        double cancelledBefore = counter("slow", "499");
        try (java.net.Socket client = new java.net.Socket("127.0.0.1", t.server.port())) {
            byte[] body = slowBatch(1);
            client.getOutputStream().write(("POST /v2/models/slow/infer HTTP/1.1\r\nHost: test\r\n"
                    + "Inference-Header-Content-Length: 0\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().write(body);
            client.getOutputStream().flush();
            awaitQueued("slow", 1);
        } // the client hangs up while its request waits behind the running one
        awaitQueued("slow", 0);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (counter("slow", "499") <= cancelledBefore && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertThat(counter("slow", "499")).as("requests cancelled because the client left").isEqualTo(cancelledBefore + 1);
        assertThat(counter("slow", "200")).isZero();
        assertThat(running.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(504);
        // The server is fine afterwards.
        assertThat(t.post("/v2/models/slow/infer", slowBatch(1), "Inference-Header-Content-Length", "0").statusCode())
                .isEqualTo(200);
    }

    @Test
    void aWatchedRequestKeepsItsConnection() throws Exception {
        assertThat(DisconnectWatch.keepsConnections()).as("Helidon's socket is reachable").isTrue();
        String model = "slow-queue";
        String path = "/v2/models/" + model + "/infer";
        String[] raw = {"Inference-Header-Content-Length: 0"};
        // The next request arrives after the answer, later than one poll of the watch's reads: the
        // watch ends on a timed-out read, and the connection must then wait without a timeout.
        try (RawHttpConnection c = new RawHttpConnection(t.server.port())) {
            double longWaitsBefore = waitsOver100ms(model);
            CompletableFuture<HttpResponse<byte[]>> running = hold(model);
            c.send("POST", path, slowBatch(1), raw);
            RawHttpConnection.Response queued = c.read();
            assertThat(queued.status()).as(queued.text()).isEqualTo(200);
            assertThat(queued.headers().get("connection")).isNotEqualToIgnoringCase("close");
            assertThat(running.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(504);
            // It queued for over 100 ms, so it was watched (from 50 ms on). Recorded after the answer.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (waitsOver100ms(model) < longWaitsBefore + 1 && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            assertThat(waitsOver100ms(model)).isEqualTo(longWaitsBefore + 1);
            Thread.sleep(3 * DisconnectWatch.POLL_MILLIS);
            c.send("POST", "/v2/models/tiny/infer", TINY_JSON.getBytes(StandardCharsets.UTF_8));
            RawHttpConnection.Response next = c.read();
            assertThat(next.status()).as(next.text()).isEqualTo(200);
            assertThat(JSON.readTree(next.body()).get("id").asText()).isEqualTo("r1");
        }
        // A request pipelined behind a watched one: the watch reads its first bytes into the
        // connection's buffer, where the connection must find them, none lost.
        try (RawHttpConnection c = new RawHttpConnection(t.server.port())) {
            CompletableFuture<HttpResponse<byte[]>> running = hold(model);
            c.send("POST", path, slowBatch(1), raw);
            awaitQueued(model, 1);
            Thread.sleep(100); // watched from 50 ms in the queue
            c.send("POST", "/v2/models/tiny/infer", TINY_JSON.getBytes(StandardCharsets.UTF_8));
            assertThat(queueDepth(model)).as("still queued when the next request arrived").isEqualTo(1);
            RawHttpConnection.Response queued = c.read();
            assertThat(queued.status()).as(queued.text()).isEqualTo(200);
            assertThat(queued.headers().get("connection")).isNotEqualToIgnoringCase("close");
            RawHttpConnection.Response pipelined = c.read();
            assertThat(pipelined.status()).as(pipelined.text()).isEqualTo(200);
            assertThat(JSON.readTree(pipelined.body()).get("id").asText()).isEqualTo("r1");
            assertThat(running.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(504);
            c.send("GET", "/v2/health/live", new byte[0]);
            assertThat(c.read().text()).contains("\"live\":true");
        }
    }

    @Test
    void keptAliveClientsBehindWatchedRequestsGetTheirOwnAnswersWhileOthersHangUp() throws Exception {
        // Eight clients queue at once behind one compute slot, so most wait long enough to be
        // watched; each pipelines a tiny request of its own behind its queued one, three times
        // over on one connection. Meanwhile other clients hang up while queued.
        String slow = "/v2/models/slow-queue/infer";
        int clients = 8;
        int rounds = 3;
        double cancelledBefore = counter("slow-queue", "499");
        double longWaitsBefore = waitsOver100ms("slow-queue");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
        try {
            List<java.util.concurrent.Future<Integer>> answered = new java.util.ArrayList<>();
            for (int client = 0; client < clients; client++) {
                int id = client;
                answered.add(pool.submit(() -> {
                    int ok = 0;
                    try (RawHttpConnection c = new RawHttpConnection(t.server.port())) {
                        for (int round = 0; round < rounds; round++) {
                            float base = id * 10 + round;
                            c.send("POST", slow, slowBatch(8), "Inference-Header-Content-Length: 0");
                            c.send("POST", "/v2/models/tiny/infer", f32(base, base + 1, base + 2, base + 3),
                                    "Inference-Header-Content-Length: 0");
                            RawHttpConnection.Response queued = c.read();
                            assertThat(queued.status()).as(queued.text()).isEqualTo(200);
                            assertThat(queued.headers().get("connection")).isNotEqualToIgnoringCase("close");
                            RawHttpConnection.Response own = c.read();
                            assertThat(own.status()).as(own.text()).isEqualTo(200);
                            // One output: the raw answer is a JSON header, then its bytes.
                            int header = Integer.parseInt(own.headers().get("inference-header-content-length"));
                            assertThat(floats(Arrays.copyOfRange(own.body(), header, own.body().length)))
                                    .containsExactly(2 * base + 1, 2 * base + 3, 2 * base + 5, 2 * base + 7);
                            ok++;
                        }
                    }
                    return ok;
                }));
            }
            int hangUps = 0;
            for (int i = 0; i < 4; i++) {
                awaitQueuedAtLeast("slow-queue", 2);
                try (RawHttpConnection leaving = new RawHttpConnection(t.server.port())) {
                    leaving.send("POST", slow, slowBatch(8), "Inference-Header-Content-Length: 0");
                    Thread.sleep(120); // watched from 50 ms on
                }
                hangUps++;
            }
            for (java.util.concurrent.Future<Integer> f : answered) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(rounds);
            }
            // Hang-ups that were still queued were cancelled; none disturbed the others.
            assertThat(counter("slow-queue", "499") - cancelledBefore).isBetween(0.0, (double) hangUps);
            // The point of the exercise: many of those requests waited long enough to be watched.
            assertThat(waitsOver100ms("slow-queue") - longWaitsBefore).isGreaterThanOrEqualTo(clients);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void awaitQueuedAtLeast(String model, int n) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (queueDepth(model) < n && System.nanoTime() < until) {
            Thread.sleep(5);
        }
    }

    /** A 512-row request that holds the model's one place for a second (its deadline). */
    private static CompletableFuture<HttpResponse<byte[]>> hold(String model) throws InterruptedException {
        CompletableFuture<HttpResponse<byte[]>> running = CompletableFuture.supplyAsync(() ->
                t.post("/v2/models/" + model + "/infer", slowBatch(512), "Inference-Header-Content-Length", "0",
                        "X-Request-Timeout", "1s"));
        awaitInflight(model, 1);
        return running;
    }

    /** How many requests to the model waited in its queue for more than 100 ms. */
    private static double waitsOver100ms(String model) {
        return histogramBucket("jwasmnn_queue_seconds", model, "+Inf") - histogramBucket("jwasmnn_queue_seconds", model, "0.1");
    }

    private static double histogramBucket(String name, String model, String le) {
        for (String line : text(t.get("/metrics")).split("\n")) {
            if (line.startsWith(name + "_bucket{") && line.contains("model=\"" + model + "\"")
                    && line.contains("le=\"" + le + "\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    private static double queueDepth(String model) {
        for (String line : text(t.get("/metrics")).split("\n")) {
            if (line.startsWith("jwasmnn_queue_depth{model=\"" + model + "\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return -1;
    }

    /** jwasmnn_requests_total for a model version 1 and status, 0 when absent. */
    private static double counter(String model, String status) {
        for (String line : text(t.get("/metrics")).split("\n")) {
            if (line.startsWith("jwasmnn_requests_total{") && line.contains("model=\"" + model + "\"")
                    && line.contains("status=\"" + status + "\"") && line.contains("version=\"1\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    private static void awaitInflight(String model, int n) throws InterruptedException {
        awaitMetric("jwasmnn_inflight{model=\"" + model + "\"", n);
    }

    private static void awaitComputing(String model, int n) throws InterruptedException {
        awaitMetric("jwasmnn_computing{model=\"" + model + "\"", n);
    }

    private static void awaitQueued(String model, int n) throws InterruptedException {
        awaitMetric("jwasmnn_queue_depth{model=\"" + model + "\"", n);
    }

    private static void awaitMetric(String prefix, int n) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < until) {
            for (String line : text(t.get("/metrics")).split("\n")) {
                if (line.startsWith(prefix) && Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)) == n) {
                    return;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("metric " + prefix + " never reached " + n);
    }

    @Test
    void unknownSubPathsAre404AndWrongMethods405() throws Exception {
        // What Triton's clients ask for beyond the protocol's core: not here, and not a naming problem.
        for (String path : new String[] {"/v2/models/tiny/config", "/v2/models/tiny/stats", "/v2/models/tiny/versions/1/x"}) {
            HttpResponse<byte[]> r = t.get(path);
            assertError(r, 404, "no endpoint GET " + path);
            assertThat(json(r).get("error").asText()).doesNotContain("model names");
        }
        HttpResponse<byte[]> getInfer = t.get("/v2/models/tiny/infer");
        assertError(getInfer, 405, "no endpoint GET /v2/models/tiny/infer");
        assertThat(getInfer.headers().firstValue("allow")).contains("POST");
        HttpResponse<byte[]> getGuest = t.get("/v1/infer/tiny-guest");
        assertError(getGuest, 405);
        assertThat(getGuest.headers().firstValue("allow")).contains("POST");
        HttpResponse<byte[]> postMetadata = t.post("/v2/models/tiny/versions/1", TINY_JSON);
        assertError(postMetadata, 405);
        assertThat(postMetadata.headers().firstValue("allow")).contains("GET");
        HttpResponse<byte[]> headMetadata = t.send(HttpRequest.newBuilder(t.uri("/v2/models/tiny")).HEAD().build());
        assertThat(headMetadata.statusCode()).isEqualTo(405);
        assertThat(headMetadata.headers().firstValue("allow")).contains("GET");
        HttpResponse<byte[]> postReady = t.post("/v2/models/tiny/ready", "");
        assertError(postReady, 405);
        assertThat(postReady.headers().firstValue("allow")).contains("GET, HEAD");
    }

    @Test
    void everyResponseCarriesARequestId() {
        for (String path : new String[] {"/v2", "/v2/health/ready", "/v2/models/tiny", "/v2/models/tiny/ready",
                "/v3/nothing", "/v2/models/tiny/config"}) {
            assertThat(t.get(path).headers().firstValue("x-request-id")).as(path).isPresent();
        }
        HttpResponse<byte[]> echoed = t.send(HttpRequest.newBuilder(t.uri("/v2/models/nope")).header("X-Request-Id", "meta-1")
                .GET().build());
        assertThat(echoed.statusCode()).isEqualTo(404);
        assertThat(echoed.headers().firstValue("x-request-id")).contains("meta-1");
        // A routed inference keeps the one id, the client's when it sent a sane one.
        HttpResponse<byte[]> infer = t.post("/v2/models/tiny/infer", TINY_JSON, "X-Request-Id", "inf-1");
        assertThat(infer.headers().allValues("x-request-id")).containsExactly("inf-1");
        HttpResponse<byte[]> insane = t.post("/v2/models/tiny/infer", TINY_JSON, "X-Request-Id", "x".repeat(200));
        assertThat(insane.headers().allValues("x-request-id")).hasSize(1).first().asString().hasSizeLessThan(30);
    }

    // ---- health, metadata, metrics ----

    static HttpResponse<byte[]> head(String path) {
        return t.send(HttpRequest.newBuilder(t.uri(path)).HEAD().build());
    }

    @Test
    void healthAndReadiness() throws Exception {
        HttpResponse<byte[]> live = t.get("/v2/health/live");
        assertThat(live.statusCode()).isEqualTo(200);
        // The status is the answer; the body says it too, for KServe's REST client, which reads it.
        assertThat(json(live).get("live").asBoolean()).isTrue();
        HttpResponse<byte[]> ready = t.get("/v2/health/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(json(ready).get("ready").asBoolean()).isTrue();
        assertThat(head("/v2/health/live").statusCode()).isEqualTo(200);
        assertThat(head("/v2/health/ready").statusCode()).isEqualTo(200);
        assertThat(head("/v2/models/tiny/ready").statusCode()).isEqualTo(200);
        assertThat(head("/v2/models/tiny/versions/1/ready").statusCode()).isEqualTo(200);
        assertThat(head("/v2/models/nope/ready").statusCode()).isEqualTo(404);
        assertThat(t.get("/v2/models/tiny/ready").statusCode()).isEqualTo(200);
        assertThat(t.get("/v2/models/tiny/versions/1/ready").statusCode()).isEqualTo(200);
        assertThat(t.get("/v2/models/tiny/versions/2/ready").statusCode()).isEqualTo(404);
        assertThat(t.get("/v2/models/nope/ready").statusCode()).isEqualTo(404);
    }

    @Test
    void serverAndModelMetadata() throws Exception {
        JsonNode server = json(t.get("/v2"));
        assertThat(server.get("name").asText()).isEqualTo("jwasm-nn");
        assertThat(server.get("extensions").toString()).contains("binary_tensor_data")
                // The repository API is on the admin listener, not here.
                .doesNotContain("model_repository");
        JsonNode m = json(t.get("/v2/models/mobilenet"));
        assertThat(m.get("name").asText()).isEqualTo("mobilenet");
        assertThat(m.get("versions").toString()).isEqualTo("[\"1\"]");
        assertThat(m.get("platform").asText()).isEqualTo("onnxruntime_onnx");
        JsonNode in = m.get("inputs").get(0);
        assertThat(in.get("datatype").asText()).isEqualTo("FP32");
        assertThat(in.get("shape").toString()).isEqualTo("[-1,3,224,224]");
        assertThat(json(t.get("/v2/models/slow/versions/1")).get("inputs").get(0).get("shape").toString())
                .isEqualTo("[-1,1024]");
        assertError(t.get("/v2/models/nope"), 404, "unknown model");
    }

    @Test
    void metricsShowTrafficPerModelVersionAndStatus() {
        t.post("/v2/models/tiny/infer", TINY_JSON);
        t.post("/v2/models/tiny/infer", "{");
        t.post("/v1/infer/tiny-guest", f32(1, 2, 3, 4));
        String metrics = text(t.get("/metrics"));
        assertThat(metrics).containsPattern(
                "jwasmnn_requests_total\\{[^}]*model=\"tiny\"[^}]*status=\"200\"[^}]*version=\"1\"[^}]*} [1-9]");
        assertThat(metrics).containsPattern("jwasmnn_requests_total\\{[^}]*outcome=\"failure\"[^}]*status=\"400\"");
        assertThat(metrics).containsPattern("jwasmnn_request_seconds_bucket\\{[^}]*model=\"tiny\"");
        assertThat(metrics).containsPattern("jwasmnn_inference_seconds_count\\{[^}]*model=\"tiny\"[^}]*} [1-9]");
        assertThat(metrics).containsPattern("jwasmnn_guest_seconds_count\\{[^}]*model=\"tiny-guest\"[^}]*} [1-9]");
        assertThat(metrics).containsPattern("jwasmnn_queue_seconds_bucket\\{[^}]*model=\"tiny\"");
        assertThat(metrics).contains("jwasmnn_inflight{model=\"tiny\"").contains("jwasmnn_queue_depth{model=\"tiny\"");
        // Names the store does not know share one label, so clients cannot grow the metrics.
        t.post("/v2/models/made-up-1/infer", TINY_JSON);
        t.post("/v2/models/made-up-2/infer", TINY_JSON);
        String after = text(t.get("/metrics"));
        assertThat(after).doesNotContain("made-up").contains("model=\"_unknown\"");
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
