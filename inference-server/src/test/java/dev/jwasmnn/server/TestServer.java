package dev.jwasmnn.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jwasmnn.testing.TestAssets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * A real server on loopback over a real repository in a temp folder, and an HTTP client.
 * The repository: {@code tiny} (no guest), {@code tiny-guest} (raw-infer), {@code mobilenet}
 * (classify), {@code slow} (512 rows take 1.5 s or more; concurrency 1, one in flight, queue 1, deadline
 * 600 ms), {@code slow-turns} (the same model, two in flight taking turns, no queue, deadline 1 s),
 * {@code slow-queue} (as {@code slow} with a queue of 16 and a 20 s deadline, for requests that must
 * outlast a wait) and
 * guest-probe models for the failure paths.
 */
final class TestServer implements AutoCloseable {
    final Path repo;
    final InferenceServer server;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    TestServer(Path repo, UnaryOperator<ServerSettings> tweak) {
        this.repo = repo;
        populate(repo);
        this.server = InferenceServer.start(tweak.apply(ServerSettings.forTesting(repo)), "test");
    }

    static void populate(Path repo) {
        model(repo, "tiny", "tiny.onnx", null, null);
        model(repo, "tiny-guest", "tiny.onnx", "raw-infer", """
                guest:
                  args: ["--preloaded", "{model}", "--type", "f32", "--shape", "1,4"]
                  content_type: application/octet-stream
                """);
        model(repo, "mobilenet", "mobilenet_v2.onnx", "classify", """
                guest:
                  args: ["--preloaded", "{model}", "--image", "-", "--top", "5"]
                """);
        model(repo, "slow", "slow.onnx", null, """
                concurrency: 1
                in_flight: 1
                max_queue: 1
                deadline: 600ms
                """);
        model(repo, "slow-turns", "slow.onnx", null, """
                concurrency: 1
                in_flight: 2
                max_queue: 0
                deadline: 1s
                """);
        model(repo, "slow-queue", "slow.onnx", null, """
                concurrency: 1
                in_flight: 1
                max_queue: 16
                deadline: 20s
                """);
        model(repo, "probe-exit", "tiny.onnx", "guest-probe", "guest: {args: [exit, '3']}\n");
        model(repo, "probe-trap", "tiny.onnx", "guest-probe", "guest: {args: [trap]}\n");
        model(repo, "probe-loop", "tiny.onnx", "guest-probe", "guest: {args: [loop]}\ndeadline: 500ms\n");
        model(repo, "probe-stderr", "tiny.onnx", "guest-probe", "guest: {args: [stderr, secret-in-stderr]}\n");
        model(repo, "probe-env", "tiny.onnx", "guest-probe", "guest: {args: [env], env: {FROM_CONFIG: yes}}\n");
        model(repo, "probe-cgi", "tiny.onnx", "guest-probe", "guest: {args: [stdin], response: cgi}\n");
    }

    static void model(Path repo, String name, String modelFile, String guest, String config) {
        try {
            Path dir = repo.resolve(name);
            Files.createDirectories(dir.resolve("1"));
            String ext = modelFile.substring(modelFile.lastIndexOf('.'));
            Files.copy(TestAssets.model(modelFile), dir.resolve("1/model" + ext), StandardCopyOption.REPLACE_EXISTING);
            if (guest != null) {
                Files.copy(TestAssets.guest(guest), dir.resolve("guest.wasm"), StandardCopyOption.REPLACE_EXISTING);
            }
            if (config != null) {
                Files.writeString(dir.resolve("config.yaml"), config);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    URI admin(String path) {
        return URI.create("http://127.0.0.1:" + server.adminPort() + path);
    }

    HttpResponse<byte[]> post(String path, byte[] body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b.build());
    }

    HttpResponse<byte[]> post(String path, String body, String... headers) {
        return post(path, body.getBytes(StandardCharsets.UTF_8), headers);
    }

    HttpResponse<byte[]> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET().build());
    }

    HttpResponse<byte[]> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    static byte[] f32(float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    static float[] floats(byte[] raw) {
        return TestAssets.floats(raw);
    }

    /**
     * Output {@code index}'s bytes from an answer in the binary tensor form (a JSON header of
     * Inference-Header-Content-Length bytes, then each binary output's bytes in order), as a raw
     * request gets it.
     */
    static byte[] binaryOutput(HttpResponse<byte[]> r, int index) {
        int header = Integer.parseInt(r.headers().firstValue("inference-header-content-length")
                .orElseThrow(() -> new AssertionError("no Inference-Header-Content-Length: " + r.statusCode() + " "
                        + text(r))));
        try {
            JsonNode outputs = new ObjectMapper().readTree(Arrays.copyOf(r.body(), header)).get("outputs");
            int offset = header;
            for (int i = 0; i < index; i++) {
                offset += outputs.get(i).get("parameters").get("binary_data_size").asInt();
            }
            int size = outputs.get(index).get("parameters").get("binary_data_size").asInt();
            return Arrays.copyOfRange(r.body(), offset, offset + size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first output of a binary-form answer as FP32 values. */
    static float[] outputFloats(HttpResponse<byte[]> r) {
        return floats(binaryOutput(r, 0));
    }

    @Override
    public void close() {
        server.close();
    }
}
