package dev.jwasmnn.nn.spi;

import dev.jwasmnn.nn.Tensor;

/**
 * One caller's inputs and outputs for a {@link Graph}. Used by one thread at a time, except
 * {@link #cancel()}, which any thread may call to abandon a running or future compute.
 */
public interface ExecutionContext extends AutoCloseable {

    /**
     * Validates {@code tensor} against the model's input {@code index} and keeps it. A backend
     * may keep a direct tensor's memory instead of copying it, so the caller must leave that
     * memory unchanged and reachable until the input is replaced or the context is closed.
     */
    void setInput(int index, Tensor tensor);

    /** Runs the graph on the current inputs; replaces all previous outputs. */
    void compute();

    /** Number of outputs of the last compute (0 before the first). */
    int outputCount();

    /** Output {@code index} of the last compute. */
    Tensor output(int index);

    /** Stops the current compute as soon as the backend allows and fails later ones. */
    void cancel();

    @Override
    void close();
}
