package dev.jwasmnn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jwasmnn.testing.TensorAssert;
import dev.jwasmnn.testing.TestAssets;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The core acceptance path: the image-classification guest, built from Rust source, run by the
 * real {@code jwasm-nn run} command on MobileNetV2, agrees with torch and with a direct ONNX
 * Runtime call within 1e-4, whether the model is preloaded or loaded from bytes by the guest.
 */
class ClassifyAcceptanceTest {
    static final double TOLERANCE = 1e-4;
    static Path guest;
    static Path models;
    static float[] torch;
    static float[] direct;

    @TempDir
    Path out;

    @BeforeAll
    static void references() throws Exception {
        guest = TestAssets.guest("classify");
        models = TestAssets.models();
        torch = TestAssets.floats(models.resolve("mobilenet_v2.torch.f32"));
        direct = directOnnxRuntime(TestAssets.floats(models.resolve("mobilenet_v2.input.f32")));
    }

    /** What a Java user of ONNX Runtime gets without jwasm-nn in between. */
    static float[] directOnnxRuntime(float[] input) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(TestAssets.model("mobilenet_v2.onnx").toString());
                OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), new long[] {1, 3, 224, 224});
                OrtSession.Result r = session.run(Map.of(session.getInputNames().iterator().next(), x))) {
            return ((float[][]) r.get(0).getValue())[0];
        }
    }

    CliProcess classify(String... guestArgs) {
        String[] fixed = {
            "run",
            "--dir", "/models:" + models,
            "--dir", "/out:" + out,
            "--nn-preload", "mobilenet:ONNX:CPU:" + models.resolve("mobilenet_v2.onnx"),
            guest.toString(),
        };
        String[] all = new String[fixed.length + guestArgs.length];
        System.arraycopy(fixed, 0, all, 0, fixed.length);
        System.arraycopy(guestArgs, 0, all, fixed.length, guestArgs.length);
        return CliProcess.run(out, all);
    }

    @Test
    void preloadedGraphMatchesTorchAndDirectOnnxRuntime() throws Exception {
        assertMatchesReferences(classify("--preloaded", "mobilenet", "--tensor", "/models/mobilenet_v2.input.f32",
                "--dump", "/out/logits.f32"));
    }

    @Test
    void modelBytesLoadedByTheGuestMatchTorchAndDirectOnnxRuntime() throws Exception {
        assertMatchesReferences(classify("--model", "/models/mobilenet_v2.onnx",
                "--tensor", "/models/mobilenet_v2.input.f32", "--dump", "/out/logits.f32"));
    }

    /** The dumped logits equal torch's and direct ONNX Runtime's; stdout is torch's top 5. */
    void assertMatchesReferences(CliProcess p) throws Exception {
        assertThat(p.exitCode()).as(p.toString()).isZero();
        float[] logits = TestAssets.floats(out.resolve("logits.f32"));
        assertThat(TensorAssert.maxAbsDiff(logits, torch)).as("vs torch").isLessThanOrEqualTo(TOLERANCE);
        assertThat(TensorAssert.maxAbsDiff(logits, direct)).as("vs direct ONNX Runtime").isLessThanOrEqualTo(TOLERANCE);
        assertTop5(p.stdout(), torch);
    }

    @Test
    void imageFilesArePreprocessedInTheGuestLikeTheReference() throws Exception {
        for (String image : new String[] {"sample-224.bmp", "sample-224.ppm"}) {
            CliProcess p = classify("--preloaded", "mobilenet", "--image", "/models/" + image,
                    "--dump", "/out/" + image + ".f32");
            assertThat(p.exitCode()).as(p.toString()).isZero();
            float[] logits = TestAssets.floats(out.resolve(image + ".f32"));
            assertThat(TensorAssert.maxAbsDiff(logits, torch)).as("%s vs torch", image).isLessThanOrEqualTo(TOLERANCE);
        }
        CliProcess resized = classify("--preloaded", "mobilenet", "--image", "/models/sample-320x240.bmp");
        assertThat(resized.exitCode()).as(resized.toString()).isZero();
        assertThat(new ObjectMapper().readTree(resized.stdout()).get("top")).hasSize(5);
    }

    @Test
    void guestErrorsPassThroughWithTheGuestsExitCode() {
        CliProcess p = classify("--preloaded", "no-such-model", "--tensor", "/models/mobilenet_v2.input.f32");
        assertThat(p.exitCode()).as(p.toString()).isEqualTo(1);
        assertThat(p.stderr()).contains("load_by_name").contains("not_found");
        assertThat(p.stdout()).isEmpty();
    }

    /** The guest's top-5 classes are torch's five largest logits, with softmax scores. */
    static void assertTop5(String stdout, float[] logits) throws Exception {
        JsonNode top = new ObjectMapper().readTree(stdout).get("top");
        int[] expected = IntStream.range(0, logits.length).boxed()
                .sorted(Comparator.comparingDouble(i -> -logits[i]))
                .limit(5).mapToInt(Integer::intValue).toArray();
        double max = IntStream.range(0, logits.length).mapToDouble(i -> logits[i]).max().orElseThrow();
        double sum = IntStream.range(0, logits.length).mapToDouble(i -> Math.exp(logits[i] - max)).sum();
        assertThat(top).hasSize(5);
        for (int k = 0; k < 5; k++) {
            assertThat(top.get(k).get("class").asInt()).isEqualTo(expected[k]);
            double score = Math.exp(logits[expected[k]] - max) / sum;
            assertThat(top.get(k).get("score").asDouble()).isCloseTo(score, org.assertj.core.data.Offset.offset(1e-5));
        }
    }
}
