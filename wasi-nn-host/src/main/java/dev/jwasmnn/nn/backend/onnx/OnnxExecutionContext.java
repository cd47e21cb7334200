package dev.jwasmnn.nn.backend.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.jwasmnn.nn.NnErrno;
import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.nn.TensorSpec;
import dev.jwasmnn.nn.TensorType;
import dev.jwasmnn.nn.WasiNnException;
import dev.jwasmnn.nn.spi.ExecutionContext;
import dev.jwasmnn.nn.spi.ResourceCounter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Inputs and outputs of one caller. Input bytes are copied into direct buffers from the graph's
 * pool, so a steady request stream allocates no native memory per call.
 */
final class OnnxExecutionContext implements ExecutionContext {
    private final OnnxGraph graph;
    private final List<TensorSpec> inputSpecs;
    private final OnnxTensor[] inputs;
    private final ByteBuffer[] inputBuffers;
    private Tensor[] outputs = new Tensor[0];
    private String[] outputProblems = new String[0];

    private final Object runLock = new Object();
    private OrtSession.RunOptions running;
    private volatile boolean cancelled;
    private final ResourceCounter counter;
    private boolean closed;

    OnnxExecutionContext(OnnxGraph graph, ResourceCounter counter) {
        this.graph = graph;
        this.counter = counter;
        this.inputSpecs = graph.inputs();
        this.inputs = new OnnxTensor[inputSpecs.size()];
        this.inputBuffers = new ByteBuffer[inputSpecs.size()];
        counter.opened();
    }

    @Override
    public void setInput(int index, Tensor tensor) {
        checkOpen();
        if (index < 0 || index >= inputs.length) {
            throw WasiNnException.invalidArgument(
                    "input index %d is out of range: the model has %d input(s)", index, inputs.length);
        }
        inputSpecs.get(index).checkInput(index, tensor);
        if (inputs[index] != null) {
            inputs[index].close();
            inputs[index] = null;
        }
        ByteBuffer data = tensor.data();
        if (data.isDirect()) {
            // The caller keeps this memory unchanged while we hold it (see ExecutionContext): wrap it.
            inputs[index] = wrap(index, data.order(ByteOrder.nativeOrder()), tensor);
            return;
        }
        ByteBuffer buffer = inputBuffers[index];
        int length = tensor.byteLength();
        if (buffer == null || buffer.capacity() < length) {
            if (buffer != null) {
                graph.buffers().release(buffer);
            }
            buffer = graph.buffers().acquire(length);
            inputBuffers[index] = buffer;
        }
        buffer.clear();
        buffer.put(data);
        buffer.flip();
        inputs[index] = wrap(index, buffer, tensor);
    }

    private OnnxTensor wrap(int index, ByteBuffer direct, Tensor tensor) {
        try {
            return OnnxTensor.createTensor(graph.env(), direct, tensor.shape(), OnnxTypes.toOnnxType(tensor.type()));
        } catch (OrtException e) {
            throw WasiNnException.invalidArgument("input %d rejected by ONNX Runtime: %s", index, e.getMessage());
        }
    }

    @Override
    public void compute() {
        checkOpen();
        Map<String, OnnxTensor> feed = new LinkedHashMap<>();
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == null) {
                throw WasiNnException.invalidArgument(
                        "input %d (%s) has not been set", i, inputSpecs.get(i).name());
            }
            feed.put(graph.inputName(i), inputs[i]);
        }
        // Outputs of an earlier compute never survive a new one, even a failed one.
        outputs = new Tensor[0];
        outputProblems = new String[0];
        OrtSession.RunOptions options = startRun();
        try (OrtSession.Result result = graph.session().run(feed, options)) {
            collect(result);
        } catch (OrtException e) {
            if (cancelled) {
                throw new WasiNnException(NnErrno.RUNTIME_ERROR, "compute was cancelled (deadline or shutdown)", e);
            }
            throw WasiNnException.runtimeError("ONNX Runtime compute failed: " + e.getMessage(), e);
        } finally {
            endRun(options);
        }
    }

    private OrtSession.RunOptions startRun() {
        OrtSession.RunOptions options;
        try {
            options = new OrtSession.RunOptions();
        } catch (OrtException e) {
            throw WasiNnException.runtimeError("ONNX Runtime run options: " + e.getMessage(), e);
        }
        synchronized (runLock) {
            if (cancelled) {
                options.close();
                throw new WasiNnException(NnErrno.RUNTIME_ERROR, "compute was cancelled (deadline or shutdown)");
            }
            running = options;
        }
        return options;
    }

    private void endRun(OrtSession.RunOptions options) {
        // Unpublish under the lock so cancel() never touches closed native run options.
        synchronized (runLock) {
            running = null;
        }
        options.close();
    }

    private void collect(OrtSession.Result result) {
        int n = result.size();
        Tensor[] out = new Tensor[n];
        String[] problems = new String[n];
        for (int i = 0; i < n; i++) {
            OnnxValue value = result.get(i);
            if (value instanceof OnnxTensor t && t.getInfo() instanceof TensorInfo info) {
                TensorType type = OnnxTypes.toTensorType(info.type);
                if (type != null) {
                    out[i] = Tensor.of(type, info.getShape(), t.getByteBuffer());
                    continue;
                }
                problems[i] = "output " + i + " has element type " + info.type + ", which wasi-nn cannot carry";
            } else {
                problems[i] = "output " + i + " is a " + value.getType() + ", not a tensor";
            }
        }
        outputs = out;
        outputProblems = problems;
    }

    @Override
    public int outputCount() {
        return outputs.length;
    }

    @Override
    public Tensor output(int index) {
        checkOpen();
        if (outputs.length == 0) {
            throw WasiNnException.invalidArgument("no outputs yet: call compute first");
        }
        if (index < 0 || index >= outputs.length) {
            throw WasiNnException.invalidArgument(
                    "output index %d is out of range: the model has %d output(s)", index, outputs.length);
        }
        if (outputs[index] == null) {
            throw WasiNnException.unsupported("%s", outputProblems[index]);
        }
        return outputs[index];
    }

    @Override
    public void cancel() {
        cancelled = true;
        synchronized (runLock) {
            if (running != null) {
                try {
                    running.setTerminate(true);
                } catch (OrtException e) {
                    // The run ends on its own; nothing else to release.
                }
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw WasiNnException.invalidArgument("execution context is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        counter.closed();
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] != null) {
                inputs[i].close();
                inputs[i] = null;
            }
            if (inputBuffers[i] != null) {
                graph.buffers().release(inputBuffers[i]);
                inputBuffers[i] = null;
            }
        }
        outputs = new Tensor[0];
    }
}
