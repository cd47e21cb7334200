package dev.jwasmnn.server;

import dev.jwasmnn.nn.ComputeSlots;
import dev.jwasmnn.store.config.ModelConfig;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Per model: the {@link AdmissionQueue} that bounds its requests in flight, and the
 * {@link ComputeSlots} their computes take turns at, both sized from the config of the model's
 * current load. A request still running on an older version (a reload's drain, a pinned
 * version) does not size them: the limits change once per load, not back and forth.
 */
final class ModelQueues {
    private final Map<String, Limits> limits = new ConcurrentHashMap<>();
    private final ServerMetrics metrics;
    private final Function<String, Optional<ModelConfig>> servingConfig;

    /** @param servingConfig the config of a model's current load, empty while it serves nothing */
    ModelQueues(ServerMetrics metrics, Function<String, Optional<ModelConfig>> servingConfig) {
        this.metrics = metrics;
        this.servingConfig = servingConfig;
    }

    /** @param requestConfig the config of the version the request runs on: used only if the model serves nothing now */
    AdmissionQueue of(String model, ModelConfig requestConfig) {
        return limits(model, requestConfig).queue;
    }

    /** Whose turn it is to compute on {@code model}. */
    ComputeSlots computeSlots(String model, ModelConfig requestConfig) {
        return limits(model, requestConfig).slots;
    }

    private Limits limits(String model, ModelConfig requestConfig) {
        ModelConfig serving = servingConfig.apply(model).orElse(null);
        Limits l = limits.get(model);
        if (l == null) {
            ModelConfig first = serving != null ? serving : requestConfig;
            l = limits.computeIfAbsent(model, m -> {
                Limits created = new Limits(first);
                metrics.registerQueueGauges(m, created.queue::running, created.queue::waiting, created.slots::busy);
                return created;
            });
        }
        if (serving != null && l.sizedFor != serving) {
            l.resizeToCurrent(() -> servingConfig.apply(model).orElse(null));
        }
        return l;
    }

    private static final class Limits {
        final AdmissionQueue queue;
        final ComputeSlots slots;
        volatile ModelConfig sizedFor;

        Limits(ModelConfig config) {
            this.queue = new AdmissionQueue(config.inFlight(), config.maxQueue());
            this.slots = new ComputeSlots(config.concurrency());
            this.sizedFor = config;
        }

        /**
         * Once per load, both limits in one step under the lock, to the config current when the
         * lock is taken: a thread that read an older one before a reload cannot size them back.
         */
        synchronized void resizeToCurrent(java.util.function.Supplier<ModelConfig> current) {
            ModelConfig config = current.get();
            if (config != null && sizedFor != config) {
                queue.resize(config.inFlight(), config.maxQueue());
                slots.resize(config.concurrency());
                sizedFor = config;
            }
        }
    }
}
