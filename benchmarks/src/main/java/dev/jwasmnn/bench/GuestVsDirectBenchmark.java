package dev.jwasmnn.bench;

import dev.jwasmnn.guest.GuestInvocation;
import dev.jwasmnn.guest.GuestModule;
import dev.jwasmnn.guest.GuestResult;
import dev.jwasmnn.guest.GuestRunner;
import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.nn.TensorType;
import dev.jwasmnn.nn.registry.GraphRequest;
import dev.jwasmnn.nn.registry.SharedGraph;
import dev.jwasmnn.nn.spi.ExecutionContext;
import dev.jwasmnn.testing.TestAssets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One inference through a Wasm guest (fresh instance, stdin, wasi-nn calls, stdout) against the
 * same inference called directly on ONNX Runtime, in the same JVM and run. Guests:
 * {@code classify} (the example: softmax + top-5 JSON) and {@code raw-infer} (bytes in, bytes out).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 6, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xss4m", "-XX:-DontCompileHugeMethods"})
public class GuestVsDirectBenchmark {
    Fixture fixture;
    DirectOnnxRuntime mobilenetDirect;
    DirectOnnxRuntime tinyDirect;
    GuestModule classify;
    GuestModule rawInfer;
    float[] mobilenetInput;
    byte[] mobilenetInputBytes;
    float[] tinyInput;
    byte[] tinyInputBytes;
    SharedGraph mobilenetGraph;
    ExecutionContext mobilenetContext;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        fixture = new Fixture();
        mobilenetDirect = new DirectOnnxRuntime(fixture.models.resolve("mobilenet_v2.onnx"), new long[] {1, 3, 224, 224});
        tinyDirect = new DirectOnnxRuntime(fixture.models.resolve("tiny.onnx"), new long[] {1, 4});
        classify = fixture.guest("classify");
        rawInfer = fixture.guest("raw-infer");
        mobilenetInputBytes = TestAssets.bytes(fixture.models.resolve("mobilenet_v2.input.f32"));
        mobilenetInput = TestAssets.floats(mobilenetInputBytes);
        tinyInputBytes = TestAssets.bytes(fixture.models.resolve("tiny.in.f32"));
        tinyInput = TestAssets.floats(tinyInputBytes);
        mobilenetGraph = fixture.registry.acquire(GraphRequest.byName("mobilenet"));
        mobilenetContext = mobilenetGraph.graph().newContext();
        // Fail the trial, not silently measure errors, if anything is wrong.
        check(mobilenetGuestClassify());
        check(mobilenetGuestRawInfer());
        check(tinyGuestRawInfer());
        check(mobilenetGuestRawInferOnCaller());
        check(tinyGuestRawInferOnCaller());
        check(mobilenetGuestPerInference());
        check(tinyGuestPerInference());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        mobilenetContext.close();
        mobilenetGraph.release();
        mobilenetDirect.close();
        tinyDirect.close();
        fixture.close();
    }

    private static GuestResult check(GuestResult r) {
        if (!r.succeeded() || r.stdout().length == 0) {
            throw new IllegalStateException("guest failed: " + r + " " + r.stderrText());
        }
        return r;
    }

    @Benchmark
    public float[] mobilenetDirect() throws Exception {
        return mobilenetDirect.infer(mobilenetInput);
    }

    /** jwasm-nn's backend SPI without a guest: what the V2 protocol path will pay. */
    @Benchmark
    public Tensor mobilenetHostBackend() {
        mobilenetContext.setInput(0, Tensor.of(TensorType.F32, new long[] {1, 3, 224, 224}, mobilenetInputBytes));
        mobilenetContext.compute();
        return mobilenetContext.output(0);
    }

    @Benchmark
    public GuestResult mobilenetGuestClassify() {
        return fixture.runner.run(classify, GuestInvocation.builder()
                .args("classify.wasm", "--preloaded", "mobilenet", "--tensor", "-")
                .stdin(mobilenetInputBytes)
                .build());
    }

    private GuestResult rawInfer(GuestRunner runner, String graph, String shape, byte[] tensor) {
        return Fixture.rawInfer(runner, rawInfer, graph, shape, tensor, 1);
    }

    private GuestResult rawInfer(GuestRunner runner, String graph, String shape, byte[] tensor, int repeat) {
        return Fixture.rawInfer(runner, rawInfer, graph, shape, tensor, repeat);
    }

    static final int MOBILENET_REPEAT = 20;
    static final int TINY_REPEAT = 200;

    /**
     * Inference through the guest's wasi-nn calls (set_input, compute, get_output on a running
     * guest), per inference: one run does {@value #MOBILENET_REPEAT}, so instance start-up and the
     * stdin transfer are amortised over them, as in a guest that serves a stream.
     */
    @Benchmark
    @OperationsPerInvocation(MOBILENET_REPEAT)
    public GuestResult mobilenetGuestPerInference() {
        return rawInfer(fixture.runner, "mobilenet", "1,3,224,224", mobilenetInputBytes, MOBILENET_REPEAT);
    }

    /** The same for the tiny model: what one wasi-nn round trip costs beyond ONNX Runtime itself. */
    @Benchmark
    @OperationsPerInvocation(TINY_REPEAT)
    public GuestResult tinyGuestPerInference() {
        return rawInfer(fixture.runner, "tiny", "1,4", tinyInputBytes, TINY_REPEAT);
    }

    @Benchmark
    public GuestResult mobilenetGuestRawInfer() {
        return rawInfer(fixture.runner, "mobilenet", "1,3,224,224", mobilenetInputBytes);
    }

    /** As above, with the guest on the benchmark thread instead of a runner worker. */
    @Benchmark
    public GuestResult mobilenetGuestRawInferOnCaller() {
        return rawInfer(fixture.callerRunner, "mobilenet", "1,3,224,224", mobilenetInputBytes);
    }

    @Benchmark
    public float[] tinyDirect() throws Exception {
        return tinyDirect.infer(tinyInput);
    }

    @Benchmark
    public GuestResult tinyGuestRawInfer() {
        return rawInfer(fixture.runner, "tiny", "1,4", tinyInputBytes);
    }

    @Benchmark
    public GuestResult tinyGuestRawInferOnCaller() {
        return rawInfer(fixture.callerRunner, "tiny", "1,4", tinyInputBytes);
    }
}
