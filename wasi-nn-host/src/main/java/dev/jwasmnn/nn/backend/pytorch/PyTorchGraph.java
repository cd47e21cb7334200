package dev.jwasmnn.nn.backend.pytorch;

import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import dev.jwasmnn.nn.ExecutionTarget;
import dev.jwasmnn.nn.GraphEncoding;
import dev.jwasmnn.nn.TensorSpec;
import dev.jwasmnn.nn.spi.ExecutionContext;
import dev.jwasmnn.nn.spi.Graph;
import dev.jwasmnn.nn.spi.ResourceCounter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One TorchScript module. TorchScript declares its forward arguments but not their types or
 * shapes, so inputs are {@link TensorSpec#any} named after the arguments (libtorch checks types
 * and shapes when it runs), and the outputs are known only after a compute: tuples and lists are
 * flattened, in order, into wasi-nn outputs 0, 1, 2 ...
 */
final class PyTorchGraph implements Graph {
    /** Inputs accepted when the module's forward signature cannot be read. */
    static final int MAX_UNDECLARED_INPUTS = 64;

    private final PtNDManager manager;
    private final PtSymbolBlock module;
    private final ExecutionTarget target;
    private final String device;
    private final List<TensorSpec> inputs;
    private final int requiredInputs;
    private final ResourceCounter graphCounter;
    private final ResourceCounter contextCounter;
    private volatile boolean closed;

    PyTorchGraph(PtNDManager manager, PtSymbolBlock module, Optional<TorchScriptSignature> signature,
            ExecutionTarget target, String device, ResourceCounter graphCounter, ResourceCounter contextCounter) {
        this.manager = manager;
        this.module = module;
        this.target = target;
        this.device = device;
        List<TensorSpec> specs = new ArrayList<>();
        if (signature.isPresent()) {
            signature.get().names().forEach(n -> specs.add(TensorSpec.any(n)));
            this.requiredInputs = signature.get().required();
        } else {
            // Unreadable signature: inputs by index only, as many as the guest sets.
            for (int i = 0; i < MAX_UNDECLARED_INPUTS; i++) {
                specs.add(TensorSpec.any("INPUT__" + i));
            }
            this.requiredInputs = 0;
        }
        this.inputs = List.copyOf(specs);
        this.graphCounter = graphCounter;
        this.contextCounter = contextCounter;
        graphCounter.opened();
    }

    /** Leading inputs every compute needs; those after them have defaults in forward(). */
    int requiredInputs() {
        return requiredInputs;
    }

    @Override
    public GraphEncoding encoding() {
        return GraphEncoding.PYTORCH;
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

    /** Unknown before a compute: TorchScript does not declare its outputs. */
    @Override
    public List<TensorSpec> outputs() {
        return List.of();
    }

    @Override
    public ExecutionContext newContext() {
        if (closed) {
            throw new IllegalStateException("graph is closed");
        }
        return new PyTorchExecutionContext(this, contextCounter);
    }

    PtNDManager manager() {
        return manager;
    }

    PtSymbolBlock module() {
        return module;
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            graphCounter.closed();
            try {
                module.close();
            } finally {
                manager.close();
            }
        }
    }
}
