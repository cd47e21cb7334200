package dev.jwasmnn.bench;

import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.nn.TensorType;
import dev.jwasmnn.nn.spi.ExecutionContext;
import dev.jwasmnn.nn.spi.Graph;
import dev.jwasmnn.store.ModelLease;
import dev.jwasmnn.store.ModelStore;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The in-process side of the comparison, measured in the same JVM and run as the HTTP load.
 * The reference for the overhead is the server's own loaded graph ({@code store.acquire}): the
 * same ONNX Runtime session and thread pool the requests use, so end-to-end minus this is what
 * the server adds. Direct ONNX Runtime ({@link DirectOnnxRuntime}) is measured beside it to show
 * the graph layer itself adds nothing. Both copy the input in from a Java array and the output
 * back out once per call, as the server must.
 */
final class ServerLoadReference implements AutoCloseable {
    private static final Duration WARMUP = Duration.ofMillis(500);

    /** One round's figures for one model. */
    record Round(double graphP50Micros, double directP50Micros, double throughput1, double throughputN) {
        double maxThroughput() {
            return Math.max(throughput1, throughputN);
        }

        /** The figures of two measurements that bracket a round's HTTP runs, averaged. */
        static Round mean(Round a, Round b) {
            return new Round((a.graphP50Micros + b.graphP50Micros) / 2, (a.directP50Micros + b.directP50Micros) / 2,
                    (a.throughput1 + b.throughput1) / 2, (a.throughputN + b.throughputN) / 2);
        }
    }

    private final ModelStore store;
    private final int cores = Runtime.getRuntime().availableProcessors();
    private final Map<String, DirectOnnxRuntime> direct = new LinkedHashMap<>();
    private final Map<String, byte[]> inputs = new LinkedHashMap<>();

    /** Call after the server has loaded its models, so direct sessions join its ORT thread pool. */
    ServerLoadReference(ModelStore store, Iterable<ServerLoadModel> models) throws Exception {
        this.store = store;
        for (ServerLoadModel m : models) {
            direct.put(m.name(), new DirectOnnxRuntime(m.onnx(), m.shape()));
            inputs.put(m.name(), m.inputBytes());
        }
    }

    Round measure(ServerLoadModel m, Duration duration) throws Exception {
        try (ModelLease lease = store.acquire(m.name(), -1)) {
            Graph graph = lease.version().graph().graph();
            byte[] input = inputs.get(m.name());
            double graphP50;
            try (GraphCall call = new GraphCall(graph, m, input)) {
                graphP50 = ServerLoadTiming.p50Micros(call::run, WARMUP, duration);
            }
            DirectOnnxRuntime ort = direct.get(m.name());
            float[] x = ServerLoadTiming.floats(input);
            double directP50 = ServerLoadTiming.p50Micros(() -> ort.infer(x), WARMUP, duration);
            double t1 = ServerLoadTiming.throughput(() -> new GraphCall(graph, m, input), 1, WARMUP, duration);
            double tn = cores == 1 ? t1
                    : ServerLoadTiming.throughput(() -> new GraphCall(graph, m, input), cores, WARMUP, duration);
            return new Round(graphP50, directP50, t1, tn);
        }
    }

    /** The output the server should answer with: one in-process inference on its graph. */
    byte[] expectedOutput(ServerLoadModel m) {
        try (ModelLease lease = store.acquire(m.name(), -1);
                GraphCall call = new GraphCall(lease.version().graph().graph(), m, inputs.get(m.name()))) {
            return call.run();
        }
    }

    int cores() {
        return cores;
    }

    @Override
    public void close() throws Exception {
        for (DirectOnnxRuntime d : direct.values()) {
            d.close();
        }
    }

    /** One thread's calls on the graph: a context reused across calls (the server makes one per request). */
    private static final class GraphCall implements ServerLoadTiming.Worker {
        private final ExecutionContext ctx;
        private final Tensor input;

        GraphCall(Graph graph, ServerLoadModel m, byte[] input) {
            this.ctx = graph.newContext();
            this.input = Tensor.of(TensorType.F32, m.shape(), input);
        }

        @Override
        public byte[] run() {
            ctx.setInput(0, input);
            ctx.compute();
            ByteBuffer out = ctx.output(0).data();
            byte[] y = new byte[out.remaining()];
            out.get(y);
            return y;
        }

        @Override
        public void close() {
            ctx.close();
        }
    }

    static String describe(Round r, int cores) {
        return String.format("graph p50 %s µs, direct ORT p50 %s µs, throughput %s/s (1 thread) %s/s (%d threads)",
                ServerLoadStats.micros(r.graphP50Micros()), ServerLoadStats.micros(r.directP50Micros()),
                ServerLoadStats.rate(r.throughput1()), ServerLoadStats.rate(r.throughputN()), cores);
    }
}
