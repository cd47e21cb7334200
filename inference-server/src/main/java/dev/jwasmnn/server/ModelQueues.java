package dev.jwasmnn.server;

import dev.jwasmnn.nn.ComputeSlots;
import dev.jwasmnn.store.config.ModelConfig;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per model: the {@link AdmissionQueue} that bounds its requests in flight, and the
 * {@link ComputeSlots} their computes take turns at, both sized from the config of the version
 * being served.
 */
final class ModelQueues {
    private final Map<String, Limits> limits = new ConcurrentHashMap<>();
    private final ServerMetrics metrics;

    ModelQueues(ServerMetrics metrics) {
        this.metrics = metrics;
    }

    AdmissionQueue of(String model, ModelConfig config) {
        return limits(model, config).queue;
    }

    /** Whose turn it is to compute on {@code model}. */
    ComputeSlots computeSlots(String model, ModelConfig config) {
        return limits(model, config).slots;
    }

    private Limits limits(String model, ModelConfig config) {
        Limits l = limits.get(model);
        if (l == null) {
            l = limits.computeIfAbsent(model, m -> {
                Limits created = new Limits(new AdmissionQueue(config.inFlight(), config.maxQueue()),
                        new ComputeSlots(config.concurrency()));
                metrics.registerQueueGauges(m, created.queue::running, created.queue::waiting, created.slots::busy);
                return created;
            });
        }
        // Once per served config, not per request: resizing takes the locks.
        l.resizeFor(config);
        return l;
    }

    private static final class Limits {
        final AdmissionQueue queue;
        final ComputeSlots slots;
        private volatile ModelConfig sizedFor;

        Limits(AdmissionQueue queue, ComputeSlots slots) {
            this.queue = queue;
            this.slots = slots;
        }

        void resizeFor(ModelConfig config) {
            if (sizedFor != config) {
                queue.resize(config.inFlight(), config.maxQueue());
                slots.resize(config.concurrency());
                sizedFor = config;
            }
        }
    }
}
