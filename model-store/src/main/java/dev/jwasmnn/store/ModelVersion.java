package dev.jwasmnn.store;

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

    ModelVersion(String model, VersionFiles files, ModelConfig config, SharedGraph graph, GuestModule guest,
            Duration loadTime, String warning) {
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
