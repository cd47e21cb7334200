package dev.jwasmnn.store;

import dev.jwasmnn.nn.TensorSpec;
import java.util.List;
import dev.jwasmnn.guest.GuestModule;
import dev.jwasmnn.nn.registry.SharedGraph;
import dev.jwasmnn.store.config.ModelConfig;
import java.time.Duration;
import java.util.Optional;

/**
 * One loaded version of a model: its native graph (shared, reference-counted), its compiled
 * guest and the config it was loaded with. The store holds one graph reference while the
 * version is served; every {@link ModelLease} and every guest graph handle holds another, so
 * the native session closes only when the version is retired and the last request is done.
 */
public final class ModelVersion {
    private final String model;
    private final long version;
    private final VersionFiles files;
    private final ModelConfig config;
    private final SharedGraph graph;
    private final GuestModule guest;
    private final Duration loadTime;
    private final String warning;
    private final List<TensorSpec> inputs;
    private final List<TensorSpec> outputs;
    private final Object attachment;

    ModelVersion(String model, VersionFiles files, ModelConfig config, SharedGraph graph, GuestModule guest,
            Duration loadTime, String warning, List<TensorSpec> inputs, List<TensorSpec> outputs, Object attachment) {
        this.attachment = attachment;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.model = model;
        this.version = files.version();
        this.files = files;
        this.config = config;
        this.graph = graph;
        this.guest = guest;
        this.loadTime = loadTime;
        this.warning = warning;
    }

    public String model() {
        return model;
    }

    public long version() {
        return version;
    }

    public VersionFiles files() {
        return files;
    }

    public ModelConfig config() {
        return config;
    }

    public SharedGraph graph() {
        return graph;
    }

    public Optional<GuestModule> guest() {
        return Optional.ofNullable(guest);
    }

    /**
     * The inputs this version serves: the model's own, or, where the model declares no types or
     * shapes (TorchScript), the ones its config declares.
     */
    public List<TensorSpec> inputs() {
        return inputs;
    }

    /**
     * The outputs this version serves: the model's own, or the config's where the model declares
     * none (TorchScript); empty when neither says (the outputs are known only after a compute).
     */
    public List<TensorSpec> outputs() {
        return outputs;
    }

    /** What the store's {@link VersionExtension} built for this version, if it is a {@code type}. */
    public <T> Optional<T> attachment(Class<T> type) {
        return type.isInstance(attachment) ? Optional.of(type.cast(attachment)) : Optional.empty();
    }

    public Duration loadTime() {
        return loadTime;
    }

    /** A load-time warning (GPU fallback ...), or empty. */
    public String warning() {
        return warning;
    }

    @Override
    public String toString() {
        return model + "@" + version;
    }
}
