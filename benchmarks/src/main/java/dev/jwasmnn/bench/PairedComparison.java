package dev.jwasmnn.bench;

import dev.jwasmnn.guest.GuestInvocation;
import dev.jwasmnn.guest.GuestModule;
import dev.jwasmnn.guest.GuestResult;
import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.nn.TensorType;
import dev.jwasmnn.nn.registry.GraphRequest;
import dev.jwasmnn.nn.registry.SharedGraph;
import dev.jwasmnn.nn.spi.ExecutionContext;
import dev.jwasmnn.testing.TestAssets;
import java.util.Arrays;
import java.util.List;

/**
 * Same-run ratios that survive a noisy machine. JMH measures each benchmark in its own fork, one
 * after another, so drift between forks (other tenants, frequency changes) lands in the ratio.
 * Here the reference and the candidate alternate call by call in one JVM (order ABBA, so neither
 * always runs first), and the figure reported is the median of the per-pair ratios.
 *
 * <p>Run with {@code benchmarks/run.sh --paired}.
 */
public final class PairedComparison {

    interface Op {
        void run() throws Exception;
    }

    record Case(String name, Op reference, Op candidate, int opsPerCall) {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        if (args.length > 1 && args[1].equals("pytorch")) {
            pytorch(rounds);
            return;
        }
        try (Fixture f = new Fixture()) {
            DirectOnnxRuntime mobilenet = new DirectOnnxRuntime(
                    f.models.resolve("mobilenet_v2.onnx"), new long[] {1, 3, 224, 224});
            DirectOnnxRuntime tiny = new DirectOnnxRuntime(f.models.resolve("tiny.onnx"), new long[] {1, 4});
            GuestModule rawInfer = f.guest("raw-infer");
            GuestModule classify = f.guest("classify");
            byte[] mobilenetBytes = TestAssets.bytes(f.models.resolve("mobilenet_v2.input.f32"));
            float[] mobilenetInput = TestAssets.floats(mobilenetBytes);
            byte[] tinyBytes = TestAssets.bytes(f.models.resolve("tiny.in.f32"));
            float[] tinyInput = TestAssets.floats(tinyBytes);
            SharedGraph graph = f.registry.acquire(GraphRequest.byName("mobilenet"));
            ExecutionContext ctx = graph.graph().newContext();

            List<Case> cases = List.of(
                    new Case("MobileNetV2, backend SPI (no guest)", () -> mobilenet.infer(mobilenetInput), () -> {
                        ctx.setInput(0, Tensor.of(TensorType.F32, new long[] {1, 3, 224, 224}, mobilenetBytes));
                        ctx.compute();
                        ctx.output(0);
                    }, 1),
                    new Case("MobileNetV2, per inference in a running guest (20 per run)",
                            () -> repeat(20, () -> mobilenet.infer(mobilenetInput)),
                            () -> check(Fixture.rawInfer(f.runner, rawInfer, "mobilenet", "1,3,224,224", mobilenetBytes, 20)), 20),
                    new Case("MobileNetV2, per request: fresh raw-infer instance",
                            () -> mobilenet.infer(mobilenetInput),
                            () -> check(Fixture.rawInfer(f.runner, rawInfer, "mobilenet", "1,3,224,224", mobilenetBytes, 1)), 1),
                    new Case("MobileNetV2, per request: fresh raw-infer instance, caller thread",
                            () -> mobilenet.infer(mobilenetInput),
                            () -> check(Fixture.rawInfer(f.callerRunner, rawInfer, "mobilenet", "1,3,224,224", mobilenetBytes, 1)), 1),
                    new Case("MobileNetV2, per request: fresh classify instance (softmax, top-5 JSON)",
                            () -> mobilenet.infer(mobilenetInput),
                            () -> check(f.runner.run(classify, GuestInvocation.builder()
                                    .args("classify.wasm", "--preloaded", "mobilenet", "--tensor", "-")
                                    .stdin(mobilenetBytes).build())), 1),
                    new Case("tiny, per inference in a running guest (200 per run)",
                            () -> repeat(200, () -> tiny.infer(tinyInput)),
                            () -> check(Fixture.rawInfer(f.runner, rawInfer, "tiny", "1,4", tinyBytes, 200)), 200),
                    new Case("tiny, per request: fresh raw-infer instance",
                            () -> tiny.infer(tinyInput),
                            () -> check(Fixture.rawInfer(f.runner, rawInfer, "tiny", "1,4", tinyBytes, 1)), 1),
                    new Case("tiny, per request: fresh raw-infer instance, caller thread",
                            () -> tiny.infer(tinyInput),
                            () -> check(Fixture.rawInfer(f.callerRunner, rawInfer, "tiny", "1,4", tinyBytes, 1)), 1));

            System.out.printf("%-72s %11s %11s %9s %17s %10s%n",
                    "case (reference: direct ONNX Runtime, reused direct buffer)", "ref p50 µs", "cand p50 µs",
                    "ratio", "pair ratio IQR", "diff µs");
            for (Case c : cases) {
                measure(c, rounds);
            }
            ctx.close();
            graph.release();
            mobilenet.close();
            tiny.close();
        }
    }

    /**
     * PyTorch: jwasm-nn's PyTorch backend through a guest against a direct DJL call, and ONNX
     * Runtime against PyTorch on the same MobileNetV2 (both direct, and both through the guest).
     */
    static void pytorch(int rounds) throws Exception {
        try (Fixture f = new Fixture(true)) {
            long[] shape = {1, 3, 224, 224};
            DirectDjl djl = new DirectDjl(f.models.resolve("mobilenet_v2.pt"), shape);
            DirectOnnxRuntime ort = new DirectOnnxRuntime(f.models.resolve("mobilenet_v2.onnx"), shape);
            GuestModule rawInfer = f.guest("raw-infer");
            byte[] bytes = TestAssets.bytes(f.models.resolve("mobilenet_v2.input.f32"));
            float[] input = TestAssets.floats(bytes);
            SharedGraph graph = f.registry.acquire(GraphRequest.byName("mobilenet_pt"));
            ExecutionContext ctx = graph.graph().newContext();
            System.out.printf("%-72s %11s %11s %9s %17s %10s%n", "case (reference first)", "ref p50 µs",
                    "cand p50 µs", "ratio", "pair ratio IQR", "diff µs");
            for (Case c : List.of(
                    new Case("TorchScript MobileNetV2: direct DJL vs backend SPI (no guest)", () -> djl.infer(input), () -> {
                        ctx.setInput(0, Tensor.of(TensorType.F32, shape, bytes));
                        ctx.compute();
                        ctx.output(0);
                    }, 1),
                    new Case("TorchScript MobileNetV2: direct DJL vs running guest (20 per run)",
                            () -> repeat(20, () -> djl.infer(input)),
                            () -> check(Fixture.rawInfer(f.runner, rawInfer, "mobilenet_pt", "1,3,224,224", bytes, 20)), 20),
                    new Case("TorchScript MobileNetV2: direct DJL vs fresh raw-infer instance",
                            () -> djl.infer(input),
                            () -> check(Fixture.rawInfer(f.runner, rawInfer, "mobilenet_pt", "1,3,224,224", bytes, 1)), 1),
                    new Case("TorchScript MobileNetV2: direct DJL vs fresh raw-infer instance, caller thread",
                            () -> djl.infer(input),
                            () -> check(Fixture.rawInfer(f.callerRunner, rawInfer, "mobilenet_pt", "1,3,224,224", bytes, 1)), 1),
                    new Case("MobileNetV2 direct: ONNX Runtime (ref) vs DJL PyTorch", () -> ort.infer(input),
                            () -> djl.infer(input), 1),
                    new Case("MobileNetV2 through the guest (20 per run): ONNX (ref) vs PyTorch",
                            () -> check(Fixture.rawInfer(f.runner, rawInfer, "mobilenet", "1,3,224,224", bytes, 20)),
                            () -> check(Fixture.rawInfer(f.runner, rawInfer, "mobilenet_pt", "1,3,224,224", bytes, 20)), 20))) {
                measure(c, rounds);
            }
            ctx.close();
            graph.release();
            djl.close();
            ort.close();
        }
    }

    static void repeat(int n, Op op) throws Exception {
        for (int i = 0; i < n; i++) {
            op.run();
        }
    }

    static void check(GuestResult r) {
        if (!r.succeeded()) {
            throw new IllegalStateException("guest failed: " + r + " " + r.stderrText());
        }
    }

    static void measure(Case c, int rounds) throws Exception {
        int warmup = Math.max(20, rounds / 5);
        int n = c.opsPerCall() > 1 ? Math.max(20, rounds / 10) : rounds;
        double[] ref = new double[n];
        double[] cand = new double[n];
        for (int i = 0; i < warmup; i++) {
            c.reference().run();
            c.candidate().run();
        }
        for (int i = 0; i < n; i++) {
            boolean referenceFirst = (i % 4 == 0) || (i % 4 == 3);
            if (referenceFirst) {
                ref[i] = time(c.reference(), c.opsPerCall());
                cand[i] = time(c.candidate(), c.opsPerCall());
            } else {
                cand[i] = time(c.candidate(), c.opsPerCall());
                ref[i] = time(c.reference(), c.opsPerCall());
            }
        }
        double[] ratios = new double[n];
        for (int i = 0; i < n; i++) {
            ratios[i] = cand[i] / ref[i];
        }
        double refP50 = quantile(ref, 0.5);
        double candP50 = quantile(cand, 0.5);
        System.out.printf("%-72s %11.1f %11.1f %9.3f %8.3f-%-8.3f %10.1f%n", c.name(), refP50, candP50,
                quantile(ratios, 0.5), quantile(ratios, 0.25), quantile(ratios, 0.75), candP50 - refP50);
    }

    static double time(Op op, int ops) throws Exception {
        long start = System.nanoTime();
        op.run();
        return (System.nanoTime() - start) / 1000.0 / ops;
    }

    static double quantile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.round(q * (sorted.length - 1))];
    }

    private PairedComparison() {}
}
