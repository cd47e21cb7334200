package dev.jwasmnn.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.jwasmnn.nn.backend.onnx.OrtEnvironments;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

/**
 * The reference: ONNX Runtime called from Java as well as it can be, with the same session
 * settings jwasm-nn uses (full graph optimisation, and the same shared thread pool when jwasm-nn
 * created one: all cores for intra-op, ORT's default spinning). The input goes into one direct
 * buffer reused for every call, so ORT wraps it without copying; wrapping a heap array instead
 * makes ORT allocate a fresh native buffer per call, which measured about 1 ms slower for
 * MobileNetV2 and would flatter jwasm-nn.
 */
final class DirectOnnxRuntime implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final String input;
    private final long[] shape;
    private final FloatBuffer inputBuffer;

    DirectOnnxRuntime(Path model, long[] shape) throws OrtException {
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (OrtEnvironments.usesSharedThreadPool()) {
                // Same pool as jwasm-nn's sessions, so neither side's idle threads slow the other.
                opts.disablePerSessionThreads();
            } else {
                opts.setIntraOpNumThreads(Runtime.getRuntime().availableProcessors());
                opts.setInterOpNumThreads(1);
            }
            this.session = env.createSession(model.toString(), opts);
        }
        this.input = session.getInputNames().iterator().next();
        this.shape = shape;
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        this.inputBuffer = ByteBuffer.allocateDirect((int) n * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** One inference: tensor in from a Java array, output 0 copied back out. */
    float[] infer(float[] x) throws OrtException {
        inputBuffer.clear();
        inputBuffer.put(x);
        inputBuffer.flip();
        try (OnnxTensor t = OnnxTensor.createTensor(env, inputBuffer, shape);
                OrtSession.Result r = session.run(Map.of(input, t))) {
            FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] y = new float[out.remaining()];
            out.get(y);
            return y;
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
