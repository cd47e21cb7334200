package dev.jwasmnn.server;

import static dev.jwasmnn.server.TestServer.text;
import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jwasmnn.testing.TestAssets;
import java.net.http.HttpResponse;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model whose config has an image preprocessing step and a top-k step answers an image POSTed
 * to /v1/infer with top-5 JSON, no guest involved; bad images get 400/413/415 and harm nothing.
 */
class PipelineServingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PIPELINE = """
            pipeline:
              pre: {image: {size: 224, resize: crop}}
              post: {topk: {k: 5, labels: labels.txt}}
            """;
    @TempDir
    static Path repo;
    static TestServer t;

    @BeforeAll
    static void start() throws Exception {
        TestServer.model(repo, "classifier", "mobilenet_v2.onnx", null, PIPELINE);
        Files.writeString(repo.resolve("classifier/labels.txt"),
                IntStream.range(0, 1000).mapToObj(i -> "class-" + i).collect(Collectors.joining("\n")) + "\n");
        TestServer.model(repo, "cv-guest", "mobilenet_v2.onnx", "classify-cv", """
                guest: {args: ["{model}"], allow_cv: true}
                """);
        TestServer.model(repo, "cv-denied", "mobilenet_v2.onnx", "classify-cv", "guest: {args: [\"{model}\"]}\n");
        TestServer.model(repo, "broken", "mobilenet_v2.onnx", null, """
                pipeline:
                  pre: {image: {resize: squash}}
                """);
        t = new TestServer(repo, s -> s);
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    /** Softmax of a direct ONNX Runtime run of MobileNetV2 on the reference tensor. */
    static float[] referenceScores(String tensorFile) throws Exception {
        float[] input = TestAssets.floats(TestAssets.model(tensorFile));
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(TestAssets.model("mobilenet_v2.onnx").toString());
                OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), new long[] {1, 3, 224, 224});
                OrtSession.Result r = s.run(Map.of(s.getInputNames().iterator().next(), x))) {
            float[] logits = ((float[][]) r.get(0).getValue())[0];
            double max = IntStream.range(0, logits.length).mapToDouble(i -> logits[i]).max().orElseThrow();
            double sum = IntStream.range(0, logits.length).mapToDouble(i -> Math.exp(logits[i] - max)).sum();
            float[] p = new float[logits.length];
            for (int i = 0; i < p.length; i++) {
                p[i] = (float) (Math.exp(logits[i] - max) / sum);
            }
            return p;
        }
    }

    @Test
    void aPngGetsTheTop5OfTheReferencePreprocessing() throws Exception {
        HttpResponse<byte[]> r = t.post("/v1/infer/classifier", TestAssets.bytes(TestAssets.model("photo-640x480.png")),
                "Content-Type", "image/png");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).contains("json"));
        JsonNode top = JSON.readTree(r.body()).get("top");
        float[] want = referenceScores("photo-640x480.crop.f32");
        int[] order = IntStream.range(0, want.length).boxed().sorted(Comparator.comparingDouble(i -> -want[i]))
                .limit(5).mapToInt(Integer::intValue).toArray();
        assertThat(top).hasSize(5);
        for (int k = 0; k < 5; k++) {
            assertThat(top.get(k).get("class").asInt()).isEqualTo(order[k]);
            assertThat(top.get(k).get("label").asText()).isEqualTo("class-" + order[k]);
            assertThat(top.get(k).get("score").asDouble()).isCloseTo(want[order[k]], org.assertj.core.data.Offset.offset(1e-5));
        }
    }

    @Test
    void severalImagesInOneJsonBodyAreOneBatchWithAnAnswerEach() throws Exception {
        byte[] a = TestAssets.bytes(TestAssets.model("photo-640x480.png"));
        byte[] b = TestAssets.bytes(TestAssets.model("photo-300x400.png"));
        String body = "{\"images\":[\"" + java.util.Base64.getEncoder().encodeToString(a) + "\",\""
                + java.util.Base64.getEncoder().encodeToString(b) + "\"]}";
        HttpResponse<byte[]> r = t.post("/v1/infer/classifier", body, "Content-Type", "application/json");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        JsonNode predictions = JSON.readTree(r.body()).get("predictions");
        assertThat(predictions).hasSize(2);
        JsonNode single = JSON.readTree(t.post("/v1/infer/classifier", a, "Content-Type", "image/png").body());
        assertThat(predictions.get(0).get("top").get(0).get("class").asInt())
                .isEqualTo(single.get("top").get(0).get("class").asInt());
        assertThat(predictions.get(0).get("top").get(0).get("score").asDouble())
                .isCloseTo(single.get("top").get(0).get("score").asDouble(), org.assertj.core.data.Offset.offset(1e-5));
        assertError(t.post("/v1/infer/classifier", "{\"images\":[\"R0lGODlh\"]}", "Content-Type", "application/json"),
                415, "images[0]");
    }

    @Test
    void aJpegLikeCurlSendsItGetsTheScoresOfTheReferencePreprocessing() throws Exception {
        HttpResponse<byte[]> r = t.post("/v1/infer/classifier", TestAssets.bytes(TestAssets.model("photo-640x480.jpg")),
                "Content-Type", "image/jpeg");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        JsonNode top = JSON.readTree(r.body()).get("top");
        assertThat(top).hasSize(5);
        // The reference decodes with Pillow, we with libjpeg-turbo (pixels within 2/255), and this
        // picture's scores lie close together: so each answered class must carry the reference's
        // score for it and rank among the reference's top 10, rather than match its exact order.
        float[] want = referenceScores("photo-640x480.jpg.crop.f32");
        List<Integer> top10 = IntStream.range(0, want.length).boxed().sorted(Comparator.comparingDouble(i -> -want[i]))
                .limit(10).toList();
        for (int k = 0; k < 5; k++) {
            int c = top.get(k).get("class").asInt();
            assertThat(top10).as("rank %d", k).contains(c);
            assertThat(top.get(k).get("score").asDouble()).as("class %d", c)
                    .isCloseTo(want[c], org.assertj.core.data.Offset.offset(2e-5));
        }
    }

    @Test
    void aRustGuestCallingJwasmCvGetsTheSameAnswerAsThePipeline() throws Exception {
        byte[] jpeg = TestAssets.bytes(TestAssets.model("photo-640x480.jpg"));
        JsonNode viaPipeline = JSON.readTree(t.post("/v1/infer/classifier", jpeg, "Content-Type", "image/jpeg").body());
        HttpResponse<byte[]> r = t.post("/v1/infer/cv-guest", jpeg, "Content-Type", "image/jpeg");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        JsonNode viaGuest = JSON.readTree(r.body()).get("top");
        assertThat(viaGuest).hasSize(5);
        for (int k = 0; k < 5; k++) {
            JsonNode want = viaPipeline.get("top").get(k);
            assertThat(viaGuest.get(k).get("class").asInt()).isEqualTo(want.get("class").asInt());
            assertThat(viaGuest.get(k).get("score").asDouble())
                    .isCloseTo(want.get("score").asDouble(), org.assertj.core.data.Offset.offset(1e-6));
        }
        // Not granted in its config: the host refuses, the guest exits 1, the client gets a 500.
        HttpResponse<byte[]> denied = t.post("/v1/infer/cv-denied", jpeg, "Content-Type", "image/jpeg");
        assertThat(denied.statusCode()).isEqualTo(500);
        assertThat(t.post("/v1/infer/cv-guest", "not an image").statusCode()).isEqualTo(500);
    }

    @Test
    void badImagesGet415400Or413AndTheModelKeepsServing() throws Exception {
        assertError(t.post("/v1/infer/classifier", "GIF89a-not-supported", "Content-Type", "image/gif"), 415, "not a JPEG");
        assertError(t.post("/v1/infer/classifier", new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0},
                "Content-Type", "image/jpeg"), 400, "JPEG");
        byte[] huge = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xC0, 0, 17, 8, 0x75, 0x30, 0x75, 0x30, 3};
        assertError(t.post("/v1/infer/classifier", huge, "Content-Type", "image/jpeg"), 413, "30000x30000");
        assertThat(t.post("/v1/infer/classifier", TestAssets.bytes(TestAssets.model("photo-300x400.png")),
                "Content-Type", "image/png").statusCode()).isEqualTo(200);
    }

    @Test
    void aBadStepOptionFailsTheLoadWithTheReason() throws Exception {
        HttpResponse<byte[]> r = t.post("/v1/infer/broken", TestAssets.bytes(TestAssets.model("photo-640x480.png")));
        assertThat(r.statusCode()).isEqualTo(503);
        HttpResponse<byte[]> status = t.send(java.net.http.HttpRequest.newBuilder(
                t.admin("/v2/repository/models/broken/status")).GET().build());
        assertThat(text(status)).contains("resize").contains("letterbox");
    }

    private static void assertError(HttpResponse<byte[]> r, int status, String text) throws Exception {
        assertThat(r.statusCode()).as(text(r)).isEqualTo(status);
        assertThat(JSON.readTree(r.body()).get("error").asText()).contains(text);
    }
}
