package dev.jwasmnn.nn.abi;

import static dev.jwasmnn.testing.TestAssets.bytes;
import static dev.jwasmnn.testing.TestAssets.model;
import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.jwasmnn.nn.NnErrno;
import dev.jwasmnn.nn.TensorType;
import dev.jwasmnn.nn.registry.Backends;
import dev.jwasmnn.nn.registry.GraphRegistry;
import dev.jwasmnn.nn.registry.GraphRequest;
import dev.jwasmnn.nn.registry.PreloadSpec;
import dev.jwasmnn.nn.registry.SharedGraph;
import dev.jwasmnn.nn.spi.Backend;
import dev.jwasmnn.nn.spi.BackendSettings;
import dev.jwasmnn.testing.NnProbe;
import dev.jwasmnn.testing.ReferenceSet;
import dev.jwasmnn.testing.TensorAssert;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Every wasi_ephemeral_nn function, driven through a real wasm guest with real models: success
 * paths, both tensor-type numberings and every errno path.
 */
class WasiNnAbiTest {
    static final int OK = 0;
    static final int INVALID_ARGUMENT = NnErrno.INVALID_ARGUMENT.code();
    static final int INVALID_ENCODING = NnErrno.INVALID_ENCODING.code();
    static final int MISSING_MEMORY = NnErrno.MISSING_MEMORY.code();
    static final int RUNTIME_ERROR = NnErrno.RUNTIME_ERROR.code();
    static final int UNSUPPORTED = NnErrno.UNSUPPORTED_OPERATION.code();
    static final int TOO_LARGE = NnErrno.TOO_LARGE.code();
    static final int NOT_FOUND = NnErrno.NOT_FOUND.code();

    // Codes of the current numbering, the one modern crates send.
    static final int F16 = 0, F32 = 1, F64 = 2, U8 = 3, I32 = 4, I64 = 5;
    static final int ENCODING_OPENVINO = 0, ENCODING_ONNX = 1;
    static final int CPU = 0, GPU = 1, TPU = 2, AUTO = 3;

    static Backends backends;
    static GraphRegistry registry;
    static WasiNn nn;
    static ReferenceSet multiIo;
    static byte[] tinyModel;
    static float[] tinyIn;
    static float[] tinyOut;

    @BeforeAll
    static void preload() {
        backends = Backends.discover(BackendSettings.of(java.util.Map.of("onnxruntime.intra_op_threads", "1")));
        registry = new GraphRegistry();
        registry.preload(PreloadSpec.parse("multi_io:ONNX:CPU:" + model("multi_io.onnx")), backends);
        registry.preload(PreloadSpec.parse("tiny:onnx:cpu:" + model("tiny.onnx")), backends);
        registry.preload(PreloadSpec.parse("slow:ONNX:CPU:" + model("slow.onnx")), backends);
        nn = new WasiNn(WasiNnConfig.builder(backends).resolver(registry).build());
        multiIo = ReferenceSet.load("multi_io");
        tinyModel = bytes(model("tiny.onnx"));
        tinyIn = dev.jwasmnn.testing.TestAssets.floats(model("tiny.in.f32"));
        tinyOut = dev.jwasmnn.testing.TestAssets.floats(model("tiny.out.f32"));
    }

    @AfterAll
    static void close() {
        registry.close();
        assertThat(onnx().openGraphs()).as("native sessions left open after the registry closed").isZero();
        backends.close();
    }

    static Backend onnx() {
        return backends.started().get(0);
    }

    static byte[] f32(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    static int graphByName(NnProbe p, String name) {
        int out = p.outSlot();
        int name_ = p.putString(name);
        assertThat(p.call("load_by_name", name_, name.length(), out)).isEqualTo(OK);
        return p.readU32(out);
    }

    static int context(NnProbe p, int graph) {
        int out = p.outSlot();
        assertThat(p.call("init_execution_context", graph, out)).isEqualTo(OK);
        return p.readU32(out);
    }

    static float[] runTiny(NnProbe p, int ctx, float... input) {
        int t = p.tensor(new int[] {1, 4}, F32, f32(input));
        assertThat(p.call("set_input", ctx, 0, t)).isEqualTo(OK);
        assertThat(p.call("compute", ctx)).isEqualTo(OK);
        int buf = p.alloc(16);
        int written = p.outSlot();
        assertThat(p.call("get_output", ctx, 0, buf, 16, written)).isEqualTo(OK);
        assertThat(p.readU32(written)).isEqualTo(16);
        return dev.jwasmnn.testing.TestAssets.floats(p.read(buf, 16));
    }

    @Nested
    class Load {
        @Test
        void modelBytesFromTheGuestLoadAndComputeLikeTorch() {
            try (NnProbe p = new NnProbe(nn)) {
                int out = p.outSlot();
                assertThat(p.call("load", p.builders(tinyModel), 1, ENCODING_ONNX, CPU, out)).isEqualTo(OK);
                int graph = p.readU32(out);
                assertThat(graph).as("first handle of an instance").isZero();
                float[] y = runTiny(p, context(p, graph), tinyIn);
                assertThat(TensorAssert.maxAbsDiff(y, tinyOut)).isLessThanOrEqualTo(1e-6);
            }
        }

        @Test
        void autoTargetResolvesToCpu() {
            try (NnProbe p = new NnProbe(nn)) {
                int out = p.outSlot();
                assertThat(p.call("load", p.builders(tinyModel), 1, ENCODING_ONNX, AUTO, out)).isEqualTo(OK);
                assertThat(TensorAssert.maxAbsDiff(runTiny(p, context(p, p.readU32(out)), tinyIn), tinyOut))
                        .isLessThanOrEqualTo(1e-6);
            }
        }

        @Test
        void builderCountOtherThanOneIsInvalidArgument() {
            try (NnProbe p = new NnProbe(nn)) {
                int out = p.outSlot();
                assertThat(p.call("load", p.builders(tinyModel), 0, ENCODING_ONNX, CPU, out)).isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("load", p.builders(tinyModel, tinyModel), 2, ENCODING_ONNX, CPU, out))
                        .isEqualTo(INVALID_ARGUMENT);
                assertThat(p.session().lastError()).contains("exactly one graph builder");
                assertThat(p.call("load", p.builders(tinyModel), 1_000_000, ENCODING_ONNX, CPU, out))
                        .isEqualTo(INVALID_ARGUMENT);
                assertThat(p.readU32(out)).as("out-pointer untouched on failure").isEqualTo(0xA5A5A5A5);
            }
        }

        @Test
        void builderArrayOrModelBytesPastMemoryAreInvalidArgument() {
            try (NnProbe p = new NnProbe(nn)) {
                int out = p.outSlot();
                int end = p.memorySize();
                assertThat(p.call("load", end - 4, 1, ENCODING_ONNX, CPU, out)).isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("load", -8, 1, ENCODING_ONNX, CPU, out)).isEqualTo(INVALID_ARGUMENT);
                int tooLong = p.putU32(p.put(tinyModel), end);
                assertThat(p.call("load", tooLong, 1, ENCODING_ONNX, CPU, out)).isEqualTo(INVALID_ARGUMENT);
                int wild = p.putU32(end - 10, 100);
                assertThat(p.call("load", wild, 1, ENCODING_ONNX, CPU, out)).isEqualTo(INVALID_ARGUMENT);
                assertThat(p.session().lastError()).contains("outside guest memory");
            }
        }

        @Test
        void encodingsAndTargetsAreChecked() {
            try (NnProbe p = new NnProbe(nn)) {
                int out = p.outSlot();
                int b = p.builders(tinyModel);
                assertThat(p.call("load", b, 1, 99, CPU, out)).isEqualTo(INVALID_ENCODING);
                assertThat(p.call("load", b, 1, ENCODING_OPENVINO, CPU, out)).as("no OpenVINO backend")
                        .isEqualTo(INVALID_ENCODING);
                assertThat(p.call("load", b, 1, ENCODING_ONNX, 9, out)).isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("load", b, 1, ENCODING_ONNX, GPU, out)).as("CPU-only build").isEqualTo(RUNTIME_ERROR);
                assertThat(p.call("load", b, 1, ENCODING_ONNX, TPU, out)).isEqualTo(UNSUPPORTED);
                assertThat(p.readU32(out)).isEqualTo(0xA5A5A5A5);
            }
        }

        @Test
        void corruptModelBytesAreRuntimeErrorAndLeakNothing() {
            int before = onnx().openGraphs();
            try (NnProbe p = new NnProbe(nn)) {
                byte[] corrupt = Arrays.copyOf(tinyModel, tinyModel.length / 2);
                int out = p.outSlot();
                assertThat(p.call("load", p.builders(corrupt), 1, ENCODING_ONNX, CPU, out)).isEqualTo(RUNTIME_ERROR);
                assertThat(p.call("load", p.builders("not a model".getBytes()), 1, ENCODING_ONNX, CPU, out))
                        .isEqualTo(RUNTIME_ERROR);
                assertThat(p.call("load", p.builders(new byte[0]), 1, ENCODING_ONNX, CPU, out))
                        .isEqualTo(INVALID_ARGUMENT);
            }
            assertThat(onnx().openGraphs()).isEqualTo(before);
        }

        @Test
        void badOutPointerFailsBeforeAnythingIsLoaded() {
            int before = onnx().openGraphs();
            try (NnProbe p = new NnProbe(nn)) {
                assertThat(p.call("load", p.builders(tinyModel), 1, ENCODING_ONNX, CPU, p.memorySize() - 2))
                        .isEqualTo(INVALID_ARGUMENT);
                assertThat(onnx().openGraphs()).isEqualTo(before);
            }
        }

        @Test
        void hostPolicyLimitsGuestModels() {
            WasiNn locked = new WasiNn(WasiNnConfig.builder(backends).resolver(registry).allowGuestModels(false).build());
            WasiNn small = new WasiNn(WasiNnConfig.builder(backends).resolver(registry).maxGuestModelBytes(100).build());
            try (NnProbe p = new NnProbe(locked); NnProbe q = new NnProbe(small)) {
                assertThat(p.call("load", p.builders(tinyModel), 1, ENCODING_ONNX, CPU, p.outSlot())).isEqualTo(UNSUPPORTED);
                assertThat(q.call("load", q.builders(tinyModel), 1, ENCODING_ONNX, CPU, q.outSlot())).isEqualTo(TOO_LARGE);
                assertThat(graphByName(p, "tiny")).as("named graphs stay available").isZero();
            }
        }
    }

    @Nested
    class LoadByName {
        @Test
        void unknownNameIsNotFound() {
            try (NnProbe p = new NnProbe(nn)) {
                int out = p.outSlot();
                assertThat(p.call("load_by_name", p.putString("nope"), 4, out)).isEqualTo(NOT_FOUND);
                assertThat(p.session().lastError()).contains("no graph named 'nope'");
                assertThat(p.readU32(out)).isEqualTo(0xA5A5A5A5);
            }
        }

        @Test
        void aNonAsciiNameIsReadAsUtf8() {
            try (NnProbe p = new NnProbe(nn)) {
                byte[] name = "modèle-ü".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                assertThat(p.call("load_by_name", p.put(name), name.length, p.outSlot())).isEqualTo(NOT_FOUND);
                assertThat(p.session().lastError()).contains("no graph named 'modèle-ü'");
            }
        }

        @Test
        void namesAreCheckedBeforeLookup() {
            try (NnProbe p = new NnProbe(nn)) {
                int out = p.outSlot();
                assertThat(p.call("load_by_name", p.putString("tiny"), 0, out)).isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("load_by_name", p.memorySize() - 2, 4, out)).isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("load_by_name", p.put(new byte[] {(byte) 0xC3, (byte) 0x28}), 2, out))
                        .as("invalid UTF-8").isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("load_by_name", p.putString("tiny"), 1 << 20, out)).isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("load_by_name", p.putString("tiny"), 4, -4)).isEqualTo(INVALID_ARGUMENT);
            }
        }

        @Test
        void aCStringTerminatorInTheLengthIsTolerated() {
            try (NnProbe p = new NnProbe(nn)) {
                int out = p.outSlot();
                assertThat(p.call("load_by_name", p.putString("tiny\0"), 5, out)).isEqualTo(OK);
            }
        }

        @Test
        void eachLoadGivesANewHandleOnTheSameSession() {
            SharedGraph tiny = registry.acquire(GraphRequest.byName("tiny"));
            try (NnProbe p = new NnProbe(nn)) {
                int refs = tiny.references();
                int a = graphByName(p, "tiny");
                int b = graphByName(p, "tiny");
                assertThat(a).isZero();
                assertThat(b).isEqualTo(1);
                assertThat(tiny.references()).isEqualTo(refs + 2);
                assertThat(p.call("unload", a)).isEqualTo(OK);
                assertThat(runTiny(p, context(p, b), tinyIn)).containsExactly(tinyOut);
            } finally {
                tiny.release();
            }
        }

        @Test
        void configCanPinVersionAndEncoding() {
            try (NnProbe p = new NnProbe(nn)) {
                int name = p.putString("tiny");
                String[][] cases = {
                    {"", "0"},
                    {"{}", "0"},
                    {"{\"version\": 1}", "0"},
                    {"{\"encoding\": \"onnx\"}", "0"},
                    {"{\"encoding\": \"ONNX\", \"version\": 1}", "0"},
                    {"{\"version\": 2}", String.valueOf(NOT_FOUND)},
                    {"{\"encoding\": \"pytorch\"}", String.valueOf(INVALID_ENCODING)},
                    {"{\"encoding\": \"klingon\"}", String.valueOf(INVALID_ARGUMENT)},
                    {"{\"version\": 0}", String.valueOf(INVALID_ARGUMENT)},
                    {"{\"version\": \"1\"}", String.valueOf(INVALID_ARGUMENT)},
                    {"{\"threads\": 4}", String.valueOf(INVALID_ARGUMENT)},
                    {"{\"version\": 1, \"version\": 1}", String.valueOf(INVALID_ARGUMENT)},
                    {"[1]", String.valueOf(INVALID_ARGUMENT)},
                    {"not json", String.valueOf(INVALID_ARGUMENT)},
                };
                for (String[] c : cases) {
                    int cfg = p.putString(c[0]);
                    assertThat(p.call("load_by_name_with_config", name, 4, cfg, c[0].length(), p.outSlot()))
                            .as("config %s", c[0]).isEqualTo(Integer.parseInt(c[1]));
                }
                assertThat(p.call("load_by_name_with_config", name, 4, p.memorySize() - 1, 8, p.outSlot()))
                        .isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("load_by_name_with_config", p.putString("x"), 1, p.putString("{}"), 2, p.outSlot()))
                        .isEqualTo(NOT_FOUND);
            }
        }
    }

    @Nested
    class Execution {
        @Test
        void everyDtypeInAndOutMatchesTorch() {
            try (NnProbe p = new NnProbe(nn)) {
                int ctx = context(p, graphByName(p, "multi_io"));
                List<ReferenceSet.Named> inputs = multiIo.inputs();
                for (int i = 0; i < inputs.size(); i++) {
                    var t = inputs.get(i).tensor();
                    int code = TensorTypeNumbering.CURRENT.encode(t.type());
                    int tensor = p.tensor(dims(t.shape()), code, t.toByteArray());
                    assertThat(p.call("set_input", ctx, i, tensor)).as("set_input %s", inputs.get(i).name()).isEqualTo(OK);
                }
                assertThat(p.call("compute", ctx)).isEqualTo(OK);
                List<ReferenceSet.Named> outputs = multiIo.outputs();
                for (int o = 0; o < outputs.size(); o++) {
                    var expected = outputs.get(o).tensor();
                    int buf = p.alloc(expected.byteLength());
                    int written = p.outSlot();
                    assertThat(p.call("get_output", ctx, o, buf, expected.byteLength(), written)).isEqualTo(OK);
                    assertThat(p.readU32(written)).isEqualTo(expected.byteLength());
                    TensorAssert.assertClose(outputs.get(o).name(), expected.type(), p.read(buf, expected.byteLength()),
                            expected.toByteArray(), expected.type() == TensorType.F16 ? 1e-3 : 1e-6);
                }
            }
        }

        @Test
        void legacyNumberingIsResolvedFromTheBytesPerElement() {
            try (NnProbe p = new NnProbe(nn)) {
                int ctx = context(p, graphByName(p, "multi_io"));
                List<ReferenceSet.Named> inputs = multiIo.inputs();
                for (int i = 0; i < inputs.size(); i++) {
                    var t = inputs.get(i).tensor();
                    // Legacy crates: U8 is 2 and I32 is 3; the others agree or exist only in the current numbering.
                    int code = switch (t.type()) {
                        case U8 -> 2;
                        case I32 -> 3;
                        default -> TensorTypeNumbering.CURRENT.encode(t.type());
                    };
                    // Old crates wrote one byte and left garbage above it.
                    int field = 0xABCDEF00 | code;
                    assertThat(p.call("set_input", ctx, i, p.tensor(dims(t.shape()), field, t.toByteArray())))
                            .as("legacy %s", t.type()).isEqualTo(OK);
                }
                assertThat(p.call("compute", ctx)).isEqualTo(OK);
                var inc = multiIo.outputs().get(2).tensor();
                int buf = p.alloc(inc.byteLength());
                assertThat(p.call("get_output", ctx, 2, buf, inc.byteLength(), p.outSlot())).isEqualTo(OK);
                assertThat(p.read(buf, inc.byteLength())).containsExactly(inc.toByteArray());
            }
        }

        @Test
        void wrongTypeShapeOrLengthIsInvalidArgument() {
            try (NnProbe p = new NnProbe(nn)) {
                int ctx = context(p, graphByName(p, "tiny"));
                byte[] four = f32(1, 2, 3, 4);
                assertThat(p.call("set_input", ctx, 0, p.tensor(new int[] {1, 4}, I32, four))).as("dtype")
                        .isEqualTo(INVALID_ARGUMENT);
                assertThat(p.session().lastError()).contains("expects F32, got I32");
                assertThat(p.call("set_input", ctx, 0, p.tensor(new int[] {4, 1}, F32, four))).as("dims")
                        .isEqualTo(INVALID_ARGUMENT);
                assertThat(p.session().lastError()).contains("expects shape [1, 4], got [4, 1]");
                assertThat(p.call("set_input", ctx, 0, p.tensor(new int[] {4}, F32, four))).as("rank")
                        .isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("set_input", ctx, 0, p.tensor(new int[] {1, 4}, F32, new byte[12]))).as("bytes")
                        .isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("set_input", ctx, 0, p.tensor(new int[] {1, 4}, F64, four))).as("F64 with 4 B/elem")
                        .isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("set_input", ctx, 0, p.tensor(new int[] {1, 4}, 9, four))).as("unknown type")
                        .isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("set_input", ctx, 1, p.tensor(new int[] {1, 4}, F32, four))).as("index")
                        .isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("set_input", ctx, -1, p.tensor(new int[] {1, 4}, F32, four))).as("index -1")
                        .isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("set_input", ctx, 0, p.tensor(new int[17], F32, new byte[0]))).as("rank 17")
                        .isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("set_input", ctx, 0, p.tensor(new int[] {-1, -1}, F32, four))).as("overflow")
                        .isEqualTo(INVALID_ARGUMENT);
                // None of it stuck: the context still has no input.
                assertThat(p.call("compute", ctx)).isEqualTo(INVALID_ARGUMENT);
                assertThat(p.session().lastError()).contains("input 0 (x) has not been set");
            }
        }

        @Test
        void aRejectedLargeInputLeavesTheAcceptedOneIntact() {
            // 16 x 1024 f32 = 64 KiB: large inputs take the staged path, whose buffer backs the
            // context's current input, so a rejected call must not have written into it.
            int rows = 16;
            int width = 1024;
            ByteBuffer ones = ByteBuffer.allocate(rows * width * 4).order(ByteOrder.LITTLE_ENDIAN);
            while (ones.hasRemaining()) {
                ones.putFloat(1f);
            }
            // Rejected inputs of the same byte size, so they would land in the very same buffer.
            byte[] garbage = new byte[rows * width * 4];
            Arrays.fill(garbage, (byte) 0x3f);
            try (NnProbe p = new NnProbe(nn)) {
                int ctx = context(p, graphByName(p, "slow"));
                int size = rows * width * 4;
                assertThat(p.call("set_input", ctx, 0, p.tensor(new int[] {rows, width}, F32, ones.array()))).isEqualTo(OK);
                assertThat(p.call("compute", ctx)).isEqualTo(OK);
                int first = p.alloc(size);
                assertThat(p.call("get_output", ctx, 0, first, size, p.outSlot())).isEqualTo(OK);

                assertThat(p.call("set_input", ctx, 0, p.tensor(new int[] {rows, width}, I32, garbage)))
                        .as("wrong type").isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("set_input", ctx, 0, p.tensor(new int[] {rows * 2, width / 2}, F32, garbage)))
                        .as("wrong shape").isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("compute", ctx)).isEqualTo(OK);
                int second = p.alloc(size);
                assertThat(p.call("get_output", ctx, 0, second, size, p.outSlot())).isEqualTo(OK);
                assertThat(p.read(second, size)).as("same input, same output").containsExactly(p.read(first, size));
            }
        }

        @Test
        void dynamicDimensionsAcceptAnySize() {
            try (NnProbe p = new NnProbe(nn)) {
                int ctx = context(p, graphByName(p, "multi_io"));
                var a = multiIo.inputs().get(0).tensor();
                byte[] three = Arrays.copyOf(a.toByteArray(), 3 * 4 * 4);
                assertThat(p.call("set_input", ctx, 0, p.tensor(new int[] {3, 4}, F32, three))).isEqualTo(OK);
                assertThat(p.call("set_input", ctx, 0, p.tensor(new int[] {3, 5}, F32, new byte[60])))
                        .as("fixed second dim").isEqualTo(INVALID_ARGUMENT);
            }
        }

        @Test
        void tensorPointersPastMemoryAreInvalidArgument() {
            try (NnProbe p = new NnProbe(nn)) {
                int ctx = context(p, graphByName(p, "tiny"));
                int end = p.memorySize();
                int dims = p.putU32(1, 4);
                int data = p.put(f32(1, 2, 3, 4));
                assertThat(p.call("set_input", ctx, 0, end - 8)).as("struct").isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("set_input", ctx, 0, p.putU32(end - 4, 2, F32, data, 16))).as("dims")
                        .isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("set_input", ctx, 0, p.putU32(dims, 2, F32, end - 8, 16))).as("data")
                        .isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("set_input", ctx, 0, p.putU32(dims, 2, F32, data, -16))).as("huge length")
                        .isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("set_input", ctx, 0, p.putU32(dims, 2, F32, data, 16))).isEqualTo(OK);
            }
        }

        @Test
        void unknownHandlesAreInvalidArgumentEverywhere() {
            try (NnProbe p = new NnProbe(nn)) {
                int out = p.outSlot();
                int t = p.tensor(new int[] {1, 4}, F32, f32(1, 2, 3, 4));
                for (int bad : new int[] {0, 7, -1}) {
                    assertThat(p.call("init_execution_context", bad, out)).isEqualTo(INVALID_ARGUMENT);
                    assertThat(p.call("set_input", bad, 0, t)).isEqualTo(INVALID_ARGUMENT);
                    assertThat(p.call("compute", bad)).isEqualTo(INVALID_ARGUMENT);
                    assertThat(p.call("get_output", bad, 0, p.alloc(16), 16, out)).isEqualTo(INVALID_ARGUMENT);
                    assertThat(p.call("unload", bad)).isEqualTo(INVALID_ARGUMENT);
                    assertThat(p.call("finalize_execution_context", bad)).isEqualTo(INVALID_ARGUMENT);
                }
                int graph = graphByName(p, "tiny");
                assertThat(p.call("init_execution_context", graph, p.memorySize())).as("bad ctx out-pointer")
                        .isEqualTo(INVALID_ARGUMENT);
                int ctx = context(p, graph);
                assertThat(p.call("set_input", graph + 100, 0, t)).isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("set_input", ctx, 0, t)).isEqualTo(OK);
            }
        }

        @Test
        void repeatedComputeReplacesOutputs() {
            try (NnProbe p = new NnProbe(nn)) {
                int ctx = context(p, graphByName(p, "tiny"));
                assertThat(runTiny(p, ctx, 1, -2, 3.5f, 0)).containsExactly(3, -3, 8, 1);
                assertThat(runTiny(p, ctx, 10, 20, 30, 40)).containsExactly(21, 41, 61, 81);
                assertThat(p.call("compute", ctx)).isEqualTo(OK);
                // A third compute with the same input: outputs stay one set of four, not a pile.
                int buf = p.alloc(64);
                int written = p.outSlot();
                assertThat(p.call("get_output", ctx, 0, buf, 64, written)).isEqualTo(OK);
                assertThat(p.readU32(written)).isEqualTo(16);
                assertThat(p.call("get_output", ctx, 1, buf, 64, written)).as("only one output").isEqualTo(INVALID_ARGUMENT);
            }
        }
    }

    @Nested
    class Outputs {
        @Test
        void shortBufferIsTooLargeWithTheNeededSizeAndNothingWritten() {
            try (NnProbe p = new NnProbe(nn)) {
                int ctx = context(p, graphByName(p, "tiny"));
                runTiny(p, ctx, tinyIn);
                int buf = p.put(new byte[] {9, 9, 9, 9, 9, 9, 9, 9});
                int written = p.outSlot();
                assertThat(p.call("get_output", ctx, 0, buf, 8, written)).isEqualTo(TOO_LARGE);
                assertThat(p.readU32(written)).as("bytes needed").isEqualTo(16);
                assertThat(p.read(buf, 8)).containsOnly(9);
                assertThat(p.call("get_output", ctx, 0, buf, 0, written)).isEqualTo(TOO_LARGE);
            }
        }

        @Test
        void outputsAreCheckedAgainstStateAndMemory() {
            try (NnProbe p = new NnProbe(nn)) {
                int ctx = context(p, graphByName(p, "tiny"));
                int buf = p.alloc(16);
                int written = p.outSlot();
                assertThat(p.call("get_output", ctx, 0, buf, 16, written)).as("before compute").isEqualTo(INVALID_ARGUMENT);
                assertThat(p.session().lastError()).contains("call compute first");
                runTiny(p, ctx, tinyIn);
                assertThat(p.call("get_output", ctx, 1, buf, 16, written)).isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("get_output", ctx, -1, buf, 16, written)).isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("get_output", ctx, 0, p.memorySize() - 8, 16, written)).isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("get_output", ctx, 0, buf, -1, written)).as("max_len past memory")
                        .isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("get_output", ctx, 0, buf, 16, p.memorySize() - 3)).isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("get_output", ctx, 0, buf, 16, written)).isEqualTo(OK);
            }
        }

        @Test
        void severalOutputsComeBackByIndexInDeclaredOrder() {
            try (NnProbe p = new NnProbe(nn)) {
                int ctx = context(p, graphByName(p, "multi_io"));
                for (int i = 0; i < multiIo.inputs().size(); i++) {
                    var t = multiIo.inputs().get(i).tensor();
                    p.call("set_input", ctx, i, p.tensor(dims(t.shape()), TensorTypeNumbering.CURRENT.encode(t.type()),
                            t.toByteArray()));
                }
                assertThat(p.call("compute", ctx)).isEqualTo(OK);
                int[] expectedSizes = multiIo.outputs().stream().mapToInt(o -> o.tensor().byteLength()).toArray();
                for (int o = 0; o < expectedSizes.length; o++) {
                    int written = p.outSlot();
                    assertThat(p.call("get_output", ctx, o, p.alloc(4), 0, written)).isEqualTo(TOO_LARGE);
                    assertThat(p.readU32(written)).as("size of output %d", o).isEqualTo(expectedSizes[o]);
                }
            }
        }
    }

    @Nested
    class Lifecycle {
        @Test
        void unloadAndFinalizeReleaseNativeResources() {
            Backend ort = onnx();
            int graphsBefore = ort.openGraphs();
            int contextsBefore = ort.openContexts();
            try (NnProbe p = new NnProbe(nn)) {
                int out = p.outSlot();
                assertThat(p.call("load", p.builders(tinyModel), 1, ENCODING_ONNX, CPU, out)).isEqualTo(OK);
                int graph = p.readU32(out);
                int ctx = context(p, graph);
                assertThat(ort.openGraphs()).isEqualTo(graphsBefore + 1);
                assertThat(ort.openContexts()).isEqualTo(contextsBefore + 1);
                runTiny(p, ctx, tinyIn);
                assertThat(p.call("unload", graph)).isEqualTo(OK);
                assertThat(ort.openGraphs()).as("a live context keeps its graph").isEqualTo(graphsBefore + 1);
                assertThat(runTiny(p, ctx, tinyIn)).containsExactly(tinyOut);
                assertThat(p.call("init_execution_context", graph, out)).as("handle gone").isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("finalize_execution_context", ctx)).isEqualTo(OK);
                assertThat(ort.openContexts()).isEqualTo(contextsBefore);
                assertThat(ort.openGraphs()).isEqualTo(graphsBefore);
                assertThat(p.call("finalize_execution_context", ctx)).isEqualTo(INVALID_ARGUMENT);
                assertThat(p.call("unload", graph)).isEqualTo(INVALID_ARGUMENT);
            }
        }

        @Test
        void endOfInstanceReleasesWhatTheGuestLeftOpen() {
            Backend ort = onnx();
            int graphsBefore = ort.openGraphs();
            int contextsBefore = ort.openContexts();
            SharedGraph tiny = registry.acquire(GraphRequest.byName("tiny"));
            int refsBefore = tiny.references();
            try (NnProbe p = new NnProbe(nn)) {
                int out = p.outSlot();
                for (int i = 0; i < 3; i++) {
                    assertThat(p.call("load", p.builders(tinyModel), 1, ENCODING_ONNX, CPU, out)).isEqualTo(OK);
                    runTiny(p, context(p, p.readU32(out)), tinyIn);
                    runTiny(p, context(p, graphByName(p, "tiny")), tinyIn);
                }
                assertThat(ort.openGraphs()).isEqualTo(graphsBefore + 3);
                assertThat(ort.openContexts()).isEqualTo(contextsBefore + 6);
                assertThat(tiny.references()).isEqualTo(refsBefore + 6);
            }
            assertThat(ort.openGraphs()).isEqualTo(graphsBefore);
            assertThat(ort.openContexts()).isEqualTo(contextsBefore);
            assertThat(tiny.references()).isEqualTo(refsBefore);
            tiny.release();
        }

        @Test
        void theStreamingExtensionIsUnsupported() {
            try (NnProbe p = new NnProbe(nn)) {
                int ctx = context(p, graphByName(p, "tiny"));
                assertThat(p.call("compute_single", ctx)).isEqualTo(UNSUPPORTED);
                assertThat(p.call("get_output_single", ctx, 0, p.alloc(16), 16, p.outSlot())).isEqualTo(UNSUPPORTED);
                assertThat(p.call("fini_single", ctx)).isEqualTo(UNSUPPORTED);
            }
        }

        @Test
        void aGuestWithoutMemoryGetsMissingMemoryInsteadOfATrap() {
            WasmModule module = Parser.parse(moduleWithoutMemory());
            try (var session = nn.open()) {
                Instance instance = Instance.builder(module)
                        .withMachineFactory(MachineFactoryCompiler.compile(module))
                        .withImportValues(ImportValues.builder()
                                .withFunctions(new ArrayList<ImportFunction>(session.hostFunctions())).build())
                        .build();
                assertThat(instance.export("call").apply(0, 4, 8)[0]).isEqualTo(MISSING_MEMORY);
                assertThat(session.lastError()).contains("exports no memory");
            }
        }

        @Test
        void concurrentInstancesShareOneNativeSession() throws Exception {
            int graphsBefore = onnx().openGraphs();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Boolean>> results = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    final float base = t;
                    results.add(pool.submit(() -> {
                        try (NnProbe p = new NnProbe(nn)) {
                            int ctx = context(p, graphByName(p, "tiny"));
                            for (int i = 0; i < 50; i++) {
                                float v = base * 100 + i;
                                float[] y = runTiny(p, ctx, v, -v, v / 2, 1);
                                if (y[0] != 2 * v + 1 || y[1] != -2 * v + 1 || y[2] != v + 1 || y[3] != 3) {
                                    return false;
                                }
                            }
                            return true;
                        }
                    }));
                }
                for (Future<Boolean> f : results) {
                    assertThat(f.get()).isTrue();
                }
            } finally {
                pool.shutdown();
            }
            assertThat(onnx().openGraphs()).as("no extra sessions were created").isEqualTo(graphsBefore);
        }
    }

    @Nested
    class LargeInputs {
        static final int ROWS = 16;
        static final int WIDTH = 1024;

        byte[] filled(float value) {
            ByteBuffer b = ByteBuffer.allocate(ROWS * WIDTH * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; b.hasRemaining(); i++) {
                b.putFloat(value * ((i % 7) - 3));
            }
            return b.array();
        }

        /** One guest instance: set a 64 KiB input (the staged path), compute, read the output. */
        byte[] infer(byte[] input) {
            try (NnProbe p = new NnProbe(nn)) {
                int ctx = context(p, graphByName(p, "slow"));
                assertThat(p.call("set_input", ctx, 0, p.tensor(new int[] {ROWS, WIDTH}, F32, input))).isEqualTo(OK);
                assertThat(p.call("compute", ctx)).isEqualTo(OK);
                int out = p.alloc(input.length);
                assertThat(p.call("get_output", ctx, 0, out, input.length, p.outSlot())).isEqualTo(OK);
                return p.read(out, input.length);
            }
        }

        @Test
        void concurrentInstancesSharingStagingBuffersNeverSeeEachOthersData() throws Exception {
            int guests = 8;
            byte[][] inputs = new byte[guests][];
            byte[][] expected = new byte[guests][];
            for (int g = 0; g < guests; g++) {
                inputs[g] = filled(0.01f * (g + 1));
                expected[g] = infer(inputs[g]);
            }
            assertThat(expected[0]).as("distinct inputs give distinct outputs").isNotEqualTo(expected[1]);
            ExecutorService pool = Executors.newFixedThreadPool(guests);
            try {
                List<Future<?>> runs = new ArrayList<>();
                for (int g = 0; g < guests; g++) {
                    int me = g;
                    runs.add(pool.submit(() -> {
                        for (int i = 0; i < 3; i++) {
                            TensorAssert.assertClose("guest " + me, TensorType.F32, infer(inputs[me]), expected[me], 1e-5);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : runs) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    static int[] dims(long[] shape) {
        return Arrays.stream(shape).mapToInt(d -> (int) d).toArray();
    }

    /**
     * A module with no memory at all: (import "wasi_ephemeral_nn" "load_by_name" (func (param i32 i32 i32)
     * (result i32))) and (func (export "call") that forwards its three arguments.
     */
    static byte[] moduleWithoutMemory() {
        ByteArrayOutputStream w = new ByteArrayOutputStream();
        w.writeBytes(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
        w.writeBytes(new byte[] {1, 8, 1, 0x60, 3, 0x7f, 0x7f, 0x7f, 1, 0x7f}); // type 0: (i32 i32 i32) -> i32
        byte[] mod = "wasi_ephemeral_nn".getBytes();
        byte[] fn = "load_by_name".getBytes();
        ByteArrayOutputStream imp = new ByteArrayOutputStream();
        imp.write(1);
        imp.write(mod.length);
        imp.writeBytes(mod);
        imp.write(fn.length);
        imp.writeBytes(fn);
        imp.write(0); // function import
        imp.write(0); // of type 0
        w.write(2);
        w.write(imp.size());
        w.writeBytes(imp.toByteArray());
        w.writeBytes(new byte[] {3, 2, 1, 0}); // one function of type 0
        w.writeBytes(new byte[] {7, 8, 1, 4, 'c', 'a', 'l', 'l', 0, 1}); // export "call" = function 1
        // local.get 0; local.get 1; local.get 2; call 0; end
        w.writeBytes(new byte[] {10, 12, 1, 10, 0, 0x20, 0, 0x20, 1, 0x20, 2, 0x10, 0, 0x0b});
        return w.toByteArray();
    }
}
