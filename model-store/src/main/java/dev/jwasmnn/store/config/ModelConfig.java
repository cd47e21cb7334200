package dev.jwasmnn.store.config;

import dev.jwasmnn.nn.ExecutionTarget;
import dev.jwasmnn.nn.GpuPolicy;
import dev.jwasmnn.nn.GraphEncoding;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A model's configuration with defaults applied and every value checked. Made by
 * {@link ModelConfigLoader} from {@code config.yaml}, or {@link #defaults()} when there is none.
 *
 * @param encoding the backend's encoding; empty = from the model file's name
 * @param target where the graph runs
 * @param gpuPolicy what happens when the GPU is asked for and missing; empty = the server's policy
 * @param inputs declared inputs (empty = take them from the model)
 * @param outputs declared outputs (empty = take them from the model)
 * @param guest the request handler, if the model has one configured
 * @param concurrency computes of this model at once: the turns requests take at the model
 * @param inFlight requests of this model admitted at once (at least {@code concurrency}): those
 *     beyond the computing ones decode their input or run their guest while they wait for a turn
 * @param maxQueue requests that may wait for a slot; more are refused with 503
 * @param deadline wall time per request: queue, guest and compute
 * @param versionPolicy which versions on disk are served
 * @param warmup whether a load runs one inference before the version is ready
 * @param warmupInputs files (relative to the model folder) holding each input's raw little-endian
 *     bytes for that inference; empty = zeros
 * @param drainTimeout how long a reload or unload waits for in-flight requests of an old version
 * @param pipeline pre/postprocessing steps run by the server around the model (no guest needed)
 */
public record ModelConfig(
        Optional<GraphEncoding> encoding,
        ExecutionTarget target,
        Optional<GpuPolicy> gpuPolicy,
        List<TensorMetadata> inputs,
        List<TensorMetadata> outputs,
        Optional<GuestConfig> guest,
        int concurrency,
        int inFlight,
        int maxQueue,
        Duration deadline,
        VersionPolicy versionPolicy,
        boolean warmup,
        List<String> warmupInputs,
        Duration drainTimeout,
        Optional<PipelineSpec> pipeline) {

    public ModelConfig {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        warmupInputs = List.copyOf(warmupInputs);
    }

    public static int defaultConcurrency() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Twice the computes: one request getting ready per computing one keeps the model busy (a
     * guest's instance and input copies took a MobileNetV2 compute slot ~1 ms per request when
     * they held it), and the bound still keeps memory in use by waiting guests small.
     */
    public static int defaultInFlight(int concurrency) {
        return Math.min(2 * concurrency, MAX_IN_FLIGHT);
    }

    /** The most requests in flight a config may ask for. */
    public static final int MAX_IN_FLIGHT = 2048;

    public static ModelConfig defaults() {
        return new ModelConfig(Optional.empty(), ExecutionTarget.CPU, Optional.empty(), List.of(), List.of(),
                Optional.empty(), defaultConcurrency(), defaultInFlight(defaultConcurrency()), 64, Duration.ofSeconds(30), new VersionPolicy.Latest(1),
                true, List.of(), Duration.ofSeconds(30), Optional.empty());
    }
}
