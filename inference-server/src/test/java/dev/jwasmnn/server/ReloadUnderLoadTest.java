package dev.jwasmnn.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jwasmnn.testing.TestAssets;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 8 clients infer without pause while the model is reloaded 20 times between two versions
 * that answer differently (2x+1 and 3x-1): no request fails, every answer is wholly one
 * version's, and once a reload returns, new requests get the new version.
 */
class ReloadUnderLoadTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REQUEST =
            "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,-2,3.5,0]}]}";
    private static final String V1 = "[3.0,-3.0,8.0,1.0]";
    private static final String V2 = "[2.0,-7.0,9.5,-1.0]";

    @Test
    void reloadsDropNoRequestAndMixNoVersions(@TempDir Path repo) throws Exception {
        Path flip = repo.resolve("flip");
        Files.createDirectories(flip.resolve("1"));
        Files.createDirectories(flip.resolve("2"));
        Files.copy(TestAssets.model("tiny.onnx"), flip.resolve("1/model.onnx"));
        Files.copy(TestAssets.model("tiny_b.onnx"), flip.resolve("2/model.onnx"));
        Files.writeString(flip.resolve("config.yaml"), "version_policy: {specific: [1]}\nmax_queue: 256\n");
        try (TestServer t = new TestServer(repo, s -> s)) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong answered = new AtomicLong();
            ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
            List<Future<?>> clients = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
                for (int c = 0; c < 8; c++) {
                    clients.add(pool.submit(() -> {
                        while (!stop.get()) {
                            String problem = check(t, null);
                            if (problem != null) {
                                problems.add(problem);
                            }
                            answered.incrementAndGet();
                        }
                    }));
                }
                for (int i = 1; i <= 20; i++) {
                    String version = i % 2 == 1 ? "2" : "1";
                    Files.writeString(flip.resolve("config.yaml"),
                            "version_policy: {specific: [" + version + "]}\nmax_queue: 256\n");
                    HttpResponse<byte[]> r = t.send(HttpRequest.newBuilder(t.admin("/v2/repository/models/flip/reload"))
                            .POST(HttpRequest.BodyPublishers.noBody()).build());
                    assertThat(r.statusCode()).as(TestServer.text(r)).isEqualTo(200);
                    String after = check(t, version);
                    assertThat(after).as("first request after reload %d", i).isNull();
                }
                stop.set(true);
                for (Future<?> f : clients) {
                    f.get(60, TimeUnit.SECONDS);
                }
            }
            assertThat(problems).isEmpty();
            assertThat(answered.get()).isGreaterThan(100);
        }
    }

    /** Null when the answer is correct and wholly from one version (the expected one, if given). */
    private static String check(TestServer t, String expectedVersion) {
        try {
            HttpResponse<byte[]> r = t.post("/v2/models/flip/infer", REQUEST);
            if (r.statusCode() != 200) {
                return "status " + r.statusCode() + ": " + TestServer.text(r);
            }
            JsonNode body = JSON.readTree(r.body());
            String version = body.get("model_version").asText();
            String data = body.get("outputs").get(0).get("data").toString();
            String want = version.equals("1") ? V1 : V2;
            if (!data.equals(want)) {
                return "version " + version + " answered " + data;
            }
            if (expectedVersion != null && !expectedVersion.equals(version)) {
                return "expected version " + expectedVersion + ", got " + version;
            }
            return null;
        } catch (Exception e) {
            return e.toString();
        }
    }
}
