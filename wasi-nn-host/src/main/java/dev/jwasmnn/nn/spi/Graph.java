package dev.jwasmnn.nn.spi;

import dev.jwasmnn.nn.ExecutionTarget;
import dev.jwasmnn.nn.GraphEncoding;
import dev.jwasmnn.nn.TensorSpec;
import java.util.List;

/**
 * A loaded model: one native session, shared by any number of concurrent
 * {@link ExecutionContext}s. Implementations must be safe for concurrent {@link #newContext()}
 * and concurrent compute on different contexts. Closing it frees the native session; callers
 * ensure no context is still computing (see {@link dev.jwasmnn.nn.registry.SharedGraph}).
 */
public interface Graph extends AutoCloseable {

    GraphEncoding encoding();

    /** The target that was asked for. */
    ExecutionTarget target();

    /** The device the graph actually runs on, e.g. {@code cpu} or {@code cuda:0}. */
    String device();

    /** The model's inputs, in declared order: wasi-nn input index i is element i. */
    List<TensorSpec> inputs();

    /** The model's outputs, in declared order: wasi-nn output index i is element i. */
    List<TensorSpec> outputs();

    ExecutionContext newContext();

    @Override
    void close();
}
