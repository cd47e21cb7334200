package dev.jwasmnn.nn.spi;

import dev.jwasmnn.nn.ExecutionTarget;
import dev.jwasmnn.nn.GpuPolicy;
import dev.jwasmnn.nn.GraphEncoding;
import java.nio.file.Path;
import java.util.List;

/**
 * A started inference engine that turns model bytes or files into {@link Graph}s. Thread-safe.
 * Failures are reported as {@link dev.jwasmnn.nn.WasiNnException} with the errno the guest sees.
 */
public interface Backend extends AutoCloseable {

    String name();

    /**
     * Loads a graph from the guest's builder array (ONNX and PyTorch take exactly one builder:
     * the model bytes). {@code gpuPolicy} decides what a gpu target does without a usable GPU.
     */
    Graph load(List<byte[]> builders, GraphEncoding encoding, ExecutionTarget target, GpuPolicy gpuPolicy);

    /** Loads a graph from files on the host (preloading, model store). */
    Graph loadFiles(List<Path> files, GraphEncoding encoding, ExecutionTarget target, GpuPolicy gpuPolicy);

    /** Whether this backend can reach a GPU; probed once, on first need. */
    GpuProbe gpu();

    /** Native graphs (sessions, models) of this backend that are currently open. */
    int openGraphs();

    /** Execution contexts of this backend that are currently open. */
    int openContexts();

    /** Releases backend-wide native state. Graphs must be closed first. */
    @Override
    void close();
}
