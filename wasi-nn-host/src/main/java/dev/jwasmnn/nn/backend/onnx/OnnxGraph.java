package dev.jwasmnn.nn.backend.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.jwasmnn.nn.DirectBufferPool;
import dev.jwasmnn.nn.ExecutionTarget;
import dev.jwasmnn.nn.GraphEncoding;
import dev.jwasmnn.nn.TensorSpec;
import dev.jwasmnn.nn.spi.ExecutionContext;
import dev.jwasmnn.nn.spi.Graph;
import dev.jwasmnn.nn.spi.ResourceCounter;
import java.util.ArrayList;
import java.util.List;

/** One ONNX Runtime session; {@link OrtSession#run} is thread-safe, so contexts share it. */
final class OnnxGraph implements Graph {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final ExecutionTarget target;
    private final String device;
    private final List<TensorSpec> inputs;
    private final List<TensorSpec> outputs;
    private final String[] inputNames;
    // Enough idle input buffers for a few concurrent requests of a large model.
    private final DirectBufferPool buffers = new DirectBufferPool(64L << 20);
    private final ResourceCounter graphCounter;
    private final ResourceCounter contextCounter;
    private volatile boolean closed;

    OnnxGraph(OrtEnvironment env, OrtSession session, ExecutionTarget target, String device,
            ResourceCounter graphCounter, ResourceCounter contextCounter) throws OrtException {
        this.env = env;
        this.session = session;
        this.target = target;
        this.device = device;
        // ORT returns these maps in the model's declared order, which is the wasi-nn index order.
        this.inputs = specs(session.getInputInfo().values());
        this.outputs = specs(session.getOutputInfo().values());
        this.inputNames = inputs.stream().map(TensorSpec::name).toArray(String[]::new);
        this.graphCounter = graphCounter;
        this.contextCounter = contextCounter;
        graphCounter.opened();
    }

    private static List<TensorSpec> specs(Iterable<NodeInfo> nodes) {
        List<TensorSpec> out = new ArrayList<>();
        nodes.forEach(n -> out.add(OnnxTypes.toSpec(n)));
        return List.copyOf(out);
    }

    @Override
    public GraphEncoding encoding() {
        return GraphEncoding.ONNX;
    }

    @Override
    public ExecutionTarget target() {
        return target;
    }

    @Override
    public String device() {
        return device;
    }

    @Override
    public List<TensorSpec> inputs() {
        return inputs;
    }

    @Override
    public List<TensorSpec> outputs() {
        return outputs;
    }

    @Override
    public ExecutionContext newContext() {
        if (closed) {
            throw new IllegalStateException("graph is closed");
        }
        return new OnnxExecutionContext(this, contextCounter);
    }

    OrtEnvironment env() {
        return env;
    }

    OrtSession session() {
        return session;
    }

    DirectBufferPool buffers() {
        return buffers;
    }

    String inputName(int index) {
        return inputNames[index];
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            graphCounter.closed();
            buffers.close();
            try {
                session.close();
            } catch (OrtException e) {
                throw new IllegalStateException("closing ONNX Runtime session failed", e);
            }
        }
    }
}
