package dev.jwasmnn.nn.abi;

import static dev.jwasmnn.nn.abi.WasiNnAbiTest.CPU;
import static dev.jwasmnn.nn.abi.WasiNnAbiTest.F32;
import static dev.jwasmnn.nn.abi.WasiNnAbiTest.GPU;
import static dev.jwasmnn.nn.abi.WasiNnAbiTest.AUTO;
import static dev.jwasmnn.nn.abi.WasiNnAbiTest.INVALID_ARGUMENT;
import static dev.jwasmnn.nn.abi.WasiNnAbiTest.OK;
import static dev.jwasmnn.nn.abi.WasiNnAbiTest.RUNTIME_ERROR;
import static dev.jwasmnn.nn.abi.WasiNnAbiTest.context;
import static dev.jwasmnn.nn.abi.WasiNnAbiTest.dims;
import static dev.jwasmnn.nn.abi.WasiNnAbiTest.f32;
import static dev.jwasmnn.nn.abi.WasiNnAbiTest.graphByName;
import static dev.jwasmnn.testing.TestAssets.bytes;
import static dev.jwasmnn.testing.TestAssets.model;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.pytorch.jni.JniUtils;
import dev.jwasmnn.nn.GraphEncoding;
import dev.jwasmnn.nn.TensorType;
import dev.jwasmnn.nn.registry.Backends;
import dev.jwasmnn.nn.registry.GraphRegistry;
import dev.jwasmnn.nn.registry.PreloadSpec;
import dev.jwasmnn.nn.spi.Backend;
import dev.jwasmnn.nn.spi.BackendSettings;
import dev.jwasmnn.testing.NnProbe;
import dev.jwasmnn.testing.ReferenceSet;
import dev.jwasmnn.testing.TensorAssert;
import dev.jwasmnn.testing.TestAssets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The PyTorch backend through a real wasm guest: TorchScript from the guest's bytes and from
 * preloaded files, every dtype, tuple outputs, bad modules and inputs, and the GPU policies on a
 * machine without a GPU. The references are torch's own outputs, written by make-test-models.py.
 */
class PyTorchAbiTest {
    static final int ENCODING_PYTORCH = 3;

    static Backends backends;
    static GraphRegistry registry;
    static WasiNn nn;

    static BackendSettings settings(Map<String, String> extra) {
        Map<String, String> all = new java.util.HashMap<>(extra);
        all.put("pytorch.cache_dir", TestAssets.root().resolve("build/djl").toString());
        all.put("onnxruntime.intra_op_threads", "1");
        return BackendSettings.of(all);
    }

    @BeforeAll
    static void preload() {
        backends = Backends.discover(settings(Map.of()));
        registry = new GraphRegistry();
        registry.preload(PreloadSpec.parse("multi_io:PyTorch:CPU:" + model("multi_io.pt")), backends);
        registry.preload(PreloadSpec.parse("mobilenet_pt:pytorch:cpu:" + model("mobilenet_v2.pt")), backends);
        registry.preload(PreloadSpec.parse("mobilenet_onnx:onnx:cpu:" + model("mobilenet_v2.onnx")), backends);
        nn = new WasiNn(WasiNnConfig.builder(backends).resolver(registry).build());
    }

    @AfterAll
    static void close() {
        registry.close();
        assertThat(pytorch().openGraphs()).as("TorchScript modules left open").isZero();
        assertThat(pytorch().openContexts()).isZero();
        backends.close();
    }

    static Backend pytorch() {
        return backends.forEncoding(GraphEncoding.PYTORCH);
    }

    @Test
    void defaultThreadsSuitTheCoreCount() {
        int cores = Runtime.getRuntime().availableProcessors();
        assertThat(JniUtils.getNumThreads()).isEqualTo(Math.max(1, cores / 2));
        assertThat(JniUtils.getNumInteropThreads()).isEqualTo(1);
    }

    @Test
    void everyDtypeInAndTupleOutputsOutMatchTorch() {
        ReferenceSet ref = ReferenceSet.load("multi_io");
        try (NnProbe p = new NnProbe(nn)) {
            int graph = graphByName(p, "multi_io");
            int ctx = context(p, graph);
            List<ReferenceSet.Named> inputs = ref.inputs();
            // TorchScript names its forward arguments but declares no types or shapes.
            assertThat(p.session().graph(graph).inputs()).extracting(s -> s.name())
                    .containsExactlyElementsOf(inputs.stream().map(ReferenceSet.Named::name).toList());
            for (int i = 0; i < inputs.size(); i++) {
                var t = inputs.get(i).tensor();
                int tensor = p.tensor(dims(t.shape()), TensorTypeNumbering.CURRENT.encode(t.type()), t.toByteArray());
                assertThat(p.call("set_input", ctx, i, tensor)).as("set_input %s", inputs.get(i).name()).isEqualTo(OK);
            }
            assertThat(p.call("compute", ctx)).isEqualTo(OK);
            // The module returns a tuple of six tensors: they come back as outputs 0..5, native dtypes kept.
            List<ReferenceSet.Named> outputs = ref.outputs();
            for (int o = 0; o < outputs.size(); o++) {
                var expected = outputs.get(o).tensor();
                int buf = p.alloc(expected.byteLength());
                int written = p.outSlot();
                assertThat(p.call("get_output", ctx, o, buf, expected.byteLength(), written))
                        .as("get_output %d", o).isEqualTo(OK);
                assertThat(p.readU32(written)).isEqualTo(expected.byteLength());
                TensorAssert.assertClose(outputs.get(o).name(), expected.type(), p.read(buf, expected.byteLength()),
                        expected.toByteArray(), expected.type() == TensorType.F16 ? 1e-3 : 1e-6);
            }
            assertThat(p.call("get_output", ctx, outputs.size(), p.alloc(4), 4, p.outSlot()))
                    .as("one past the flattened tuple").isEqualTo(INVALID_ARGUMENT);
        }
    }

    @Test
    void mobileNetAsTorchScriptAndAsOnnxAgreeWithTorch() {
        byte[] input = bytes(model("mobilenet_v2.input.f32"));
        float[] torch = TestAssets.floats(model("mobilenet_v2.torch.f32"));
        float[] viaPyTorch = classify("mobilenet_pt", input);
        float[] viaOnnx = classify("mobilenet_onnx", input);
        assertThat(TensorAssert.maxAbsDiff(viaPyTorch, torch)).isLessThanOrEqualTo(1e-4);
        assertThat(TensorAssert.maxAbsDiff(viaOnnx, torch)).isLessThanOrEqualTo(1e-4);
        assertThat(TensorAssert.maxAbsDiff(viaPyTorch, viaOnnx)).isLessThanOrEqualTo(1e-4);
    }

    private static float[] classify(String graph, byte[] input) {
        try (NnProbe p = new NnProbe(nn)) {
            int handle = graphByName(p, graph);
            assertThat(p.session().graph(handle).inputs()).hasSize(1);
            int ctx = context(p, handle);
            assertThat(p.call("set_input", ctx, 0, p.tensor(new int[] {1, 3, 224, 224}, F32, input))).isEqualTo(OK);
            assertThat(p.call("compute", ctx)).isEqualTo(OK);
            int buf = p.alloc(4000);
            int written = p.outSlot();
            assertThat(p.call("get_output", ctx, 0, buf, 4000, written)).isEqualTo(OK);
            assertThat(p.readU32(written)).isEqualTo(4000);
            return TestAssets.floats(p.read(buf, 4000));
        }
    }

    @Test
    void torchScriptBytesFromTheGuestLoadAndCompute() {
        float[] in = TestAssets.floats(model("tiny.in.f32"));
        float[] expected = TestAssets.floats(model("tiny.out.f32"));
        try (NnProbe p = new NnProbe(nn)) {
            int out = p.outSlot();
            assertThat(p.call("load", p.builders(bytes(model("tiny.pt"))), 1, ENCODING_PYTORCH, CPU, out)).isEqualTo(OK);
            assertThat(WasiNnAbiTest.runTiny(p, context(p, p.readU32(out)), in)).containsExactly(expected);
        }
    }

    @Test
    void corruptTorchScriptIsRuntimeErrorAndLeavesNothingOpen() {
        byte[] tiny = bytes(model("tiny.pt"));
        int before = pytorch().openGraphs();
        try (NnProbe p = new NnProbe(nn)) {
            int out = p.outSlot();
            byte[] truncated = Arrays.copyOf(tiny, tiny.length / 2);
            assertThat(p.call("load", p.builders(truncated), 1, ENCODING_PYTORCH, CPU, out)).isEqualTo(RUNTIME_ERROR);
            assertThat(p.session().lastError()).contains("PyTorch could not load");
            byte[] flipped = tiny.clone();
            for (int i = 40; i < flipped.length; i += 97) {
                flipped[i] ^= 0x5A;
            }
            assertThat(p.call("load", p.builders(flipped), 1, ENCODING_PYTORCH, CPU, out)).isEqualTo(RUNTIME_ERROR);
            assertThat(p.call("load", p.builders("not a model".getBytes()), 1, ENCODING_PYTORCH, CPU, out))
                    .isEqualTo(RUNTIME_ERROR);
            assertThat(p.call("load", p.builders(new byte[0]), 1, ENCODING_PYTORCH, CPU, out)).isEqualTo(INVALID_ARGUMENT);
            // The instance is still usable afterwards.
            assertThat(p.call("load", p.builders(tiny), 1, ENCODING_PYTORCH, CPU, out)).isEqualTo(OK);
        }
        assertThat(pytorch().openGraphs()).isEqualTo(before);
    }

    @Test
    void inputsTheModuleRejectsAreInvalidArgumentAndTheContextStaysUsable() {
        try (NnProbe p = new NnProbe(nn)) {
            int ctx = context(p, graphByName(p, "mobilenet_pt"));
            assertThat(p.call("set_input", ctx, 0, p.tensor(new int[] {1, 4}, F32, f32(1, 2, 3, 4)))).isEqualTo(OK);
            assertThat(p.call("compute", ctx)).as("wrong rank for a convolution").isEqualTo(INVALID_ARGUMENT);
            assertThat(p.session().lastError()).contains("PyTorch rejected the inputs");
            assertThat(p.call("set_input", ctx, 1, p.tensor(new int[] {1, 4}, F32, f32(1, 2, 3, 4))))
                    .as("forward(self, x) takes one input").isEqualTo(INVALID_ARGUMENT);
            byte[] input = bytes(model("mobilenet_v2.input.f32"));
            assertThat(p.call("set_input", ctx, 0, p.tensor(new int[] {1, 3, 224, 224}, F32, input))).isEqualTo(OK);
            assertThat(p.call("compute", ctx)).isEqualTo(OK);
        }
    }

    @Test
    void gpuTargetWithoutAGpuFollowsThePolicy() {
        byte[] tiny = bytes(model("tiny.pt"));
        assertThat(pytorch().gpu().usable()).isFalse();
        assertThat(pytorch().gpu().missing()).contains("no CUDA device");
        try (NnProbe p = new NnProbe(nn)) {
            int out = p.outSlot();
            assertThat(p.call("load", p.builders(tiny), 1, ENCODING_PYTORCH, GPU, out)).as("default policy: fail")
                    .isEqualTo(RUNTIME_ERROR);
            assertThat(p.session().lastError()).contains("execution target GPU").contains("no CUDA device");
            assertThat(p.call("load", p.builders(tiny), 1, ENCODING_PYTORCH, AUTO, out)).as("auto: the CPU here")
                    .isEqualTo(OK);
            assertThat(p.session().graph(p.readU32(out)).device()).isEqualTo("cpu");
        }
        try (Backends lenient = Backends.discover(settings(Map.of("gpu_policy", "fallback")));
                NnProbe p = new NnProbe(new WasiNn(WasiNnConfig.builder(lenient).build()))) {
            int out = p.outSlot();
            assertThat(p.call("load", p.builders(tiny), 1, ENCODING_PYTORCH, GPU, out)).isEqualTo(OK);
            assertThat(p.session().graph(p.readU32(out)).device()).isEqualTo("cpu");
            assertThat(p.session().graph(p.readU32(out)).target()).hasToString("GPU");
        }
    }
}
