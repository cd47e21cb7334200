package dev.jwasmnn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import dev.jwasmnn.testing.TensorAssert;
import dev.jwasmnn.testing.TestAssets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PyTorch path end to end: Rust guests built from source, run by the real
 * {@code jwasm-nn run} process on MobileNetV2 as TorchScript, agree with torch, with a direct DJL
 * call and with the same model as ONNX, within 1e-4. Covers both shapes of WasmEdge's PyTorch
 * examples: the guest loading the .pt bytes itself, and a preloaded name.
 */
class PyTorchGuestAcceptanceTest {
    static final double TOLERANCE = 1e-4;
    static Path models;
    static float[] torch;
    static float[] directDjl;
    static float[] directOnnx;

    @TempDir
    Path out;

    @BeforeAll
    static void references() throws Exception {
        models = TestAssets.models();
        torch = TestAssets.floats(models.resolve("mobilenet_v2.torch.f32"));
        float[] input = TestAssets.floats(models.resolve("mobilenet_v2.input.f32"));
        directDjl = directDjl(input);
        directOnnx = ClassifyAcceptanceTest.directOnnxRuntime(input);
    }

    /** What a Java user of DJL gets without jwasm-nn in between. */
    static float[] directDjl(float[] input) throws Exception {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ENGINE_CACHE_DIR", System.getProperty("jwasmnn.pytorch.cache_dir",
                TestAssets.root().resolve("build/djl").toString()));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        System.setProperty("ai.djl.pytorch.num_threads", "1");
        try (Model model = Model.newInstance("mobilenet", Device.cpu(), "PyTorch")) {
            model.load(models, "mobilenet_v2");
            try (Predictor<NDList, NDList> predictor = model.newPredictor(new NoopTranslator());
                    NDManager scope = model.getNDManager().newSubManager()) {
                NDList result = predictor.predict(new NDList(scope.create(input, new Shape(1, 3, 224, 224))));
                return result.singletonOrThrow().toFloatArray();
            }
        }
    }

    CliProcess run(String preload, String guest, String... guestArgs) {
        List<String> all = new ArrayList<>(List.of("run", "--dir", "/models:" + models, "--dir", "/out:" + out));
        if (preload != null) {
            all.addAll(List.of("--nn-preload", preload));
        }
        all.add(TestAssets.guest(guest).toString());
        all.addAll(List.of(guestArgs));
        return CliProcess.run(out, all.toArray(String[]::new));
    }

    @Test
    void guestLoadingTorchScriptBytesMatchesTorchDirectDjlAndOnnx() throws Exception {
        CliProcess p = run(null, "classify", "--model", "/models/mobilenet_v2.pt", "--encoding", "pytorch",
                "--tensor", "/models/mobilenet_v2.input.f32", "--dump", "/out/logits.f32");
        assertMatchesReferences(p);
    }

    @Test
    void preloadedTorchScriptMatchesTorchDirectDjlAndOnnx() throws Exception {
        // WasmEdge's spelling, any case.
        CliProcess p = run("mobilenet:pytorch:cpu:" + models.resolve("mobilenet_v2.pt"), "classify",
                "--preloaded", "mobilenet", "--tensor", "/models/mobilenet_v2.input.f32", "--dump", "/out/logits.f32");
        assertMatchesReferences(p);
    }

    private void assertMatchesReferences(CliProcess p) throws Exception {
        assertThat(p.exitCode()).as(p.toString()).isZero();
        float[] logits = TestAssets.floats(out.resolve("logits.f32"));
        assertThat(TensorAssert.maxAbsDiff(logits, torch)).as("vs torch").isLessThanOrEqualTo(TOLERANCE);
        assertThat(TensorAssert.maxAbsDiff(logits, directDjl)).as("vs direct DJL").isLessThanOrEqualTo(TOLERANCE);
        assertThat(TensorAssert.maxAbsDiff(logits, directOnnx)).as("vs ONNX Runtime").isLessThanOrEqualTo(TOLERANCE);
        ClassifyAcceptanceTest.assertTop5(p.stdout(), torch);
    }

    @Test
    void wasmEdgeStyleGuestLoadingTheFileItselfPrintsTorchsTop5() {
        CliProcess p = run(null, "pytorch-mobilenet-image", "/models/mobilenet_v2.pt", "/models/sample-224.bmp");
        assertThat(p.exitCode()).as(p.toString()).isZero();
        assertTop5Lines(p.stdout());
    }

    @Test
    void wasmEdgeStyleGuestUsingAPreloadedNamePrintsTorchsTop5() {
        CliProcess p = run("mobilenet:PyTorch:CPU:" + models.resolve("mobilenet_v2.pt"), "pytorch-mobilenet-named",
                "mobilenet", "/models/sample-224.bmp");
        assertThat(p.exitCode()).as(p.toString()).isZero();
        assertTop5Lines(p.stdout());
        CliProcess unknown = run("mobilenet:PyTorch:CPU:" + models.resolve("mobilenet_v2.pt"),
                "pytorch-mobilenet-named", "resnet", "/models/sample-224.bmp");
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.stderr()).contains("not_found");
    }

    /** Lines {@code   k.) [class](logit)}: torch's five largest logits, in order. */
    private static void assertTop5Lines(String stdout) {
        int[] expected = IntStream.range(0, torch.length).boxed()
                .sorted(Comparator.comparingDouble(i -> -torch[i])).limit(5).mapToInt(Integer::intValue).toArray();
        Matcher m = Pattern.compile("(?m)^\\s+(\\d)\\.\\) \\[(\\d+)\\]\\((-?[0-9.]+)\\)$").matcher(stdout);
        for (int k = 0; k < 5; k++) {
            assertThat(m.find()).as("line %d of %s", k + 1, stdout).isTrue();
            assertThat(Integer.parseInt(m.group(1))).isEqualTo(k + 1);
            assertThat(Integer.parseInt(m.group(2))).isEqualTo(expected[k]);
            assertThat(Double.parseDouble(m.group(3))).isCloseTo(torch[expected[k]], org.assertj.core.data.Offset.offset(1e-3));
        }
    }
}
