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
    private final Map<String, AdmissionQueue> queues = new ConcurrentHashMap<>();
    private final Map<String, Turns> turns = new ConcurrentHashMap<>();
    private final ServerMetrics metrics;

    ModelQueues(ServerMetrics metrics) {
        this.metrics = metrics;
    }

    AdmissionQueue of(String model, ModelConfig config) {
        AdmissionQueue q = queues.get(model);
        if (q == null) {
            q = queues.computeIfAbsent(model, m -> {
                AdmissionQueue created = new AdmissionQueue(config.inFlight(), config.maxQueue());
                metrics.registerQueueGauges(m, created::running, created::waiting);
                return created;
            });
        }
        // Once per served config, not per request: resizing takes the queue's lock.
        q.resizeFor(config);
        return q;
    }

    /** Whose turn it is to compute on {@code model}. */
    ComputeSlots computeSlots(String model, ModelConfig config) {
        Turns t = turns.computeIfAbsent(model, m -> new Turns(new ComputeSlots(config.concurrency())));
        t.resizeFor(config);
        return t.slots;
    }

    private static final class Turns {
        final ComputeSlots slots;
        private volatile ModelConfig sizedFor;

        Turns(ComputeSlots slots) {
            this.slots = slots;
        }

        void resizeFor(ModelConfig config) {
            if (sizedFor != config) {
                slots.resize(config.concurrency());
                sizedFor = config;
            }
        }
    }
}
