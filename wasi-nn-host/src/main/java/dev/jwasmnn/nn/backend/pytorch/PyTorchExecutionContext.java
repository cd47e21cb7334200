package dev.jwasmnn.nn.backend.pytorch;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;
import dev.jwasmnn.nn.NnErrno;
import dev.jwasmnn.nn.Tensor;
import dev.jwasmnn.nn.TensorType;
import dev.jwasmnn.nn.WasiNnException;
import dev.jwasmnn.nn.spi.ExecutionContext;
import dev.jwasmnn.nn.spi.ResourceCounter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Inputs for one caller of a {@link PyTorchGraph}. Every compute makes its native tensors in a
 * manager of its own and closes it before returning, after copying the outputs out, so nothing
 * native outlives the call.
 */
final class PyTorchExecutionContext implements ExecutionContext {
    private final PyTorchGraph graph;
    private final ResourceCounter counter;
    private final Tensor[] inputs;
    private Tensor[] outputs = new Tensor[0];
    private volatile boolean cancelled;
    private boolean closed;

    PyTorchExecutionContext(PyTorchGraph graph, ResourceCounter counter) {
        this.graph = graph;
        this.counter = counter;
        this.inputs = new Tensor[graph.inputs().size()];
        counter.opened();
    }

    @Override
    public void setInput(int index, Tensor tensor) {
        checkOpen();
        if (index < 0 || index >= inputs.length) {
            throw WasiNnException.invalidArgument("input index %d is out of range: the model has %d input(s)",
                    index, inputs.length);
        }
        inputs[index] = tensor;
    }

    @Override
    public void compute() {
        checkOpen();
        if (cancelled) {
            throw new WasiNnException(NnErrno.RUNTIME_ERROR, "compute was cancelled");
        }
        int count = inputCount();
        outputs = new Tensor[0];
        try (PtNDManager scope = (PtNDManager) graph.manager().newSubManager()) {
            IValue[] args = new IValue[count];
            try {
                for (int i = 0; i < count; i++) {
                    args[i] = IValue.from(toNative(scope, inputs[i]));
                }
                // Inference only: no autograd graph is recorded (the mode is per thread).
                JniUtils.setGradMode(false);
                try (IValue result = graph.module().forward(args)) {
                    List<Tensor> out = new ArrayList<>();
                    flatten(result, scope, out);
                    outputs = out.toArray(Tensor[]::new);
                }
            } finally {
                for (IValue a : args) {
                    if (a != null) {
                        a.close();
                    }
                }
            }
        } catch (EngineException e) {
            // A shape or type the module rejects, or an error raised inside forward().
            throw WasiNnException.invalidArgument("PyTorch rejected the inputs: %s", PyTorchTypes.firstLine(e.getMessage()));
        }
    }

    /** Inputs 0..n-1 must all be set, n covering every required input and the last one set. */
    private int inputCount() {
        int count = graph.requiredInputs();
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] != null) {
                count = Math.max(count, i + 1);
            }
        }
        for (int i = 0; i < count; i++) {
            if (inputs[i] == null) {
                throw WasiNnException.invalidArgument("input %d (%s) has not been set", i, graph.inputs().get(i).name());
            }
        }
        if (count == 0 && inputs.length > 0) {
            throw WasiNnException.invalidArgument("no input has been set");
        }
        return count;
    }

    private static PtNDArray toNative(PtNDManager scope, Tensor tensor) {
        ByteBuffer data = tensor.data();
        if (!data.isDirect()) {
            // DJL would copy a heap buffer into a direct one anyway; do it once, in native order.
            ByteBuffer direct = scope.allocateDirect(data.remaining());
            direct.put(data).flip();
            data = direct;
        }
        return scope.create(data.order(ByteOrder.nativeOrder()), new Shape(tensor.shape()),
                PyTorchTypes.toDjl(tensor.type()));
    }

    /** Tensors, tuples, lists and dicts (by key order) become outputs in order; scalars become 0-d tensors. */
    private void flatten(IValue value, PtNDManager scope, List<Tensor> out) {
        if (value.isTensor()) {
            out.add(copyOut(value.toTensor(scope), out.size()));
        } else if (value.isTuple()) {
            flattenAll(value.toIValueTuple(), scope, out);
        } else if (value.isTensorList()) {
            for (PtNDArray a : value.toTensorArray(scope)) {
                out.add(copyOut(a, out.size()));
            }
        } else if (value.isList()) {
            flattenAll(value.toIValueArray(), scope, out);
        } else if (value.isMap()) {
            Map<String, IValue> byKey = new TreeMap<>(value.toIValueMap());
            flattenAll(byKey.values().toArray(IValue[]::new), scope, out);
        } else if (value.isLong()) {
            out.add(scalar(TensorType.I64, 8).putLong(value.toLong()).flip());
        } else if (value.isDouble()) {
            out.add(scalar(TensorType.F64, 8).putDouble(value.toDouble()).flip());
        } else if (value.isBoolean()) {
            out.add(scalar(TensorType.U8, 1).put((byte) (value.toBoolean() ? 1 : 0)).flip());
        } else {
            throw WasiNnException.unsupported(
                    "output %d is a TorchScript %s, which wasi-nn cannot carry", out.size(), value.getType());
        }
    }

    private void flattenAll(IValue[] values, PtNDManager scope, List<Tensor> out) {
        try {
            for (IValue v : values) {
                flatten(v, scope, out);
            }
        } finally {
            for (IValue v : values) {
                v.close();
            }
        }
    }

    private static Tensor copyOut(PtNDArray array, int index) {
        PtNDArray cpu = array.getDevice().equals(Device.cpu()) ? array : array.toDevice(Device.cpu(), false);
        if (cpu.getDataType() == DataType.BOOLEAN) {
            cpu = cpu.toType(DataType.UINT8, false);
        }
        TensorType type = PyTorchTypes.fromDjl(cpu.getDataType(), index);
        ByteBuffer native_ = cpu.toByteBuffer();
        byte[] bytes = new byte[native_.remaining()];
        native_.get(bytes);
        return Tensor.of(type, cpu.getShape().getShape(), bytes);
    }

    private static ScalarBuilder scalar(TensorType type, int size) {
        return new ScalarBuilder(type, ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN));
    }

    /** Builds a 0-d tensor from one Java value. */
    private record ScalarBuilder(TensorType type, ByteBuffer bytes) {
        ScalarBuilder putLong(long v) {
            bytes.putLong(v);
            return this;
        }

        ScalarBuilder putDouble(double v) {
            bytes.putDouble(v);
            return this;
        }

        ScalarBuilder put(byte v) {
            bytes.put(v);
            return this;
        }

        Tensor flip() {
            bytes.flip();
            return Tensor.of(type, new long[0], bytes);
        }
    }

    @Override
    public int outputCount() {
        return outputs.length;
    }

    @Override
    public Tensor output(int index) {
        checkOpen();
        if (index < 0 || index >= outputs.length) {
            throw WasiNnException.invalidArgument("output index %d is out of range: the last compute produced %d",
                    index, outputs.length);
        }
        return outputs[index];
    }

    @Override
    public void cancel() {
        // A running forward pass cannot be stopped inside libtorch; later computes fail.
        cancelled = true;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("execution context is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            counter.closed();
            outputs = new Tensor[0];
        }
    }
}
